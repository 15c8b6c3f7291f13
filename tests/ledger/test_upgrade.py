"""A journal written before revision 0012 (canonical format 1) still verifies once the
database is upgraded, and what is posted afterwards (format 2) chains onto it."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from market.ledger import builders
from market.ledger.canonical import canonical_time, digest, payload_document, transaction_hash
from market.ledger.models import GENESIS_HASH, LedgerEntry
from market.ledger.verify import verify
from market.timeutil import utcnow
from tests import factories

# The household's account opened with the household, before the downgrade: it is kept.
ACCOUNT = (
    "INSERT INTO ledger_accounts (key, kind, number, auxiliary, label, household_id,"
    " producer_id, created_at) VALUES (:key, :kind, :number, :auxiliary, :key,"
    " :household_id, NULL, :now) ON CONFLICT (key) DO NOTHING"
)
TRANSACTION = (
    "INSERT INTO ledger_transactions (seq, occurred_at, kind, idempotency_key,"
    " payload_hash, reference, memo, payment_method, prev_hash, hash) VALUES"
    " (:seq, :now, 'credit.topup', :key, :payload, '', '', 'cash', :prev, :hash)"
)
ENTRY = (
    "INSERT INTO ledger_entries (transaction_id, account_id, amount) SELECT t.id, a.id,"
    " :amount FROM ledger_transactions t, ledger_accounts a"
    " WHERE t.seq = :seq AND a.key = :account"
)
HEAD = "UPDATE ledger_chain_head SET seq = :seq, hash = :hash, occurred_at = :now WHERE id = 1"
# The tests empty every table between them: the head's row may have to be written again.
SEED_HEAD = (
    "INSERT INTO ledger_chain_head (id, seq, hash) SELECT 1, 0, :genesis"
    " WHERE NOT EXISTS (SELECT 1 FROM ledger_chain_head)"
)


def write_format_1_topup(connection, household_id: int, seq: int, prev: str) -> str:
    """A cash top-up as revision 0011's code wrote it: entries hashed by key, amount, rate."""
    now = utcnow()
    stored_now = now if connection.dialect.name == "postgresql" else now.replace(tzinfo=None)
    key = f"household:{household_id}"
    entries = sorted([("cash:till", 500, None), (key, -500, None)])
    content = {
        "format": 1,
        "kind": "credit.topup",
        "idempotency_key": f"old-{seq}",
        "reference": "",
        "memo": "",
        "payment_method": "cash",
        "reverses": None,
        "order_id": None,
        "entries": [(*entry, None) for entry in entries],
    }
    content["payload_hash"] = digest(
        payload_document("credit.topup", entries, "", "", "cash", None)
    )
    hash_ = transaction_hash(**content, seq=seq, prev_hash=prev, occurred_at=canonical_time(now))
    connection.execute(
        text(TRANSACTION),
        {
            "seq": seq,
            "now": stored_now,
            "prev": prev,
            "hash": hash_,
            "key": content["idempotency_key"],
            "payload": content["payload_hash"],
        },
    )
    for account, amount, _ in entries:
        connection.execute(text(ENTRY), {"seq": seq, "amount": amount, "account": account})
    connection.execute(text(HEAD), {"seq": seq, "hash": hash_, "now": stored_now})
    return hash_


def test_a_format_1_journal_verifies_after_the_upgrade_and_takes_new_postings(app, db):
    household_id = factories.HouseholdFactory().id
    db.session.commit()
    downgrade(revision="0011")  # the household's row lacks later columns until the upgrade
    try:  # whatever happens, the database goes back to the head for the tests that follow
        with db.engine.begin() as connection:
            connection.execute(text(SEED_HEAD), {"genesis": GENESIS_HASH})
            for key, kind, number, auxiliary, owner in (
                ("cash:till", "cash", "530", None, None),
                (
                    f"household:{household_id}",
                    "household",
                    "411",
                    f"H{household_id:05d}",
                    household_id,
                ),
            ):
                connection.execute(
                    text(ACCOUNT),
                    {
                        "key": key,
                        "kind": kind,
                        "number": number,
                        "auxiliary": auxiliary,
                        "household_id": owner,
                        "now": utcnow().replace(tzinfo=None),
                    },
                )
            first = write_format_1_topup(connection, household_id, 1, GENESIS_HASH)
            write_format_1_topup(connection, household_id, 2, first)
    finally:
        upgrade()
    verdict = verify()
    assert verdict.ok, verdict.problem
    assert verdict.count == 2
    positions = (
        db.session.execute(
            select(LedgerEntry.position).order_by(LedgerEntry.transaction_id, LedgerEntry.position)
        )
        .scalars()
        .all()
    )
    assert positions == [0, 1, 0, 1]
    builders.post_credit_topup(household_id, 700, "cheque", "", "after the upgrade")
    db.session.commit()
    verdict = verify()
    assert verdict.ok, verdict.problem
    assert verdict.count == 3
    assert verdict.balances[f"household:{household_id}"] == -1700
