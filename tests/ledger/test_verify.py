"""`ledger verify`: passes on a sound journal, names the first record tampered behind its back."""

import gc
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from market.extensions import db as _db
from market.ledger import builders
from market.ledger import verify as verify_module
from market.ledger.models import LedgerChainHead, LedgerTransaction
from market.ledger.posting import post
from market.ledger.verify import verify
from market.timeutil import to_hub_time, utcnow
from tests import factories


def journal(db, household, producer, count=4):
    for n in range(count):
        builders.post_order_placed(
            household.id, f"o-{n}", [(producer.id, 1000 + n, 550)], 1000, f"order-{n}"
        )
    db.session.commit()


def run_verify(app):
    return app.test_cli_runner().invoke(args=["ledger", "verify"])


@pytest.mark.postgres_only
def test_a_posting_committed_while_verify_reads_is_not_taken_for_a_fault(
    app, db, household, monkeypatch
):
    household_id = household.id
    builders.post_credit_topup(household_id, 100, "cash", "", "before")
    db.session.commit()
    read_chain = verify_module.verify_chain

    def chain_then_a_posting_elsewhere(verdict):
        read_chain(verdict)

        def post():
            with app.app_context():
                builders.post_credit_topup(household_id, 200, "cash", "", "meanwhile")
                _db.session.commit()

        posting = threading.Thread(target=post)
        posting.start()
        posting.join()

    monkeypatch.setattr(verify_module, "verify_chain", chain_then_a_posting_elsewhere)
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "1 transactions" in result.output  # as of the moment verify began
    monkeypatch.undo()
    db.session.rollback()
    assert verify().count == 2


def test_verify_passes_printing_count_and_head_hash(app, db, household, producer):
    journal(db, household, producer)
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    head = verify().head_hash
    assert "4 transactions" in result.output
    assert head in result.output


def move_within_seq_3(tamper, amount: str) -> None:
    """Move `amount` from the commission to the debited account of seq 3: still balanced."""
    tamper.run(
        "UPDATE ledger_entries SET amount = amount + CAST(:amount AS NUMERIC)"
        " WHERE transaction_id = (SELECT id FROM ledger_transactions WHERE seq = 3)"
        " AND amount > 0",
        "UPDATE ledger_entries SET amount = amount - CAST(:amount AS NUMERIC)"
        " WHERE transaction_id = (SELECT id FROM ledger_transactions WHERE seq = 3)"
        " AND account_id = (SELECT id FROM ledger_accounts WHERE key = 'hub:commission')",
        amount=amount,
    )


def test_verify_passes_on_an_empty_ledger(app, db):
    result = run_verify(app)
    assert result.exit_code == 0
    assert "0 transactions" in result.output


def test_altered_amount_is_caught(app, db, household, producer, tamper):
    journal(db, household, producer)
    move_within_seq_3(tamper, "100")
    result = run_verify(app)
    assert result.exit_code == 1
    assert "seq 3" in result.output
    assert "hash does not match" in result.output


def test_fractional_amounts_are_caught(app, db, household, producer, tamper):
    """SQLite keeps a fraction written into an integer column; these still sum to zero."""
    journal(db, household, producer)
    move_within_seq_3(tamper, "0.5")
    result = run_verify(app)
    assert result.exit_code == 1
    assert "seq 3: its hash does not match" in result.output


