"""Ledger test helpers: a household and a producer, and a way behind the triggers' back."""

import importlib.util
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


class Tamperer:
    """Run raw SQL with the append-only triggers dropped, then put them back."""

    def __init__(self, db):
        self.db = db
        self.migration = ledger_migration()
        self.dialect = db.engine.dialect.name

    def run(self, *statements, **parameters):
        self.db.session.commit()
        with self.db.engine.begin() as connection:
            for statement in self.migration.drop_statements(self.dialect, functions=False):
                connection.execute(text(statement))
            for statement in statements:
                connection.execute(text(statement), parameters)
            recreate = (self.migration.POSTGRES_TRIGGERS if self.dialect == "postgresql"
                        else self.migration.SQLITE_TRIGGERS)
            for statement in recreate:
                connection.execute(text(statement))
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
