"""The one posting function every money movement passes through.

`post()` runs inside the caller's database transaction (it writes, never commits), so a
business change and its postings commit together or not at all. Everything that can be done
without the chain is done first: checking the entries, hashing the payload, writing the
canonical text but for the time, the previous hash and the seq. A key already recorded, a
closed period, a date before the head and a second reversal are refused here; the database
allows the head to advance only onto a transaction whose entries sum to zero.

PostgreSQL chains at commit (migrations 0010 and 0011): `post()` is one call of the
ledger_append function, which writes the transaction and its entries unchained; when the
caller commits, a deferred trigger takes the chain head, gives the transaction its seq, time
and hash, and advances the head. The head is held for that and the flush only, so writers
queue for the least time; until the commit, the returned transaction has no seq or hash yet.
SQLite has no stored functions and one writer at a time: there `post()` takes the head (a
no-op UPDATE takes the database write lock) and chains the transaction at once.
"""

from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import make_transient_to_detached

from market.extensions import db
from market.ledger.accounts import account_ids, identity, open_accounts
from market.ledger.canonical import (
    canonical_time,
    digest,
    entry_order,
    payload_document,
    text_around_chain,
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
    CANONICAL_FORMAT,
    GENESIS_HASH,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
)
from market.ledger.signals import transaction_posted
from market.timeutil import utcnow
from market.upsert import upsert_into


def normalise(entries) -> list[tuple[str, int, int | None]]:
    """Merge entries on the same account and VAT rate, drop zeros, check types and balance;
    in entry_order, the order of their positions."""
    merged: dict[tuple[str, int | None], int] = defaultdict(int)
    for entry in entries:
        key, amount, vat_rate = (*entry, None) if len(entry) == 2 else entry
        if type(amount) is not int or (vat_rate is not None and type(vat_rate) is not int):
            raise TypeError("ledger amounts and VAT rates are integers")
        merged[(key, vat_rate)] += amount
    result = sorted(
        ((key, amount, rate) for (key, rate), amount in merged.items() if amount), key=entry_order
    )
    total = sum(amount for _, amount, _ in result)
    if total != 0:
        raise UnbalancedTransaction(total)
    if len(result) < 2:
        raise LedgerError(_l("A transaction moves money between at least two accounts."))
    return result


BEFORE_THE_HEAD = _l("A transaction cannot be dated before the last one recorded.")


def transaction_by_key(key: str) -> LedgerTransaction | None:
    return db.session.execute(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
    ).scalar_one_or_none()


def replayed(key: str, payload_hash: str) -> LedgerTransaction:
    existing = db.session.execute(
        select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
    ).scalar_one()
    if existing.payload_hash != payload_hash:
        raise IdempotencyConflict(key)
    return existing


