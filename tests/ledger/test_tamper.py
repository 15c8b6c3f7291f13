"""Tamper suite: every single change to a stored fact of the books is caught.

The changes are generated from the ledger models' columns, so a column added later is
covered without editing this file: each column of each ledger table is changed on one row,
then rows are deleted, inserted and reordered, with the database's triggers and foreign keys
in place (the database refuses, or verify fails) and with them set aside as a tamperer with
full access to the database would (verify fails, naming the record). Each change is made in a
transaction that is rolled back, so all of them run against the same journal.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    TypeDecorator,
    func,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

from market.ledger import builders
from market.ledger.closures import close_period
from market.ledger.models import (
    LedgerAccount,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
    LedgerUnchained,
)
from market.ledger.posting import post, reverse
from market.ledger.verify import verify
from market.timeutil import to_hub_time, utcnow
from tests import factories

LEDGER_MODELS = (
    LedgerAccount,
    LedgerTransaction,
    LedgerEntry,
    LedgerChainHead,
    LedgerClosure,
    LedgerUnchained,
)


def days_ago(days: int):
    return utcnow() - timedelta(days=days)


def write_journal(db) -> dict:
    """Every kind of posting, on every account of the chart, two signed closures."""
    household, producer = factories.HouseholdFactory(), factories.ProducerFactory()
    order = factories.OrderFactory(household_id=household.id)
    db.session.commit()
    h, p = f"household:{household.id}", f"producer:{producer.id}"
    sale = [(h, 3000), (p, -2700, 550), ("hub:commission", -250, 550), ("hub:vat", -50, 550)]
    for days, key in ((4, "a"), (3, "b")):
        post(
            "order.placed",
            sale,
            idempotency_key=f"order-{key}",
            order_id=order.id,
            occurred_at=days_ago(days),
        )
        post(
            "payment.received",
            [("cash:till", 3000), (h, -3000)],
            payment_method="cash",
            idempotency_key=f"paid-{key}",
            order_id=order.id,
            occurred_at=days_ago(days) + timedelta(seconds=1),
        )
    for days in (4, 3):
        close_period("day", to_hub_time(days_ago(days)).date())
    builders.post_credit_topup(household.id, 2000, "cheque", "CHQ-1", "topup")
    builders.post_payment_received(household.id, 1500, "stripe", "S1", "online", order_id=order.id)
    builders.post_payment_received(household.id, 500, "card", "S1", "terminal", order_id=order.id)
    builders.post_refund(household.id, 200, "stripe", "S1", "refund", order_id=order.id)
    builders.post_payout(producer.id, 2700, "VIR-1", "payout")
    builders.post_adjustment(h, 100, "geste", "favour")
    builders.post_adjustment(p, -100, "frais", "charge")
    changed = builders.post_order_changed(
        household.id,
        "S1",
        [(producer.id, 3000, 550)],
        [(producer.id, 2000, 550)],
        1000,
        "changed",
        order_id=order.id,
    )
    db.session.commit()
    reverse(changed, reason="saisie", idempotency_key="undo")
    db.session.commit()
    verdict = verify()
    assert verdict.ok, verdict.problem
    return {"household": household, "producer": producer, "order": order, "count": verdict.count}


@pytest.fixture
def journal(db):
    return write_journal(db)


@contextmanager
def tampering(db, guards: bool):
    """A transaction in which to change the books, rolled back after. Without `guards`,
    the triggers and foreign keys are set aside first, as only a tamperer would."""
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and not guards:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # before the transaction
    # A first write opens the transaction (SQLite's driver opens one only for a write), so
    # that setting triggers aside is rolled back with the rest.
    connection.execute(text("UPDATE ledger_chain_head SET seq = seq"))
    if not guards:
        set_guards_aside(connection)
    try:
        yield connection
    finally:
        db.session.rollback()
        if sqlite:
            db.session.connection().exec_driver_sql("PRAGMA foreign_keys=ON")
            db.session.rollback()


def set_guards_aside(connection) -> None:
    if connection.dialect.name == "postgresql":
        for model in LEDGER_MODELS:
            connection.execute(text(f"ALTER TABLE {model.__tablename__} DISABLE TRIGGER ALL"))
        return
    for (name,) in connection.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'ledger%'")
    ).all():
        connection.execute(text(f"DROP TRIGGER {name}"))


@dataclass
class Change:
    name: str
    statements: list[tuple[str, dict]]
    # What verify's message must name: any of these.
    names: tuple[str, ...]


def outcome(db, change: Change, guards: bool) -> str:
    """ "refused" (by the database), "caught" (verify named the record), or what went wrong."""
    with tampering(db, guards) as connection:
        try:
            with connection.begin_nested():
                for statement, parameters in change.statements:
                    connection.execute(text(statement), parameters)
        except DBAPIError:
            return "refused"
        db.session.expire_all()
        verdict = verify()
        if verdict.ok:
            return "NOT CAUGHT"
        if not any(name in verdict.problem for name in change.names):
            return f"caught without naming it: {verdict.problem}"
        return "caught"


def column_type(column):
    """The SQL type under the project's own decorators (a UTC time is a DateTime)."""
    kind = column.type
    return kind.impl if isinstance(kind, TypeDecorator) else kind


