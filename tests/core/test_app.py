"""The application shell: health check, error pages, configuration."""

import runpy
from types import SimpleNamespace

import pytest
from flask import abort
from sqlalchemy.exc import DBAPIError

from config import DEFAULT_SECRET_KEY
from market import ROOT, compile_templates, create_app


def test_healthz_answers_json_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/none.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_not_found_page_is_in_the_site_look_and_french(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert 'href="#content"' in response.text


def test_error_pages_follow_the_browser_language(client):
    response = client.get("/nowhere", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Page not found" in response.text


def test_method_not_allowed(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Méthode non autorisée" in response.text


def test_too_large_request(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/login", data={"email": "x" * 500})
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.text


@pytest.mark.parametrize("status", [400, 403, 429])
def test_each_error_status_has_its_page(app, status):
    app.add_url_rule(f"/fail/{status}", f"fail_{status}", lambda: abort(status))
    response = app.test_client().get(f"/fail/{status}")
    assert response.status_code == status
    assert "<main" in response.text


def test_unexpected_error_page(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert "Un problème est survenu" in response.text


class DatabaseGaveUp(Exception):
    """What a driver raises when the database gives up one of two requests."""

    def __init__(self, sqlstate: str | None, text: str = "gave up"):
        super().__init__(text)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "text", "status"),
    [
        ("40P01", "deadlock detected", 409),
        ("40001", "could not serialize", 409),
        (None, "database is locked", 503),
        ("42P01", "no such table", 500),
    ],
)
def test_requests_the_database_gave_up_may_be_sent_again(app, sqlstate, text, status):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def collided():
        raise DBAPIError("UPDATE offers …", {}, DatabaseGaveUp(sqlstate, text))

    app.add_url_rule("/collided", "collided", collided)
    response = app.test_client().get("/collided")
    assert response.status_code == status
    if status == 409:
        assert "Modifié au même moment" in response.text


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"] == "Page introuvable"


@pytest.mark.parametrize("key", [None, DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_a_missing_or_default_secret_key(monkeypatch, key):
    monkeypatch.delenv("MARKET_SECRET_KEY", raising=False)
    if key:
        monkeypatch.setenv("MARKET_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="MARKET_SECRET_KEY"):
        create_app("production")


def test_production_sets_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKET_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("MARKET_DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("prod.db")


def test_gunicorn_compiles_every_template_before_forking_its_workers():
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    app = create_app("testing")
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
    assert settings["preload_app"] is True
    assert not app.jinja_env.cache
    settings["when_ready"](server)
    names = app.jinja_env.list_templates()
    assert len(names) > 100
    assert {template.name for template in app.jinja_env.cache.values()} == set(names)


def test_commands_compile_no_template_they_do_not_render(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKET_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("MARKET_DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    assert not create_app("production").jinja_env.cache


def test_a_broken_template_stops_the_start():
    from jinja2 import ChoiceLoader, DictLoader, TemplateSyntaxError

    app = create_app("testing")
    app.jinja_env.loader = ChoiceLoader(
        [app.jinja_env.loader, DictLoader({"broken.html": "{% if %}"})]
    )
    with pytest.raises(TemplateSyntaxError):
        compile_templates(app)


def test_postgres_urls_use_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("MARKET_DATABASE_URL", "postgresql://u@db.internal/market")
    app = create_app("testing")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal/market"


def test_links_in_emails_from_commands_use_the_public_address(app):
    from market.urls import external_url

    app.config["PUBLIC_URL"] = "https://marche.example.org/app"
    assert (
        external_url("orders.order_page", order_id=7) == "https://marche.example.org/app/orders/7"
    )
    with app.test_request_context(base_url="http://127.0.0.1:5000"):
        assert external_url("orders.shop") == "http://127.0.0.1:5000/shop"