def test_unbalanced_amount_is_caught(app, db, household, producer, tamper):
    journal(db, household, producer)
    tamper.run(
        "UPDATE ledger_entries SET amount = 1 WHERE transaction_id = "
        "(SELECT id FROM ledger_transactions WHERE seq = 2) AND amount > 0"
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert "seq 2: its entries do not sum to zero" in result.output


def test_altered_account_is_caught(app, db, household, producer, tamper):
    journal(db, household, producer)
    other = factories.ProducerFactory()
    builders.post_payout(other.id, 100, "VIR", "payout")  # creates the other's account
    db.session.commit()
    tamper.run(
        "UPDATE ledger_entries SET account_id = (SELECT id FROM ledger_accounts "
        "WHERE key = :other) WHERE transaction_id = (SELECT id FROM ledger_transactions "
        "WHERE seq = 2) AND account_id = (SELECT id FROM ledger_accounts "
        "WHERE key = :victim)",
        other=f"producer:{other.id}",
        victim=f"producer:{producer.id}",
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert "seq 2: its hash does not match" in result.output


def test_altered_date_is_caught(app, db, household, producer, tamper):
    journal(db, household, producer)
    tamper.run(
        "UPDATE ledger_transactions SET occurred_at = :moment WHERE seq = 4",
        moment=(utcnow() - timedelta(days=40)).replace(tzinfo=None)
        if db.engine.dialect.name == "sqlite"
        else utcnow() - timedelta(days=40),
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert "seq 4: its hash does not match" in result.output


def test_deleted_entry_is_caught(app, db, household, producer, tamper):
    journal(db, household, producer)
    tamper.run(
        "DELETE FROM ledger_entries WHERE position = 0 AND transaction_id = "
        "(SELECT id FROM ledger_transactions WHERE seq = 1)"
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert "seq 1" in result.output


def test_deleted_transaction_is_caught(app, db, household, producer, tamper):
    journal(db, household, producer)
    tamper.run(
        "DELETE FROM ledger_entries WHERE transaction_id = "
        "(SELECT id FROM ledger_transactions WHERE seq = 2)",
        "DELETE FROM ledger_transactions WHERE seq = 2",
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert "transaction seq 2 is missing" in result.output


def test_deleted_last_transaction_is_caught_by_the_head(app, db, household, producer, tamper):
    journal(db, household, producer)
    tamper.run(
        "DELETE FROM ledger_entries WHERE transaction_id = "
        "(SELECT id FROM ledger_transactions WHERE seq = 4)",
        "DELETE FROM ledger_transactions WHERE seq = 4",
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert "chain head" in result.output


def test_rewritten_chain_is_caught_by_the_next_link(app, db, household, producer, tamper):
    journal(db, household, producer)
    tamper.run("UPDATE ledger_transactions SET hash = :forged WHERE seq = 2", forged="f" * 64)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "seq 2" in result.output


def test_altered_closure_is_caught(app, db, household, tamper):
    yesterday = utcnow() - timedelta(days=3)
    post(
        "credit.topup",
        [("cash:till", 500), (f"household:{household.id}", -500)],
        idempotency_key="old",
        occurred_at=yesterday,
        payment_method="cash",
    )
    factories.LedgerClosureFactory(day=to_hub_time(yesterday).date())
    db.session.commit()
    assert run_verify(app).exit_code == 0
    tamper.run("UPDATE ledger_closures SET total = total + 1")
    result = run_verify(app)
    assert result.exit_code == 1
    assert "closure 1" in result.output


def test_entries_take_their_positions_in_code_point_order(db):
    """ "household:10" sorts before "household:9", "cash" before "hub"; equal keys and amounts
    by VAT rate, none first: the order the canonical text writes them in."""
    ten, nine = factories.HouseholdFactory(id=10), factories.HouseholdFactory(id=9)
    entries = [
        (f"household:{nine.id}", 100, None),
        (f"household:{ten.id}", 100, None),
        ("hub:vat", 7, 550),
        ("hub:vat", 7, None),
        ("hub:vat", 7, 2000),
        ("cash:till", -221, None),
    ]
    transaction = post("adjustment", entries, idempotency_key="awkward")
    db.session.commit()
    written = [(entry.position, entry.account.key, entry.vat_rate) for entry in transaction.entries]
    assert written == [
        (0, "cash:till", None),
        (1, "household:10", None),
        (2, "household:9", None),
        (3, "hub:vat", None),
        (4, "hub:vat", 550),
        (5, "hub:vat", 2000),
    ]
    verdict = verify()
    assert verdict.ok, verdict.problem


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(verify_module, "BATCH", 3)


def test_batches_chain_into_each_other(app, db, household, producer, small_batches):
    journal(db, household, producer, count=8)
    verdict = verify()
    assert verdict.ok, verdict.problem
    assert (verdict.count, verdict.head_hash) == (8, db.session.get(LedgerChainHead, 1).hash)


def test_a_record_in_a_later_batch_is_named(app, db, household, producer, tamper, small_batches):
    journal(db, household, producer, count=8)
    tamper.run(
        "UPDATE ledger_entries SET vat_rate = 2000 WHERE transaction_id = (SELECT id "
        "FROM ledger_transactions WHERE seq = 7) AND position = (SELECT MIN(position) "
        "FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id "
        "WHERE t.seq = 7 AND e.vat_rate IS NOT NULL)"
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert "seq 7: its hash does not match" in result.output


def test_the_first_bad_record_is_named_though_later_batches_were_read(
    app, db, household, producer, tamper, small_batches
):
    journal(db, household, producer, count=8)
    tamper.run("UPDATE ledger_transactions SET memo = 'changed' WHERE seq IN (2, 7)")
    verdict = verify()
    assert verdict.problem == "transaction seq 2: its hash does not match its content"
    assert verdict.count == 0


@pytest.mark.postgres_only
def test_transaction_ids_need_not_follow_seq(app, db, household, producer, small_batches):
    """Entries are read by a range of transaction ids, which holds whatever order ids take."""
    restart = "SELECT setval(pg_get_serial_sequence('ledger_transactions', 'id'), :id)"
    for n, start in enumerate((1000, 500, 2000, 10)):
        db.session.execute(text(restart), {"id": start})
        builders.post_order_placed(
            household.id, f"o-{n}", [(producer.id, 1000 + n, 550)], 1000, f"order-{n}"
        )
        builders.post_payment_received(household.id, 1000 + n, "cash", f"o-{n}", f"pay-{n}")
    db.session.commit()
    ids = (
        db.session.execute(select(LedgerTransaction.id).order_by(LedgerTransaction.seq))
        .scalars()
        .all()
    )
    assert ids != sorted(ids)
    verdict = verify()
    assert verdict.ok, verdict.problem
    assert verdict.count == 8


def test_verify_leaves_the_interpreter_as_it_found_it(app, db, household, producer):
    """It pauses the garbage collector and shortens the thread switch interval meanwhile."""
    journal(db, household, producer)
    interval = sys.getswitchinterval()
    assert verify().ok
    assert gc.isenabled()
    assert sys.getswitchinterval() == interval
    gc.disable()
    try:
        assert verify().ok
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_household_s_account_opens_with_the_household_and_verifies_unused(app, db):
    from market.ledger.accounts import account_by_key

    household = factories.HouseholdFactory()
    db.session.commit()
    account = account_by_key(f"household:{household.id}")
    assert (account.kind, account.number, account.household_id) == (
        "household",
        "411",
        household.id,
    )
    verdict = verify()
    assert verdict.ok, verdict.problem


def test_an_unused_account_other_than_a_household_s_is_caught(app, db, producer):
    key = f"producer:{producer.id}"
    db.session.execute(
        text(
            "INSERT INTO ledger_accounts (key, kind, number, auxiliary, producer_id)"
            " VALUES (:key, 'producer', '467', :auxiliary, :producer_id)"
        ),
        {"key": key, "auxiliary": f"P{producer.id:05d}", "producer_id": producer.id},
    )
    db.session.commit()
    verdict = verify()
    assert not verdict.ok
    assert verdict.problem.startswith(f"account {key}: it has no entry")
