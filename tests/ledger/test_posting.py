"""The posting function: balance, idempotency, atomicity, the chain, reversals, triggers."""

from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from market.ledger import builders
from market.ledger.canonical import canonical_time
from market.ledger.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    LedgerError,
    UnbalancedTransaction,
)
from market.ledger.models import GENESIS_HASH, LedgerChainHead, LedgerTransaction
from market.ledger.posting import post, reverse
from market.timeutil import utcnow
from tests import factories
from tests.helpers import count_queries

DB_REFUSAL = (IntegrityError, DBAPIError)


def entry_map(transaction):
    return {(entry.account.key, entry.vat_rate): entry.amount for entry in transaction.entries}


def test_order_placed_splits_as_the_design_says(db, household, producer):
    transaction = builders.post_order_placed(
        household.id, "order-1", [(producer.id, 3000, 550)], 1000, "order.placed:1"
    )
    assert transaction.kind == "order.placed"
    assert entry_map(transaction) == {
        (f"household:{household.id}", None): 3000,
        (f"producer:{producer.id}", 550): -2700,
        ("hub:commission", 550): -250,
        ("hub:vat", 550): -50,
    }
    numbers = {entry.account.key: entry.account.number for entry in transaction.entries}
    assert numbers[f"household:{household.id}"] == "411"
    assert numbers[f"producer:{producer.id}"] == "467"
    assert numbers["hub:commission"] == "706"
    assert numbers["hub:vat"] == "44571"


def test_commission_rate_defaults_to_the_hub_configuration(app, db, household, producer):
    app.config["HUB_COMMISSION_BASIS_POINTS"] = 500
    transaction = builders.post_order_placed(household.id, "o", [(producer.id, 1000, 550)])
    assert entry_map(transaction)[(f"producer:{producer.id}", 550)] == -950


def test_same_key_same_payload_returns_the_original(db, household):
    first = builders.post_credit_topup(household.id, 1000, "cash", "r", "key-1")
    again = builders.post_credit_topup(household.id, 1000, "cash", "r", "key-1")
    assert again.id == first.id
    assert db.session.execute(select(func.count(LedgerTransaction.id))).scalar() == 1


def test_same_key_other_payload_is_refused(app, db, household):
    builders.post_credit_topup(household.id, 1000, "cash", "r", "key-1")
    with pytest.raises(IdempotencyConflict) as refused:
        builders.post_credit_topup(household.id, 1200, "cash", "r", "key-1")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "key-1" in str(refused.value.message)


def test_unbalanced_entries_are_refused_before_writing(db):
    with pytest.raises(UnbalancedTransaction):
        post("adjustment", [("cash:till", 100), ("hub:adjustments", -99)], idempotency_key="k")
    with pytest.raises(LedgerError):
        post("adjustment", [("cash:till", 100), ("cash:till", -100)], idempotency_key="k")
    with pytest.raises(TypeError):
        post("adjustment", [("cash:till", 1.5), ("hub:adjustments", -1.5)], idempotency_key="k")
    assert db.session.execute(select(func.count(LedgerTransaction.id))).scalar() == 0


def test_the_database_refuses_to_seal_an_unbalanced_transaction(db, household):
    builders.post_credit_topup(household.id, 1000, "cash", "r", "key-1")
    db.session.commit()
    head = db.session.get(LedgerChainHead, 1)
    statements = [
        "INSERT INTO ledger_transactions (seq, occurred_at, kind, idempotency_key, payload_hash,"
        " reference, memo, prev_hash, hash) VALUES (2, :now, 'adjustment', 'forged', 'x', '',"
        " '', :prev, 'forged-hash')",
        "INSERT INTO ledger_entries (transaction_id, position, account_id, amount)"
        " SELECT t.id, 0, a.id, 500"
        " FROM ledger_transactions t, ledger_accounts a WHERE t.seq = 2 AND a.key = 'cash:till'",
        "UPDATE ledger_chain_head SET seq = 2, hash = 'forged-hash', occurred_at = :now"
        " WHERE id = 1",
    ]
    now = utcnow() if db.engine.dialect.name == "postgresql" else utcnow().replace(tzinfo=None)
    with pytest.raises(DB_REFUSAL) as refused, db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"now": now, "prev": head.hash})
    assert "sum to zero" in str(refused.value)