def stored(value, column, dialect: str):
    """A value as raw SQL binds it for this column (SQLite keeps naive UTC times)."""
    if isinstance(column_type(column), DateTime) and value is not None and dialect == "sqlite":
        return value.replace(tzinfo=None)
    return value


def changed(value, column):
    """Another value of the same type that still fits the column."""
    kind = column_type(column)
    if isinstance(kind, Boolean):
        return not value
    if isinstance(kind, Integer):  # beyond the others where it must be unique
        return (value or 0) + (1000 if column.primary_key or column.unique else 1)
    if isinstance(kind, DateTime):
        return (value or utcnow()) + timedelta(seconds=1)
    if isinstance(kind, String | Text):
        value = value or ""
        limit = getattr(kind, "length", None)
        if limit and len(value) >= limit:
            return value[:-1] + ("1" if value[-1] != "1" else "2")
        return value + "1"
    raise AssertionError(f"no change written for {column.table.name}.{column.name}")


@dataclass
class Target:
    model: type
    where: str
    parameters: dict
    names: tuple[str, ...]


def targets(db) -> list[Target]:
    """One row of each table holding rows: in the middle of the journal, or the only one."""
    seq_3 = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.seq == 3))
    household = db.session.scalar(select(LedgerAccount).where(LedgerAccount.kind == "household"))
    last_closure = db.session.scalar(select(func.max(LedgerClosure.seq)))
    return [
        Target(LedgerTransaction, "id = :id", {"id": seq_3.id}, ("seq 3", "seq 4")),
        Target(LedgerEntry, "transaction_id = :id AND position = 1", {"id": seq_3.id}, ("seq 3",)),
        Target(LedgerAccount, "id = :id", {"id": household.id}, (household.key, "seq 1")),
        Target(
            LedgerClosure,
            "seq = :seq",
            {"seq": last_closure},
            (f"closure {last_closure}", "chain head"),
        ),
        Target(LedgerChainHead, "id = 1", {}, ("chain head",)),
    ]


def column_changes(db) -> list[Change]:
    dialect = db.engine.dialect.name
    result = []
    for target in targets(db):
        table = target.model.__table__
        row = db.session.execute(select(table).where(text(target.where)), target.parameters).one()
        for column in table.columns:
            value = stored(changed(getattr(row, column.name), column), column, dialect)
            result.append(
                Change(
                    f"{table.name}.{column.name}",
                    [
                        (
                            f"UPDATE {table.name} SET {column.name} = :value"  # noqa: S608 - the models'
                            f" WHERE {target.where}",
                            {**target.parameters, "value": value},
                        )
                    ],
                    target.names,
                )
            )
    return result


def test_every_ledger_column_is_changed_by_the_suite(journal, db):
    """The suite reaches every column of every table of the books but the one whose rows
    only live inside an uncommitted transaction (ledger_unchained: inserts cover it)."""
    reached = {change.name for change in column_changes(db)}
    expected = {
        f"{model.__tablename__}.{column.name}"
        for model in LEDGER_MODELS
        if model is not LedgerUnchained
        for column in model.__table__.columns
    }
    assert reached == expected