def lock_head():
    """Take the chain head for the rest of the database transaction; its seq, hash and time."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        # SELECT takes no write lock in SQLite; this write does, until commit.
        db.session.execute(
            update(LedgerChainHead).where(LedgerChainHead.id == 1).values(seq=LedgerChainHead.seq)
        )
    query = (
        select(LedgerChainHead.seq, LedgerChainHead.hash, LedgerChainHead.occurred_at)
        .where(LedgerChainHead.id == 1)
        .with_for_update()
    )
    row = db.session.execute(query).one_or_none()
    if row is None:  # an emptied database: recreate the head at the genesis
        db.session.execute(
            upsert_into(LedgerChainHead)
            .values(id=1, seq=0, hash=GENESIS_HASH)
            .on_conflict_do_nothing()
        )
        row = db.session.execute(query).one()
    return row


def state_under_lock(idempotency_key: str):
    """The end of the closed periods and any transaction recorded under this key, read once
    the head is locked (SQLite postings)."""
    closed_until = select(func.max(LedgerClosure.ends_at)).scalar_subquery()
    existing = (
        select(LedgerTransaction.id)
        .where(LedgerTransaction.idempotency_key == idempotency_key)
        .scalar_subquery()
    )
    return db.session.execute(
        select(closed_until.label("closed_until"), existing.label("existing_id"))
    ).one()


def posting_time(requested: datetime | None, head_time: datetime | None) -> datetime:
    """Times never go back along the chain, so a period is a range of seq."""
    if requested is None:
        moment = utcnow()
        return max(moment, head_time) if head_time else moment
    if head_time is not None and requested < head_time:
        raise LedgerError(BEFORE_THE_HEAD)
    return requested


def check_reversible(reverses: LedgerTransaction) -> None:
    if (
        db.session.execute(
            select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == reverses.id)
        ).first()
        is not None
    ):
        raise AlreadyReversed(reverses.seq)


def post(
    kind: str,
    entries,
    *,
    idempotency_key: str,
    reference: str = "",
    memo: str = "",
    payment_method: str | None = None,
    reverses: LedgerTransaction | None = None,
    occurred_at: datetime | None = None,
    order_id: int | None = None,
) -> LedgerTransaction:
    """Record a balanced transaction, or return the one this key already recorded.

    `order_id` names the order the money concerns, so that its money is found by its id."""
    if not idempotency_key or len(idempotency_key) > 200:
        raise LedgerError(_l("Every posting needs an idempotency key of at most 200 characters."))
    lines = normalise(entries)
    content = {
        "format": CANONICAL_FORMAT,
        "kind": kind,
        "idempotency_key": idempotency_key,
        "reference": reference,
        "memo": memo,
        "payment_method": payment_method,
        "reverses": reverses.seq if reverses is not None else None,
        "order_id": order_id,
        "entries": [(key, amount, rate, identity(key)) for key, amount, rate in lines],
    }
    payload_hash = digest(
        payload_document(
            kind, lines, reference, memo, payment_method, content["reverses"], order_id
        )
    )
    content["payload_hash"] = payload_hash
    append = (
        append_in_database
        if db.session.get_bind().dialect.name == "postgresql"
        else append_from_here
    )
    values = append(content, reverses, occurred_at)
    if values is None:
        return replayed(idempotency_key, payload_hash)
    # The written row as a session object, without reading it back; what is not given here
    # (its entries; on PostgreSQL its chain, made at commit) loads when used.
    transaction = LedgerTransaction(
        **values,
        format=CANONICAL_FORMAT,
        kind=kind,
        idempotency_key=idempotency_key,
        payload_hash=payload_hash,
        reference=reference,
        memo=memo,
        payment_method=payment_method,
        reverses_id=reverses.id if reverses else None,
        order_id=order_id,
    )
    make_transient_to_detached(transaction)
    recorded = db.session.merge(transaction, load=False)
    transaction_posted.send(recorded)
    return recorded


APPEND_SQL = (
    "SELECT * FROM ledger_append(%(keys)s, %(amounts)s::bigint[], %(rates)s::integer[],"
    " %(format)s, %(kind)s, %(idempotency_key)s, %(payload_hash)s, %(reference)s, %(memo)s,"
    " %(payment_method)s, %(reverses_id)s, %(order_id)s, %(requested)s, %(now)s,"
    " %(before_time)s, %(before_prev_hash)s, %(before_seq)s)"
)


def append_in_database(content: dict, reverses, occurred_at) -> dict | None:
    """PostgreSQL: one round trip through the ledger_append function, which writes the
    transaction unchained; it is chained when the caller commits (migration 0011).

    Returns the new row's id, or None when the key was already recorded."""
    keys = [key for key, _, _, _ in content["entries"]]
    before_time, before_prev_hash, before_seq = text_around_chain(**content)
    parameters = {
        **content,
        "keys": keys,
        "amounts": [amount for _, amount, _, _ in content["entries"]],
        "rates": [rate for _, _, rate, _ in content["entries"]],
        "reverses_id": reverses.id if reverses is not None else None,
        "requested": occurred_at,
        "now": utcnow(),
        "before_time": before_time,
        "before_prev_hash": before_prev_hash,
        "before_seq": before_seq,
    }
    connection = db.session.connection()
    row = connection.exec_driver_sql(APPEND_SQL, parameters).one()
    if row.outcome == "accounts missing":  # a first posting on an account opens it
        open_accounts(keys)
        row = connection.exec_driver_sql(APPEND_SQL, parameters).one()
    if row.outcome == "replayed":
        return None
    if row.outcome != "posted":
        raise refusal(row.outcome, reverses)
    return {"id": row.new_id}  # the rest is read when used: the chain is made at commit


