"""When a posting is chained: on PostgreSQL at commit (migration 0011), on SQLite at once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from market.extensions import db as _db
from market.ledger import builders
from market.ledger.closures import close_period
from market.ledger.models import (
    LedgerChainHead,
    LedgerClosure,
    LedgerTransaction,
    LedgerUnchained,
)
from market.ledger.posting import post, reverse
from market.ledger.verify import verify
from market.timeutil import to_hub_time, utcnow


def recorded(db) -> tuple[int, int]:
    """(transactions, head seq) as another connection sees them: what has been committed."""
    with db.engine.connect() as other:
        return (
            other.execute(select(func.count(LedgerTransaction.id))).scalar(),
            other.execute(select(LedgerChainHead.seq)).scalar() or 0,
        )


def waiting(db) -> int:
    """Transactions of this session waiting for their commit to chain them."""
    return db.session.execute(select(func.count()).select_from(LedgerUnchained)).scalar()


def topup(household, key, **options):
    return post(
        "credit.topup",
        [("cash:till", 500), (f"household:{household.id}", -500)],
        idempotency_key=key,
        payment_method="cash",
        **options,
    )


@pytest.mark.postgres_only
def test_a_posting_is_chained_when_its_transaction_commits(db, household):
    first = topup(household, "first")
    db.session.commit()
    second = topup(household, "second")
    assert (second.seq, second.prev_hash, second.hash) == (None, None, None)
    assert recorded(db) == (1, 1)  # the head is not taken before the commit
    assert waiting(db) == 1
    db.session.commit()
    assert waiting(db) == 0
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert recorded(db) == (2, 2)
    assert db.session.get(LedgerChainHead, 1).hash == second.hash
    assert verify().ok


def test_a_posting_can_be_reversed_in_the_transaction_that_made_it(db, household, producer):
    original = builders.post_order_placed(
        household.id, "o-1", [(producer.id, 3000, 550)], 1000, "o-1"
    )
    reversal = reverse(original, reason="Entered twice", idempotency_key="rev-1")
    assert reversal.reference == f"seq {original.seq}" == "seq 1"
    db.session.commit()
    assert (reversal.seq, reversal.reverses_id) == (2, original.id)
    assert verify().ok


@pytest.mark.postgres_only
def test_a_dated_posting_fails_its_commit_when_its_period_closed_in_between(app, db, household):
    db.session.commit()
    moment = utcnow() - timedelta(days=3)
    topup(household, "late", occurred_at=moment)  # the day is still open: accepted

    def close_the_day():
        with app.app_context():
            close_period("day", to_hub_time(moment).date())
            _db.session.commit()

    closing = threading.Thread(target=close_the_day)
    closing.start()
    closing.join()
    with pytest.raises(DBAPIError, match="closed period"):
        db.session.commit()
    db.session.rollback()
    assert recorded(db) == (0, 0)
    assert db.session.execute(select(func.count(LedgerClosure.seq))).scalar() == 1
    assert verify().ok


@pytest.mark.postgres_only
def test_a_posting_dated_now_lands_after_a_period_closed_before_it_commits(
    app, db, household, monkeypatch
):
    db.session.commit()
    posted = topup(household, "now")
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr("market.ledger.closures.utcnow", lambda: later)  # today is over

    def close_today():
        with app.app_context():
            close_period("day", to_hub_time(posted.occurred_at).date())
            _db.session.commit()

    closing = threading.Thread(target=close_today)
    closing.start()
    closing.join()
    db.session.commit()
    closure = db.session.execute(select(LedgerClosure)).scalar_one()
    assert closure.transaction_count == 0
    assert posted.occurred_at == closure.ends_at  # the first moment of the open period
    assert verify().ok


def test_a_transaction_written_by_hand_without_its_chain_is_refused(db):
    """PostgreSQL refuses it when it commits (no canonical text to chain it with), SQLite
    as it is written."""
    with pytest.raises(DBAPIError, match=r"no canonical text|must be chained"):
        db.session.execute(
            text(
                "INSERT INTO ledger_transactions (occurred_at, kind, idempotency_key, payload_hash,"
                " reference, memo) VALUES (CURRENT_TIMESTAMP, 'credit.topup', 'by hand', 'x', '',"
                " '')"
            )
        )
        db.session.commit()
    db.session.rollback()
    assert recorded(db) == (0, 0)


SEAL_BY_HAND = (
    "UPDATE ledger_transactions SET seq = :seq, prev_hash = repeat('0', 64),"
    " hash = repeat('f', 64) WHERE idempotency_key = :key"
)


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        (
            "UPDATE ledger_transactions SET memo = 'changed' WHERE idempotency_key = :key",
            "append-only",
        ),
        ("DELETE FROM ledger_transactions WHERE idempotency_key = :key", "append-only"),
        (SEAL_BY_HAND.replace(":seq", "7"), "must follow the chain head"),
    ],
)
def test_an_unchained_transaction_accepts_no_change_but_its_seal(db, household, statement, refusal):
    topup(household, "waiting")
    with pytest.raises(DBAPIError, match=refusal):
        db.session.execute(text(statement), {"key": "waiting"})
    db.session.rollback()
    assert recorded(db) == (0, 0)


@pytest.mark.postgres_only
def test_a_chained_transaction_cannot_be_sealed_again(db, household):
    topup(household, "done")
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(SEAL_BY_HAND), {"seq": 2, "key": "done"})
    db.session.rollback()
    assert verify().ok
