"""Ledger test helpers: a household and a producer, and a way behind the triggers' back."""

from contextlib import contextmanager

import pytest
from sqlalchemy import text

from market.extensions import db as _db
from tests import factories

# Every table of the books, in an order that deletes can follow.
LEDGER_TABLES = (
    "ledger_entries",
    "ledger_unchained",
    "ledger_transactions",
    "ledger_closures",
    "ledger_accounts",
    "ledger_chain_head",
)
SEED_HEAD = "INSERT INTO ledger_chain_head (id, seq, hash) VALUES (1, 0, :genesis)"


@contextmanager
def triggers_set_aside(connection):
    """The ledger's triggers off for what runs inside, then back as they were.

    SQLite cannot disable a trigger: there they are dropped and written again from their
    own definitions."""
    if connection.dialect.name == "postgresql":
        for table in LEDGER_TABLES:
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
        for table in LEDGER_TABLES:
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    triggers = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'ledger%'"
            " ORDER BY name"
        )
    ).all()
    for name, _ in triggers:
        connection.execute(text(f"DROP TRIGGER {name}"))
    yield
    for _, sql in triggers:
        connection.execute(text(sql))


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