def refusal(outcome: str, reverses) -> LedgerError:
    """The error a refusing outcome of ledger_append stands for."""
    if outcome == "period closed":
        return PeriodClosed()
    if outcome == "already reversed":
        return AlreadyReversed(reverses.seq)
    return LedgerError(BEFORE_THE_HEAD)


def append_from_here(content: dict, reverses, occurred_at) -> dict | None:
    """SQLite: the same steps as ledger_append, from Python, under the database write lock."""
    lines = content["entries"]
    ids = account_ids(key for key, _, _, _ in lines)
    head = lock_head()
    state = state_under_lock(content["idempotency_key"])
    if state.existing_id is not None:
        return None
    if state.closed_until is not None and (occurred_at or utcnow()) < state.closed_until:
        raise PeriodClosed()
    moment = posting_time(occurred_at, head.occurred_at)
    if reverses is not None:
        check_reversible(reverses)
    values = {"seq": head.seq + 1, "occurred_at": moment, "prev_hash": head.hash}
    values["hash"] = transaction_hash(
        **content, seq=values["seq"], prev_hash=head.hash, occurred_at=canonical_time(moment)
    )
    row = {key: value for key, value in content.items() if key not in ("entries", "reverses")}
    row["reverses_id"] = reverses.id if reverses is not None else None
    connection = db.session.connection()
    values["id"] = connection.execute(
        LedgerTransaction.__table__.insert()
        .values(**row, **values)
        .returning(LedgerTransaction.__table__.c.id)
    ).scalar()
    connection.execute(
        LedgerEntry.__table__.insert(),
        [
            {
                "transaction_id": values["id"],
                "position": position,
                "account_id": ids[key],
                "amount": amount,
                "vat_rate": rate,
            }
            for position, (key, amount, rate, _) in enumerate(lines)
        ],
    )
    connection.execute(
        LedgerChainHead.__table__.update()
        .where(LedgerChainHead.__table__.c.id == 1)
        .values(seq=values["seq"], hash=values["hash"], occurred_at=moment)
    )
    return values


def chain_now() -> None:
    """Chain this database transaction's postings now rather than at commit (PostgreSQL),
    for what needs their seq before: a closure, a reversal of one of them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(text("SET CONSTRAINTS ledger_transactions_chain IMMEDIATE"))
    db.session.execute(text("SET CONSTRAINTS ledger_transactions_chain DEFERRED"))
    for instance in db.session.identity_map.values():
        if isinstance(instance, LedgerTransaction):  # read the chain again on use
            db.session.expire(instance, ["seq", "occurred_at", "prev_hash", "hash"])


def reverse(
    original: LedgerTransaction,
    *,
    reason: str,
    idempotency_key: str,
    occurred_at: datetime | None = None,
) -> LedgerTransaction:
    """Post the mirror of a transaction, naming it; a transaction is reversed once."""
    if original.is_reversal:
        raise LedgerError(_l("A reversal cannot itself be reversed; post a new transaction."))
    if not reason or not reason.strip():
        raise LedgerError(_l("Give the reason for the reversal."))
    if original.seq is None:  # posted in this same database transaction
        chain_now()
    mirror = [(entry.account.key, -entry.amount, entry.vat_rate) for entry in original.entries]
    return post(
        "reversal",
        mirror,
        idempotency_key=idempotency_key,
        reference=f"seq {original.seq}",
        memo=reason.strip(),
        payment_method=original.payment_method,
        reverses=original,
        occurred_at=occurred_at,
        order_id=original.order_id,
    )
