"""Closures signed with the hub's key, kept outside the database: truncation and a rewrite
without the key are caught; receipts kept by participants are checked."""

import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from market.ledger import builders
from market.ledger.accounts import identity
from market.ledger.canonical import canonical_time, digest, transaction_hash
from market.ledger.closures import close_period, closure_document, ledger_hash_before, period_totals
from market.ledger.models import GENESIS_HASH, LedgerChainHead, LedgerClosure, LedgerTransaction
from market.ledger.posting import post
from market.ledger.signing import (
    SigningKeyMissing,
    load_private_key,
    new_private_key_pem,
    public_hex,
)
from market.ledger.verify import verify
from market.timeutil import to_hub_time, utcnow
from tests.ledger.conftest import triggers_set_aside


def days_ago(days: int):
    return utcnow() - timedelta(days=days)


def history(db, household) -> None:
    """Two closed days of top-ups, then two top-ups today."""
    h = f"household:{household.id}"
    for days in (3, 2):
        for n in range(2):
            post(
                "credit.topup",
                [("cash:till", 1000 + n), (h, -1000 - n)],
                payment_method="cash",
                idempotency_key=f"d{days}-{n}",
                occurred_at=days_ago(days) + timedelta(seconds=n),
            )
        close_period("day", to_hub_time(days_ago(days)).date())
    builders.post_credit_topup(household.id, 700, "cheque", "", "today-1")
    builders.post_credit_topup(household.id, 800, "cheque", "", "today-2")
    db.session.commit()


def test_closures_are_signed_and_the_key_is_published(app, db, client, household):
    history(db, household)
    closures = db.session.scalars(select(LedgerClosure).order_by(LedgerClosure.seq)).all()
    assert [len(closure.signature) for closure in closures] == [128, 128]
    published = client.get("/ledger/key").json
    key = load_private_key(app.config["LEDGER_SIGNING_KEY"].encode()).public_key()
    assert published["algorithm"] == "Ed25519"
    assert published["public_keys"] == [public_hex(key)]
    verdict = verify()
    assert verdict.ok, verdict.problem
    assert verdict.closures == 2
    head = db.session.get(LedgerChainHead, 1)
    assert (head.closure_seq, head.closure_hash) == (2, closures[1].hash)
    assert client.get("/ledger/head").json["closure"] == {"seq": 2, "hash": closures[1].hash}


def test_closing_without_a_key_is_refused_and_writes_nothing(app, db, household):
    builders.post_credit_topup(household.id, 100, "cash", "", "old")
    db.session.commit()
    app.config["LEDGER_SIGNING_KEY"] = None
    result = app.test_cli_runner().invoke(
        args=[
            "ledger",
            "close",
            "--period",
            "day",
            "--date",
            to_hub_time(days_ago(2)).date().isoformat(),
        ]
    )
    assert result.exit_code == 1
    assert "ledger keygen" in result.output
    assert db.session.scalar(select(LedgerClosure.seq)) is None
    with pytest.raises(SigningKeyMissing):
        close_period("day", to_hub_time(days_ago(2)).date())


def test_a_closure_signed_with_another_key_is_caught(app, db, household, tamper):
    history(db, household)
    forger = load_private_key(new_private_key_pem())
    closure = db.session.get(LedgerClosure, 1)
    tamper.run(
        "UPDATE ledger_closures SET signature = :signature WHERE seq = 1",
        signature=forger.sign(bytes.fromhex(closure.hash)).hex(),
    )
    verdict = verify()
    assert verdict.problem == f"closure 1 (day {closure.label}): its signature is not the hub's"


def test_an_auditor_verifies_with_the_public_key_alone(app, db, household):
    history(db, household)
    public = public_hex(load_private_key(app.config["LEDGER_SIGNING_KEY"].encode()).public_key())
    app.config.update(LEDGER_SIGNING_KEY=None, LEDGER_PUBLIC_KEYS=public)
    assert verify().ok
    app.config["LEDGER_PUBLIC_KEYS"] = None
    assert verify().problem.endswith("no public key of the hub is configured")


