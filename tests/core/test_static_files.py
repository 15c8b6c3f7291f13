"""In production, static URLs carry their content's hash and are kept a year; elsewhere they
stay plain, so that a developer's edits show at once."""

import re
import secrets

from market import create_app


def production_app(database_url_for_test, tmp_path):
    return create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=database_url_for_test,
        SECRET_KEY=secrets.token_urlsafe(32),
        MAIL_DIRECTORY=str(tmp_path / "mail"),
    )


def test_production_fingerprints_static_files_and_caches_them(database_url_for_test, tmp_path):
    app = production_app(database_url_for_test, tmp_path)
    client = app.test_client()
    page = client.get("/privacy", base_url="https://marche.example").text
    stylesheet = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{16})"', page).group(1)
    assert re.search(r'src="/static/js/errors\.js\?v=[0-9a-f]{16}"', page)
    response = client.get(stylesheet, base_url="https://marche.example")
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable and response.cache_control.public
    # An old or made-up version is served, but not kept: it may not be this content.
    stale = client.get("/static/css/site.css?v=0000000000000000", base_url="https://marche.example")
    assert stale.status_code == 200 and not stale.cache_control.immutable


def test_elsewhere_static_urls_stay_plain(client):
    page = client.get("/privacy").text
    assert 'href="/static/css/site.css"' in page
