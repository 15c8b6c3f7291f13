"""Browser tests: the app served in a thread on the test database, driven by system Chromium."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from market import create_app

CHROMIUM = os.environ.get("MARKET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        reason = f"browser tests need Chromium at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("MARKET_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(database_url_for_test, ledger_signing_key):
    """Base URL of the app served from a thread, on this test's database, with CSRF on."""
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url_for_test,
        WTF_CSRF_ENABLED=True,
        LEDGER_SIGNING_KEY=ledger_signing_key,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        from market.extensions import db

        db.engine.dispose()


def page_problem(message) -> str | None:
    """A console error worth failing for: a Content-Security-Policy violation, a script
    error. A page answered with 4xx on purpose (a refused form) is not one."""
    if message.type != "error":
        return None
    if message.text.startswith("Failed to load resource: the server responded with a status of 4"):
        return None
    return message.text


@pytest.fixture
def page(browser, live_server):
    """A page of the served app, whose security headers (CSP included) are those of
    production: any violation or script error fails the test."""
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda message: problems.append(page_problem(message)))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield page
    context.close()
    assert [problem for problem in problems if problem] == [], (
        "the browser reported a policy violation or an error"
    )