@pytest.mark.parametrize("guards", [True, False], ids=["guards on", "guards off"])
def test_every_single_column_change_is_caught(journal, db, guards):
    results = {change.name: outcome(db, change, guards) for change in column_changes(db)}
    missed = {
        name: result for name, result in results.items() if result not in ("refused", "caught")
    }
    assert missed == {}
    if not guards:  # only CHECK constraints still refuse: everything else is made, and caught
        refused = {name for name, result in results.items() if result == "refused"}
        assert refused <= {"ledger_chain_head.id", "ledger_closures.period"}


def truncation(seq: dict, keep: int, last: int) -> list[tuple[str, dict]]:
    """Delete every transaction after seq `keep`, the accounts only they used, and move the
    head back onto seq `keep`: what a careful tamperer does."""
    doomed = [seq[n] for n in range(keep + 1, last + 1)]
    return [
        *(
            (statement, {"t": transaction_id})
            for transaction_id in doomed
            for statement in (
                "DELETE FROM ledger_entries WHERE transaction_id = :t",
                "DELETE FROM ledger_transactions WHERE id = :t",
            )
        ),
        ("DELETE FROM ledger_accounts WHERE id NOT IN (SELECT account_id FROM ledger_entries)", {}),
        (
            "UPDATE ledger_chain_head SET seq = :keep, hash = (SELECT hash FROM"
            " ledger_transactions WHERE seq = :keep), occurred_at = (SELECT occurred_at"
            " FROM ledger_transactions WHERE seq = :keep)",
            {"keep": keep},
        ),
    ]


