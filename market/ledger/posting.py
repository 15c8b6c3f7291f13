"""The one posting function every money movement passes through.

`post()` runs inside the caller's database transaction (it writes, never commits), so a
business change and its postings commit together or not at all. It serialises on the chain
head: `SELECT ... FOR UPDATE` on the single-row `ledger_chain_head` on PostgreSQL; on SQLite
a no-op UPDATE of that row takes the database write lock first. The lock lasts until the
caller commits, so everything that can be done before it is: checking the entries, hashing
the payload, finding or creating the accounts. Holding the head, it reads the end of the
closed periods and any transaction already recorded under the key, then inserts the
transaction and its entries and advances the head, which the database only allows when the
new transaction's entries sum to zero.
"""

from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from market.extensions import db
from market.ledger.accounts import account_ids
from market.ledger.canonical import (
    canonical_time,
    digest,
    payload_document,
    transaction_hash,
)
from market.ledger.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    LedgerError,
    PeriodClosed,
    UnbalancedTransaction,
)
from market.ledger.models import (
    GENESIS_HASH,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
)
from market.timeutil import utcnow


def normalise(entries) -> list[tuple[str, int, int | None]]:
    """Merge entries on the same account and VAT rate, drop zeros, check types and balance."""
    merged: dict[tuple[str, int | None], int] = defaultdict(int)
    for entry in entries:
        key, amount, vat_rate = (*entry, None) if len(entry) == 2 else entry
        if type(amount) is not int or (vat_rate is not None and type(vat_rate) is not int):
            raise TypeError("ledger amounts and VAT rates are integers")
        merged[(key, vat_rate)] += amount
    result = [(key, amount, rate) for (key, rate), amount in merged.items() if amount != 0]
    total = sum(amount for _, amount, _ in result)
    if total != 0:
        raise UnbalancedTransaction(total)
    if len(result) < 2:
        raise LedgerError(_l("A transaction moves money between at least two accounts."))
    return result


def transaction_by_key(key: str) -> LedgerTransaction | None:
    return db.session.execute(select(LedgerTransaction).where(
        LedgerTransaction.idempotency_key == key)).scalar_one_or_none()


def replayed(key: str, payload_hash: str) -> LedgerTransaction:
    existing = transaction_by_key(key)
    if existing.payload_hash != payload_hash:
        raise IdempotencyConflict(key)
    return existing


def lock_head():
    """Take the chain head for the rest of the database transaction; its seq, hash and time."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        # SELECT takes no write lock in SQLite; this write does, until commit.
        db.session.execute(update(LedgerChainHead).where(LedgerChainHead.id == 1)
                           .values(seq=LedgerChainHead.seq))
    query = select(LedgerChainHead.seq, LedgerChainHead.hash, LedgerChainHead.occurred_at) \
        .where(LedgerChainHead.id == 1).with_for_update()
    row = db.session.execute(query).one_or_none()
    if row is None:  # an emptied database: recreate the head at the genesis
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.session.execute(insert(LedgerChainHead).values(id=1, seq=0, hash=GENESIS_HASH)
                           .on_conflict_do_nothing())
        row = db.session.execute(query).one()
    return row


def state_under_lock(idempotency_key: str):
    """The end of the closed periods and any transaction recorded under this key.

    A statement of its own, after the lock: on PostgreSQL a statement that waited for the
    lock still reads with the snapshot it started with, which may predate the writer it
    waited for; the next statement sees that writer's commit.
    """
    closed_until = select(func.max(LedgerClosure.ends_at)).scalar_subquery()
    existing = select(LedgerTransaction.id).where(
        LedgerTransaction.idempotency_key == idempotency_key).scalar_subquery()
    return db.session.execute(select(closed_until.label("closed_until"),
                                     existing.label("existing_id"))).one()


def posting_time(requested: datetime | None, head_time: datetime | None) -> datetime:
    """Times never go back along the chain, so a period is a range of seq."""
    if requested is None:
        moment = utcnow()
        return max(moment, head_time) if head_time else moment
    if head_time is not None and requested < head_time:
        raise LedgerError(_l("A transaction cannot be dated before the last one recorded."))
    return requested


def check_reversible(reverses: LedgerTransaction) -> None:
    if db.session.execute(select(LedgerTransaction.id).where(
            LedgerTransaction.reverses_id == reverses.id)).first() is not None:
        raise AlreadyReversed(reverses.seq)


def post(kind: str, entries, *, idempotency_key: str, reference: str = "", memo: str = "",
         payment_method: str | None = None, reverses: LedgerTransaction | None = None,
         occurred_at: datetime | None = None) -> LedgerTransaction:
    """Record a balanced transaction, or return the one this key already recorded."""
    if not idempotency_key or len(idempotency_key) > 200:
        raise LedgerError(_l("Every posting needs an idempotency key of at most 200 "
                             "characters."))
    lines = normalise(entries)
    reverses_seq = reverses.seq if reverses is not None else None
    payload_hash = digest(payload_document(kind, lines, reference, memo, payment_method,
                                           reverses_seq))
    ids = account_ids(key for key, _, _ in lines)
    head = lock_head()
    state = state_under_lock(idempotency_key)
    if state.existing_id is not None:
        return replayed(idempotency_key, payload_hash)
    if state.closed_until is not None and (occurred_at or utcnow()) < state.closed_until:
        raise PeriodClosed()
    moment = posting_time(occurred_at, head.occurred_at)
    if reverses is not None:
        check_reversible(reverses)
    seq = head.seq + 1
    values = {
        "seq": seq, "occurred_at": moment, "kind": kind, "idempotency_key": idempotency_key,
        "payload_hash": payload_hash, "reference": reference, "memo": memo,
        "payment_method": payment_method, "prev_hash": head.hash,
    }
    values["hash"] = transaction_hash(**{**values, "occurred_at": canonical_time(moment)},
                                      reverses=reverses_seq, entries=lines)
    values["reverses_id"] = reverses.id if reverses is not None else None
    connection = db.session.connection()
    transaction_id = connection.execute(LedgerTransaction.__table__.insert().values(values)
                                        .returning(LedgerTransaction.__table__.c.id)).scalar()
    connection.execute(LedgerEntry.__table__.insert(), [
        {"transaction_id": transaction_id, "account_id": ids[key], "amount": amount,
         "vat_rate": rate} for key, amount, rate in lines])
    connection.execute(LedgerChainHead.__table__.update().where(
        LedgerChainHead.__table__.c.id == 1).values(seq=seq, hash=values["hash"],
                                                    occurred_at=moment))
    # The written row as a session object, without reading it back; entries load on use.
    transaction = LedgerTransaction(id=transaction_id, **values)
    make_transient_to_detached(transaction)
    return db.session.merge(transaction, load=False)


def reverse(original: LedgerTransaction, *, reason: str, idempotency_key: str,
            occurred_at: datetime | None = None) -> LedgerTransaction:
    """Post the mirror of a transaction, naming it; a transaction is reversed once."""
    if original.kind == "reversal":
        raise LedgerError(_l("A reversal cannot itself be reversed; post a new transaction."))
    if not reason or not reason.strip():
        raise LedgerError(_l("Give the reason for the reversal."))
    mirror = [(entry.account.key, -entry.amount, entry.vat_rate) for entry in original.entries]
    return post("reversal", mirror, idempotency_key=idempotency_key,
                reference=f"seq {original.seq}", memo=reason.strip(),
                payment_method=original.payment_method, reverses=original,
                occurred_at=occurred_at)
