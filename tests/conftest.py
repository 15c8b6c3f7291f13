"""Fixtures: a database built by the real migrations, an app per test, clients per role.

The suite runs on SQLite by default and on PostgreSQL when MARKET_TEST_DATABASE_URL is set.
SQLite tests each get a copy of a migrated template file; PostgreSQL tests share one migrated
database that is emptied after each test.
"""

import contextvars
import os
import secrets
import shutil

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import create_engine, text

from config import database_url
from market import create_app
from market.extensions import db as _db
from market.ledger.signing import new_private_key_pem
from tests import factories

# No time limit per example: on a shared machine one example may wait for the processor, and a
# property is about results, not speed (the benchmarks measure that).
settings.register_profile("market", deadline=None)
settings.load_profile("market")

POSTGRES_URL = os.environ.get("MARKET_TEST_DATABASE_URL")
BACKEND = "postgresql" if POSTGRES_URL else "sqlite"


def pytest_report_header(config):
    return f"market database backend: {BACKEND}"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are not collected on SQLite runs, so a skip always means trouble."""
    if BACKEND == "postgresql":
        return
    selected = [item for item in items if "postgres_only" not in item.keywords]
    deselected = [item for item in items if "postgres_only" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure, and the browser journeys must have run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or session.testscollected == 0:
        return
    problems = []
    if os.environ.get("MARKET_FORBID_SKIPS") and reporter.stats.get("skipped"):
        problems.append(f"{len(reporter.stats['skipped'])} test(s) skipped")
    passed = reporter.stats.get("passed", [])
    if os.environ.get("MARKET_REQUIRE_BROWSER") and not any(
        "browser" in report.keywords for report in passed
    ):
        problems.append("no browser test passed")
    if problems:
        reporter.write_line("CI rules broken: " + "; ".join(problems), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def migrate_to_head(url: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        _db.engine.dispose()


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A database at the migrations' head: a file to copy (SQLite) or the database (PostgreSQL)."""
    if BACKEND == "postgresql":
        url = database_url(POSTGRES_URL)
        reset_postgres_schema(url)
        migrate_to_head(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url_for_test(database_template, tmp_path):
    if BACKEND == "postgresql":
        yield database_template
        empty_postgres(database_template)
    else:
        path = tmp_path / "test.db"
        shutil.copy(database_template, path)
        yield f"sqlite:///{path}"


def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = (
            connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            names = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production: its own `g` and db session.

    The test keeps its own context and session; objects it holds are expired after each
    request so that it reads what the request committed.
    """

    def open(self, *args, **kwargs):
        def in_fresh_context():
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        response = contextvars.copy_context().run(in_fresh_context)
        _db.session.expire_all()
        return response


# Enough connections for the concurrency tests' twenty clients, each on its own.
ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 25, "max_overflow": 5}


@pytest.fixture(scope="session")
def ledger_signing_key() -> str:
    """The hub's closure-signing key for this test run (PEM)."""
    return new_private_key_pem().decode()


@pytest.fixture
def app(database_url_for_test, ledger_signing_key, tmp_path):
    options = ENGINE_OPTIONS if BACKEND == "postgresql" else {}
    # Photos (the demo draws some) in the test's own folder, never the instance's.
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url_for_test,
        SQLALCHEMY_ENGINE_OPTIONS=options,
        LEDGER_SIGNING_KEY=ledger_signing_key,
        CATALOG_PHOTO_DIRECTORY=str(tmp_path / "photos"),
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


def logged_in_client(app, user):
    """A client logged in as `user` through a real log-in session."""
    secret = secrets.token_urlsafe(16)
    factories.LoginSessionFactory(user=user, secret=secret)
    _db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{secret}"
        session["_fresh"] = True
    return client


@pytest.fixture
def household_user(db):
    return factories.HouseholdUserFactory()


@pytest.fixture
def producer_user(db):
    return factories.ProducerUserFactory()


@pytest.fixture
def coordinator_user(db):
    return factories.UserFactory(role="coordinator")


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(role="admin")


@pytest.fixture
def household_client(app, household_user):
    _db.session.commit()
    return logged_in_client(app, household_user)


@pytest.fixture
def producer_client(app, producer_user):
    _db.session.commit()
    return logged_in_client(app, producer_user)


@pytest.fixture
def coordinator_client(app, coordinator_user):
    _db.session.commit()
    return logged_in_client(app, coordinator_user)


@pytest.fixture
def admin_client(app, admin_user):
    _db.session.commit()
    return logged_in_client(app, admin_user)
