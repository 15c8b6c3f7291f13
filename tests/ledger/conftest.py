"""Ledger test helpers: a household and a producer, and a way behind the triggers' back."""

import importlib.util
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from market.extensions import db as _db
from tests import factories

MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0003_ledger.py"


def ledger_migration():
    spec = importlib.util.spec_from_file_location("ledger_migration_0003", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TRIGGERED_TABLES = ("ledger_transactions", "ledger_entries", "ledger_closures",
                    "ledger_chain_head")


@contextmanager
def triggers_set_aside(connection):
    """The ledger's triggers off for what runs inside, then back as the migrations left them.

    SQLite cannot disable a trigger: there they are dropped and written again."""
    if connection.dialect.name == "postgresql":
        for table in TRIGGERED_TABLES:
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
        for table in TRIGGERED_TABLES:
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    migration = ledger_migration()
    for statement in migration.drop_statements("sqlite"):
        connection.execute(text(statement))
    yield
    for statement in migration.SQLITE_TRIGGERS:
        connection.execute(text(statement))


class Tamperer:
    """Run raw SQL with the ledger's triggers set aside, then put them back."""

    def __init__(self, db):
        self.db = db

    def run(self, *statements, **parameters):
        self.db.session.commit()
        with self.db.engine.begin() as connection, triggers_set_aside(connection):
            for statement in statements:
                connection.execute(text(statement), parameters)
        self.db.session.expire_all()


@pytest.fixture
def tamper(db):
    return Tamperer(db)


@pytest.fixture
def household(db):
    return factories.HouseholdFactory()


@pytest.fixture
def producer(db):
    return factories.ProducerFactory()


@pytest.fixture
def commit(db):
    def do():
        _db.session.commit()
    return do
