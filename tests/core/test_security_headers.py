"""Production answers carry the security headers on every page, error pages and downloads
included, and no served page needs an inline script or style."""

import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import url_for

from market import create_app
from market.extensions import db as _db
from tests import factories
from tests.access_matrix import MATRIX, ROLES
from tests.conftest import IsolatedClient

ROOT = Path(__file__).resolve().parents[2]
HTTPS = "https://marche.example"
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000",
}
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
)
# Inline code the policy would block: <script> without src, <style>, style= and on…= attributes.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|"
    r"javascript:",
    re.IGNORECASE,
)


def missing_headers(response) -> list[str]:
    problems = [
        f"{name}: {response.headers.get(name)!r}"
        for name, value in EXPECTED.items()
        if response.headers.get(name) != value
    ]
    policy = response.headers.get("Content-Security-Policy", "")
    problems += [
        f"CSP lacks {directive}" for directive in CSP_DIRECTIVES if directive not in policy
    ]
    if "Server" in response.headers:
        problems.append(f"Server: {response.headers['Server']}")
    return problems


@pytest.fixture
def production(database_url_for_test, tmp_path):
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=database_url_for_test,
        SECRET_KEY=secrets.token_urlsafe(32),
        WTF_CSRF_ENABLED=False,
        MAIL_DIRECTORY=str(tmp_path / "mail"),
        CATALOG_PHOTO_DIRECTORY=str(tmp_path / "photos"),
    )

    app.test_client_class = IsolatedClient

    @app.route("/test-only/boom")
    def boom():
        raise RuntimeError("an unexpected error, on purpose")

    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


def client_for(app, role):
    client = app.test_client()
    if role == "anonymous":
        return client
    user = {
        "household": factories.HouseholdUserFactory,
        "producer": factories.ProducerUserFactory,
    }.get(role, lambda: factories.UserFactory(role=role))()
    secret = secrets.token_urlsafe(16)
    factories.LoginSessionFactory(user=user, secret=secret)
    _db.session.commit()
    with client.session_transaction(base_url=HTTPS) as session:
        session["_user_id"] = f"{user.id}:{secret}"
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_with_the_headers_and_no_inline_code(production, role):
    client = client_for(production, role)
    problems = []
    for endpoint, (method, arguments, _expected) in sorted(MATRIX.items()):
        if callable(arguments):
            arguments = arguments(factories)
            _db.session.commit()
        with production.test_request_context():
            url = url_for(endpoint, **arguments)
        response = client.open(url, method=method, base_url=HTTPS)
        problems += [
            f"{endpoint} ({response.status_code}): {problem}"
            for problem in missing_headers(response)
        ]
        if response.mimetype == "text/html":
            problems += [
                f"{endpoint}: inline {match!r}"
                for match in INLINE.findall(response.get_data(as_text=True))
            ]
    assert problems == []


def test_error_pages_and_downloads_carry_the_headers(production):
    cycle = factories.OrderCycleFactory()
    _db.session.commit()
    anonymous = production.test_client()
    responses = {
        "404": anonymous.get("/products/12345", base_url=HTTPS),
        "405": anonymous.get("/logout", base_url=HTTPS),
        "500": anonymous.get("/test-only/boom", base_url=HTTPS),
        "static": anonymous.get("/static/css/site.css", base_url=HTTPS),
        "json": anonymous.get("/ledger/head", base_url=HTTPS),
    }
    staff = client_for(production, "coordinator")
    for fmt in ("csv", "xlsx", "pdf"):
        responses[fmt] = staff.get(
            f"/coordination/cycles/{cycle.id}/pickup-list.{fmt}", base_url=HTTPS
        )
    responses["zip"] = staff.get(f"/coordination/cycles/{cycle.id}/lists.zip", base_url=HTTPS)
    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses == {
        "404": 404,
        "405": 405,
        "500": 500,
        "static": 200,
        "json": 200,
        "csv": 200,
        "xlsx": 200,
        "pdf": 200,
        "zip": 200,
    }
    problems = {name: missing_headers(response) for name, response in responses.items()}
    assert problems == {name: [] for name in responses}


def test_hsts_only_over_https(production):
    plain = production.test_client().get("/", base_url="http://marche.example")
    assert "Strict-Transport-Security" not in plain.headers
    assert plain.headers["Content-Security-Policy"]


def test_a_csrf_failure_page_carries_the_headers(production):
    production.config["WTF_CSRF_ENABLED"] = True
    response = production.test_client().post("/login", data={"email": "a@b.fr"}, base_url=HTTPS)
    assert response.status_code == 400
    assert missing_headers(response) == []


def test_templates_hold_no_inline_script_or_style():
    offenders = [
        f"{path.relative_to(ROOT)}: {match!r}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for match in INLINE.findall(path.read_text())
    ]
    assert offenders == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_does_not_name_itself(database_url_for_test, tmp_path):
    """gunicorn writes its own Server header; the deploy configuration changes it."""
    port = free_port()
    environment = {
        "MARKET_ENV": "production",
        "MARKET_SECRET_KEY": secrets.token_urlsafe(32),
        "MARKET_DATABASE_URL": database_url_for_test,
        "PATH": "/usr/bin:/bin",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy/gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "market:create_app()",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        headers = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as response:
                    headers = response.headers
                    break
            except OSError:
                time.sleep(0.1)
        assert headers is not None, server.stderr.read1().decode() if server.poll() else ""
        assert "gunicorn" not in (headers.get("Server") or "").lower()
        assert headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.terminate()
        server.wait(timeout=10)