def test_the_database_refuses_a_transaction_that_does_not_follow_the_head(db):
    with pytest.raises(DB_REFUSAL) as refused, db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO ledger_transactions (seq, occurred_at, kind, idempotency_key,"
                " payload_hash, reference, memo, prev_hash, hash) VALUES (5, :now, 'adjustment',"
                " 'gap', 'x', '', '', :prev, 'h')"
            ),
            {"now": utcnow().replace(tzinfo=None), "prev": GENESIS_HASH},
        )
    assert "chain head" in str(refused.value)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_transactions SET memo = 'changed'",
        "DELETE FROM ledger_transactions",
        "UPDATE ledger_entries SET amount = amount * 2",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_closures SET total = 0",
        "DELETE FROM ledger_closures",
        "DELETE FROM ledger_chain_head",
    ],
)
def test_triggers_refuse_update_and_delete(db, household, statement):
    builders.post_credit_topup(household.id, 1000, "cash", "r", "k")
    factories.LedgerClosureFactory()
    db.session.commit()
    with pytest.raises(DB_REFUSAL) as refused, db.engine.begin() as connection:
        connection.execute(text(statement))
    assert "append-only" in str(refused.value) or "cannot be deleted" in str(refused.value)


def test_entries_cannot_be_added_to_a_sealed_transaction(db, household):
    transaction = builders.post_credit_topup(household.id, 1000, "cash", "r", "k")
    db.session.commit()
    with pytest.raises(DB_REFUSAL) as refused, db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO ledger_entries (transaction_id, account_id, amount)"
                " VALUES (:tx, :account, 5)"
            ),
            {"tx": transaction.id, "account": transaction.entries[0].account_id},
        )
    assert "sealed" in str(refused.value)


def test_postings_commit_or_roll_back_with_the_business_change(db):
    household = factories.HouseholdFactory(name="Rolled back")
    builders.post_credit_topup(household.id, 1000, "cash", "r", "k")
    db.session.rollback()
    assert db.session.execute(select(func.count(LedgerTransaction.id))).scalar() == 0
    household = factories.HouseholdFactory(name="Kept")
    transaction = builders.post_credit_topup(household.id, 1000, "cash", "r", "k")
    db.session.commit()
    assert transaction.seq == 1


def test_the_chain_is_gapless_and_linked(db, household, producer):
    transactions = [
        builders.post_credit_topup(household.id, 100 + n, "cash", "", f"k{n}") for n in range(5)
    ]
    db.session.commit()
    assert [t.seq for t in transactions] == [1, 2, 3, 4, 5]
    assert transactions[0].prev_hash == GENESIS_HASH
    for previous, current in pairwise(transactions):
        assert current.prev_hash == previous.hash
    head = db.session.get(LedgerChainHead, 1)
    assert (head.seq, head.hash) == (5, transactions[-1].hash)


@pytest.mark.postgres_only
def test_on_postgresql_a_posting_is_one_statement_once_its_accounts_exist(db, household):
    with count_queries(db.engine) as statements:
        builders.post_credit_topup(household.id, 100, "cash", "", "k1")
    assert len(statements) > 1  # the household's account was created on the way
    with count_queries(db.engine) as statements:
        second = builders.post_credit_topup(household.id, 200, "cash", "", "k2")
    assert len(statements) == 1 and "ledger_append" in statements[0]
    assert second.seq is None  # chained when the transaction commits
    db.session.commit()
    assert second.seq == 2


def test_times_round_trip_with_microseconds(db, household):
    moment = utcnow().replace(microsecond=123456)
    transaction = builders.post_credit_topup(household.id, 100, "cash", "", "k")
    db.session.commit()
    stored = canonical_time(transaction.occurred_at)
    db.session.expire_all()
    assert canonical_time(db.session.get(LedgerTransaction, transaction.id).occurred_at) == stored
    explicit = post(
        "credit.topup",
        [("cash:till", 5), (f"household:{household.id}", -5)],
        idempotency_key="k2",
        occurred_at=moment + timedelta(days=1),
    )
    db.session.commit()
    db.session.expire_all()
    reread = db.session.get(LedgerTransaction, explicit.id).occurred_at
    assert canonical_time(reread) == canonical_time(moment + timedelta(days=1))
    assert reread.microsecond == 123456


def test_dating_before_the_last_transaction_is_refused(db, household):
    builders.post_credit_topup(household.id, 100, "cash", "", "k")
    with pytest.raises(LedgerError):
        post(
            "credit.topup",
            [("cash:till", 5), (f"household:{household.id}", -5)],
            idempotency_key="k2",
            occurred_at=utcnow() - timedelta(days=1),
        )