def test_a_retired_key_still_vouches_for_its_closures(app, db, household):
    history(db, household)
    old = load_private_key(app.config["LEDGER_SIGNING_KEY"].encode()).public_key()
    app.config.update(
        LEDGER_SIGNING_KEY=new_private_key_pem().decode(), LEDGER_PUBLIC_KEYS=public_hex(old)
    )
    close_period("day", to_hub_time(days_ago(1)).date())
    db.session.commit()
    verdict = verify()
    assert verdict.ok, verdict.problem
    assert verdict.closures == 3


def raw(db, *statements) -> None:
    """Write behind the triggers' back, then read afresh."""
    db.session.rollback()
    with db.engine.begin() as connection, triggers_set_aside(connection):
        for statement, parameters in statements:
            connection.execute(text(statement), parameters)
    db.session.expire_all()


def rechained(db) -> list[tuple[str, dict]]:
    """Every transaction's previous hash and hash computed again, and the head's."""
    updates, prev = [], GENESIS_HASH
    for transaction in db.session.scalars(
        select(LedgerTransaction).order_by(LedgerTransaction.seq)
    ):
        prev_hash = prev
        prev = transaction_hash(
            format=transaction.format,
            kind=transaction.kind,
            idempotency_key=transaction.idempotency_key,
            payload_hash=transaction.payload_hash,
            reference=transaction.reference,
            memo=transaction.memo,
            payment_method=transaction.payment_method,
            reverses=None,
            order_id=transaction.order_id,
            seq=transaction.seq,
            prev_hash=prev_hash,
            occurred_at=canonical_time(transaction.occurred_at),
            entries=[
                (entry.account.key, entry.amount, entry.vat_rate, identity(entry.account.key))
                for entry in transaction.entries
            ],
        )
        updates.append(
            (
                "UPDATE ledger_transactions SET prev_hash = :p, hash = :h WHERE id = :id",
                {"p": prev_hash, "h": prev, "id": transaction.id},
            )
        )
    return [*updates, ("UPDATE ledger_chain_head SET hash = :h", {"h": prev})]


def reclosed(db) -> list[tuple[str, dict]]:
    """Every closure's totals, seal and hash computed again (its signature cannot be)."""
    updates, prev, grand = [], GENESIS_HASH, 0
    for closure in db.session.scalars(select(LedgerClosure).order_by(LedgerClosure.seq)).all():
        totals = period_totals(closure.starts_at, closure.ends_at)
        grand += totals["total"]
        document = {
            **closure_document(closure),
            "total": totals["total"],
            "grand_total": grand,
            "prev_hash": prev,
            "ledger_hash": ledger_hash_before(closure.ends_at),
        }
        prev = digest(document)
        updates.append(
            (
                "UPDATE ledger_closures SET total = :t, grand_total = :g,"
                " ledger_hash = :l, prev_hash = :p, hash = :h WHERE seq = :s",
                {
                    "t": document["total"],
                    "g": grand,
                    "l": document["ledger_hash"],
                    "p": document["prev_hash"],
                    "h": prev,
                    "s": closure.seq,
                },
            )
        )
    return [*updates, ("UPDATE ledger_chain_head SET closure_hash = :h", {"h": prev})]


def rewrite_everything_but_the_signatures(db, seq: int, amount: int) -> None:
    """A tamperer with full access to the database but not the key: move an amount within
    transaction `seq`, then recompute every hash after it, every closure and the head, so
    that all of it is consistent again — but for the signatures."""
    moved = (
        "UPDATE ledger_entries SET amount = amount + :delta WHERE position = :position"
        " AND transaction_id = (SELECT id FROM ledger_transactions WHERE seq = :seq)"
    )
    raw(
        db,
        (moved, {"delta": amount, "position": 0, "seq": seq}),
        (moved, {"delta": -amount, "position": 1, "seq": seq}),
    )
    raw(db, *rechained(db))
    raw(db, *reclosed(db))


def test_a_full_rewrite_without_the_key_is_caught(app, db, household):
    history(db, household)
    rewrite_everything_but_the_signatures(db, seq=1, amount=500)
    verdict = verify()
    assert verdict.problem is not None
    assert verdict.problem.startswith("closure 1 ")
    assert verdict.problem.endswith("its signature is not the hub's")


def run_verify(app, *options):
    return app.test_cli_runner().invoke(args=["ledger", "verify", *options])