def structural_changes(db, journal) -> list[Change]:
    seq = {
        row.seq: row.id
        for row in db.session.execute(select(LedgerTransaction.seq, LedgerTransaction.id))
    }
    accounts = dict(db.session.execute(select(LedgerAccount.key, LedgerAccount.id)).all())
    household = f"household:{journal['household'].id}"
    other = factories.HouseholdFactory()
    db.session.commit()
    last = journal["count"]
    now = utcnow() if db.engine.dialect.name == "postgresql" else utcnow().replace(tzinfo=None)
    entry = (
        "INSERT INTO ledger_entries (transaction_id, position, account_id, amount)"
        " VALUES (:t, :position, :a, :amount)"
    )
    return [
        Change(
            "delete a transaction and its entries",
            [
                ("DELETE FROM ledger_entries WHERE transaction_id = :t", {"t": seq[3]}),
                ("DELETE FROM ledger_transactions WHERE id = :t", {"t": seq[3]}),
            ],
            ("seq 3",),
        ),
        Change(
            "delete a transaction, keeping its entries",
            [("DELETE FROM ledger_transactions WHERE id = :t", {"t": seq[3]})],
            ("seq 3",),
        ),
        Change(
            "delete an entry",
            [
                (
                    "DELETE FROM ledger_entries WHERE transaction_id = :t AND position = 0",
                    {"t": seq[5]},
                )
            ],
            ("seq 5",),
        ),
        Change(
            "delete the last transaction",
            [
                ("DELETE FROM ledger_entries WHERE transaction_id = :t", {"t": seq[last]}),
                ("DELETE FROM ledger_transactions WHERE id = :t", {"t": seq[last]}),
            ],
            ("chain head",),
        ),
        Change(
            "truncate the tail into the last closed day and move the head back",
            [*truncation(seq, keep=3, last=last)],
            ("closure 2",),
        ),
        Change(
            "delete an account",
            [("DELETE FROM ledger_accounts WHERE key = 'cash:card'", {})],
            ("seq",),
        ),
        Change(
            "delete the last closure",
            [("DELETE FROM ledger_closures WHERE seq = 2", {})],
            ("closure 2", "chain head"),
        ),
        Change("delete the head", [("DELETE FROM ledger_chain_head", {})], ("chain head",)),
        Change(
            "add a balanced pair of entries to a transaction",
            [
                (entry, {"t": seq[3], "position": 10, "a": accounts["cash:bank"], "amount": 5}),
                (entry, {"t": seq[3], "position": 11, "a": accounts[household], "amount": -5}),
            ],
            ("seq 3",),
        ),
        Change(
            "add two balanced entries that belong to no transaction",
            [
                (entry, {"t": 999_999, "position": 0, "a": accounts[household], "amount": 1790}),
                (entry, {"t": 999_999, "position": 1, "a": accounts["cash:bank"], "amount": -1790}),
            ],
            ("transaction id 999999",),
        ),
        Change(
            "add a transaction without a seq",
            [
                (
                    "INSERT INTO ledger_transactions (id, format, occurred_at, kind,"
                    " idempotency_key, payload_hash, reference, memo)"
                    " VALUES (888888, 2, :now, 'credit.topup',"
                    " 'forged', 'x', '', '')",
                    {"now": now},
                ),
                (entry, {"t": 888_888, "position": 0, "a": accounts[household], "amount": -3210}),
                (entry, {"t": 888_888, "position": 1, "a": accounts["cash:bank"], "amount": 3210}),
            ],
            ("888888",),
        ),
        Change(
            "add an account",
            [
                (
                    "INSERT INTO ledger_accounts (key, kind, number, auxiliary, household_id)"
                    " VALUES (:key, 'household', '411', :aux, :owner)",
                    {"key": f"household:{other.id}", "aux": f"H{other.id:05d}", "owner": other.id},
                )
            ],
            (f"household:{other.id}",),
        ),
        Change(
            "add a closure",
            [
                (
                    "INSERT INTO ledger_closures (seq, period, label, starts_at, ends_at,"
                    " closed_at, ledger_hash, transaction_count, total, grand_total, breakdown,"
                    " prev_hash, hash) SELECT 3, 'month', 'forged', starts_at, ends_at,"
                    " closed_at, ledger_hash, 0, 0, 0, '{}', hash, :hash"
                    " FROM ledger_closures WHERE seq = 2",
                    {"hash": "f" * 64},
                )
            ],
            ("closure 3",),
        ),
        Change(
            "leave a canonical text waiting",
            [
                (
                    "INSERT INTO ledger_unchained (id, before_time, before_prev_hash, before_seq,"
                    " dated) VALUES (:t, '', '', '', false)",
                    {"t": seq[2]},
                )
            ],
            (str(seq[2]),),
        ),
        Change(
            "swap two transactions' seq",
            [
                ("UPDATE ledger_transactions SET seq = 1000 WHERE seq = 3", {}),
                ("UPDATE ledger_transactions SET seq = 3 WHERE seq = 4", {}),
                ("UPDATE ledger_transactions SET seq = 4 WHERE seq = 1000", {}),
            ],
            ("seq 3",),
        ),
        Change(
            "swap two entries' positions",
            [
                (
                    "UPDATE ledger_entries SET position = 100 WHERE transaction_id = :t"
                    " AND position = 0",
                    {"t": seq[3]},
                ),
                (
                    "UPDATE ledger_entries SET position = 0 WHERE transaction_id = :t"
                    " AND position = 1",
                    {"t": seq[3]},
                ),
                (
                    "UPDATE ledger_entries SET position = 1 WHERE transaction_id = :t"
                    " AND position = 100",
                    {"t": seq[3]},
                ),
            ],
            ("seq 3",),
        ),
        Change(
            "swap two closures' order",
            [
                ("UPDATE ledger_closures SET seq = 100 WHERE seq = 1", {}),
                ("UPDATE ledger_closures SET seq = 1 WHERE seq = 2", {}),
                ("UPDATE ledger_closures SET seq = 2 WHERE seq = 100", {}),
            ],
            ("closure 1",),
        ),
    ]


@pytest.mark.parametrize("guards", [True, False], ids=["guards on", "guards off"])
def test_every_delete_insert_and_reorder_is_caught(journal, db, guards):
    results = {
        change.name: outcome(db, change, guards) for change in structural_changes(db, journal)
    }
    assert {
        name: result for name, result in results.items() if result not in ("refused", "caught")
    } == {}