def test_reversal_mirrors_and_names_the_original_once(db, household, producer):
    original = builders.post_order_placed(
        household.id, "o-1", [(producer.id, 3000, 550)], 1000, "o-1"
    )
    reversal = reverse(original, reason="Entered twice", idempotency_key="rev-1")
    assert reversal.kind == "reversal"
    assert reversal.reverses_id == original.id
    assert reversal.reference == f"seq {original.seq}"
    assert {k: -v for k, v in entry_map(original).items()} == entry_map(reversal)
    assert reverse(original, reason="Entered twice", idempotency_key="rev-1").id == reversal.id
    with pytest.raises(AlreadyReversed):
        reverse(original, reason="Again", idempotency_key="rev-2")
    with pytest.raises(LedgerError):
        reverse(reversal, reason="Undo the undo", idempotency_key="rev-3")
    with pytest.raises(LedgerError):
        reverse(original, reason="  ", idempotency_key="rev-4")


def test_builders_refuse_bad_amounts_and_methods(db, household, producer):
    with pytest.raises(LedgerError):
        builders.post_payment_received(household.id, 0, "cash", "", "k")
    with pytest.raises(LedgerError):
        builders.post_payment_received(household.id, 100, "bitcoin", "", "k")
    with pytest.raises(LedgerError):
        builders.post_payout(producer.id, 100, " ", "k")
    with pytest.raises(LedgerError):
        builders.post_adjustment(f"producer:{producer.id}", 100, "", "k")
    assert db.session.execute(select(func.count(LedgerTransaction.id))).scalar() == 0


def test_order_change_and_cancellation_mirror_the_placement(db, household, producer):
    lines = [(producer.id, 1999, 550), (producer.id, 333, 2000)]
    builders.post_order_placed(household.id, "o", lines, 1000, "placed")
    changed = builders.post_order_changed(
        household.id, "o", lines, [(producer.id, 1999, 550)], 1000, "changed"
    )
    assert entry_map(changed)[(f"household:{household.id}", None)] == -333
    assert builders.post_order_changed(household.id, "o", lines, lines, 1000, "same") is None
    builders.post_order_cancelled(household.id, "o", [(producer.id, 1999, 550)], 1000, "cancelled")
    balances = dict(
        db.session.execute(
            text(
                "SELECT a.key, SUM(e.amount) FROM ledger_entries e JOIN ledger_accounts a"
                " ON a.id = e.account_id GROUP BY a.key"
            )
        ).all()
    )
    assert set(balances.values()) == {0}


def test_payment_payout_topup_repayment_and_adjustment_postings(db, household, producer):
    h, p = f"household:{household.id}", f"producer:{producer.id}"
    assert entry_map(builders.post_payment_received(household.id, 500, "stripe", "cs_1", "a")) == {
        ("cash:stripe", None): 500,
        (h, None): -500,
    }
    assert entry_map(builders.post_refund(household.id, 200, "stripe", "re_1", "b")) == {
        ("cash:stripe", None): -200,
        (h, None): 200,
    }
    assert entry_map(builders.post_payout(producer.id, 700, "VIR-1", "c")) == {
        ("cash:bank", None): -700,
        (p, None): 700,
    }
    assert entry_map(builders.post_credit_topup(household.id, 900, "cheque", "CHQ 12", "d")) == {
        ("cash:cheque", None): 900,
        (h, None): -900,
    }
    assert entry_map(builders.post_credit_repayment(household.id, 100, "cash", "", "e")) == {
        ("cash:till", None): -100,
        (h, None): 100,
    }
    assert entry_map(builders.post_adjustment(h, 150, "Goodwill", "f")) == {
        ("hub:adjustments", None): 150,
        (h, None): -150,
    }
    assert entry_map(builders.post_adjustment(h, -40, "Forgotten basket", "f2")) == {
        ("hub:gains", None): -40,
        (h, None): 40,
    }
    assert entry_map(
        builders.post_fulfilment_adjusted(
            household.id, "o", [(producer.id, 1000, 550)], [(producer.id, 800, 550)], 1000, "g"
        )
    ) == {(h, None): -200, (p, 550): 180, ("hub:commission", 550): 16, ("hub:vat", 550): 4}
