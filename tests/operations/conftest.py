"""Operations tests: a production-like configuration, an empty database, a real SMTP server."""

from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from config import database_url
from market import create_app
from market.extensions import db as _db
from tests.conftest import BACKEND, POSTGRES_URL, IsolatedClient
from tests.smtp import smtp_server  # noqa: F401 - a fixture

# What a hub sets in its environment file to go live (docs/deploy.md).
PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "k3Jx9-pQm2Vw7RtZ4nLs8YbHc6Fd1GaE5uKo0iXy",
    "PUBLIC_URL": "https://marche.seignanx.fr",
    "HUB_NAME": "Marché du Seignanx",
    "HUB_EMAIL": "contact@marche.seignanx.fr",
    "HUB_SIREN": "732 829 320",
    "HUB_IBAN": "FR76 3000 6000 0112 3456 7890 189",
    "MAIL_URL": "smtp://marche:secret@smtp.seignanx.fr:587?starttls=1",
    "MAIL_SENDER": "Marché du Seignanx <ne-pas-repondre@marche.seignanx.fr>",
}


@pytest.fixture
def production(app, tmp_path):
    app.config.update(PRODUCTION, CATALOG_PHOTO_DIRECTORY=str(tmp_path / "photos"))
    return app


@pytest.fixture
def empty_database_url(tmp_path):
    """A database that holds nothing, not even tables: a new SQLite file, or a new PostgreSQL
    database beside the suite's (created and dropped here)."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = make_url(database_url(POSTGRES_URL))
    scratch = f"{url.database}_scratch"
    server = create_engine(url, isolation_level="AUTOCOMMIT")

    def recreate(create: bool) -> None:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
            if create:
                connection.execute(text(f'CREATE DATABASE "{scratch}"'))

    recreate(True)
    yield url.set(database=scratch).render_as_string(hide_password=False)
    recreate(False)
    server.dispose()


@contextmanager
def app_on(url: str, photos: Path, **settings):
    """Another installation of the app, on this database, in its own context."""
    other = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=url, CATALOG_PHOTO_DIRECTORY=str(photos), **settings
    )
    other.test_client_class = IsolatedClient
    with other.app_context():
        yield other
        _db.session.remove()
        _db.engine.dispose()