def test_a_receipt_is_held_until_the_tail_is_truncated(app, db, household, tamper):
    history(db, household)
    last = db.session.scalar(
        select(LedgerTransaction).order_by(LedgerTransaction.seq.desc()).limit(1)
    )
    receipt = f"{last.seq}:{last.hash[:16]}"
    held = run_verify(app, "--receipt", receipt)
    assert held.exit_code == 0, held.output
    assert f"receipt {receipt} held" in held.output
    # After the last closure only a receipt can tell: delete the last posting, move the head.
    tamper.run(
        "DELETE FROM ledger_entries WHERE transaction_id = :id",
        "DELETE FROM ledger_transactions WHERE id = :id",
        "UPDATE ledger_chain_head SET seq = seq - 1, hash = (SELECT hash FROM"
        " ledger_transactions WHERE seq = :previous), occurred_at = (SELECT occurred_at"
        " FROM ledger_transactions WHERE seq = :previous)",
        id=last.id,
        previous=last.seq - 1,
    )
    assert run_verify(app).exit_code == 0  # the shorter journal is consistent in itself
    caught = run_verify(app, "--receipt", receipt)
    assert caught.exit_code == 1
    assert f"receipt {receipt} NOT held" in caught.output


def test_receipts_are_read_as_written(app, db, household):
    history(db, household)
    assert run_verify(app, "--receipt", "seq-4").exit_code == 2
    assert run_verify(app, "--receipt", "4:abc").exit_code == 2  # too short to mean anything
    assert run_verify(app, "--receipt", f"4:{'0' * 16}").exit_code == 1


def test_the_public_page_checks_a_receipt(app, db, client, household, tamper):
    history(db, household)
    third = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.seq == 3))
    page = client.get(f"/ledger/receipt?seq=3&hash={third.hash[:16].upper()}")
    assert page.status_code == 200
    assert "Oui" in page.text
    assert "Non" in client.get(f"/ledger/receipt?seq=3&hash={'a' * 16}").text
    tamper.run("UPDATE ledger_transactions SET memo = 'changed' WHERE seq = 3")
    altered = client.get(f"/ledger/receipt?seq=3&hash={third.hash}")
    assert "Attention" in altered.text
    bad = client.get("/ledger/receipt?seq=trois&hash=xyz")
    assert bad.status_code == 400
    assert "Saisissez le numéro" in bad.text
    assert client.get("/ledger/receipt").status_code == 200  # the empty form


def test_keygen_writes_a_private_key_once(app, db, tmp_path, household):
    target = tmp_path / "ledger-key.pem"
    runner = app.test_cli_runner()
    made = runner.invoke(args=["ledger", "keygen", "--out", str(target)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    key = load_private_key(target.read_bytes())
    assert public_hex(key.public_key()) in made.output
    again = runner.invoke(args=["ledger", "keygen", "--out", str(target)])
    assert again.exit_code == 1
    assert "never overwritten" in again.output
    assert load_private_key(target.read_bytes()).private_bytes_raw() == key.private_bytes_raw()
    app.config.update(LEDGER_SIGNING_KEY=None, LEDGER_SIGNING_KEY_FILE=str(target))
    kept = runner.invoke(args=["ledger", "keygen", "--if-missing"])
    assert kept.exit_code == 0 and "already configured" in kept.output
    builders.post_credit_topup(household.id, 100, "cash", "", "old")
    db.session.commit()
    closed = runner.invoke(
        args=[
            "ledger",
            "close",
            "--period",
            "day",
            "--date",
            to_hub_time(days_ago(1)).date().isoformat(),
        ]
    )
    assert closed.exit_code == 0, closed.output
    assert run_verify(app).exit_code == 0
    app.config.update(LEDGER_SIGNING_KEY_FILE=None)
    missing = runner.invoke(args=["ledger", "keygen"])
    assert missing.exit_code == 1
    assert "--out" in missing.output


def test_a_key_that_is_not_one_is_named_not_a_crash(app, db, household):
    history(db, household)
    app.config["LEDGER_PUBLIC_KEYS"] = "not-hex"
    assert verify().problem == (
        "the hub's keys cannot be read from the configuration: "
        "MARKET_LEDGER_PUBLIC_KEYS: 'not-hex' is not an Ed25519 public "
        "key in hex"
    )
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "Traceback" not in result.output
