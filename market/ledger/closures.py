"""Closures: a day, month or year sealed with its totals, chained like the journal and
signed with the hub's key (market/ledger/signing.py).

A closure records the period's transaction count and total (the sum of debits), totals by VAT
rate (sales including VAT, by the goods' rate), totals by payment method (net money in through
each way of paying), and the perpetual grand total per kind of period (the previous closure of
the same kind's grand total plus this total). Only a period that is over can be closed, and
nothing can be posted dated before the end of a closed period: a late correction is posted now,
in the open period, and names the transaction it corrects. The chain head names the last
closure, and a closure is only accepted as the successor of the one it names (triggers).
"""

import json
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from market.extensions import db
from market.ledger.canonical import canonical_bytes, canonical_time, digest
from market.ledger.errors import LedgerError
from market.ledger.models import (
    GENESIS_HASH,
    LedgerAccount,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
)
from market.ledger.posting import chain_now, lock_head
from market.ledger.signing import sign
from market.timeutil import hub_zone, to_hub_time, utcnow

PERIODS = ("day", "month", "year")


def closed_until() -> datetime | None:
    return db.session.execute(select(func.max(LedgerClosure.ends_at))).scalar()


def period_bounds(period: str, day: date) -> tuple[date, date, str]:
    """First day, day after the last, and label of the period containing `day`."""
    if period == "day":
        return day, day + timedelta(days=1), day.isoformat()
    if period == "month":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following, start.strftime("%Y-%m")
    if period == "year":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1), str(day.year)
    raise LedgerError(_l("Unknown period: choose day, month or year."))


def last_complete(period: str, today: date) -> date:
    """A day in the most recent period of this kind that is over."""
    if period == "day":
        return today - timedelta(days=1)
    if period == "month":
        return today.replace(day=1) - timedelta(days=1)
    return date(today.year - 1, 12, 31)


def hub_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=hub_zone())


def period_totals(starts_at: datetime, ends_at: datetime) -> dict:
    """Count, seq range, total and breakdowns of the transactions dated in [starts_at, ends_at)."""
    in_period = (LedgerTransaction.occurred_at >= starts_at) & (
        LedgerTransaction.occurred_at < ends_at
    )
    count, first_seq, last_seq = db.session.execute(
        select(
            func.count(LedgerTransaction.id),
            func.min(LedgerTransaction.seq),
            func.max(LedgerTransaction.seq),
        ).where(in_period)
    ).one()
    joined = select().select_from(LedgerEntry).join(LedgerTransaction)
    total = db.session.execute(
        joined.add_columns(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            in_period, LedgerEntry.amount > 0
        )
    ).scalar_one()
    by_rate = db.session.execute(
        joined.add_columns(LedgerEntry.vat_rate, func.sum(LedgerEntry.amount))
        .where(in_period, LedgerEntry.vat_rate.is_not(None))
        .group_by(LedgerEntry.vat_rate)
    ).all()
    by_method = db.session.execute(
        joined.join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
        .add_columns(LedgerTransaction.payment_method, func.sum(LedgerEntry.amount))
        .where(in_period, LedgerAccount.kind == "cash")
        .group_by(LedgerTransaction.payment_method)
    ).all()
    return {
        "transaction_count": count,
        "first_seq": first_seq,
        "last_seq": last_seq,
        "total": int(total),
        "breakdown": {
            "by_vat_rate": {str(rate): -int(amount) for rate, amount in by_rate if amount},
            "by_payment_method": {
                str(method): int(amount) for method, amount in by_method if amount
            },
        },
    }


def ledger_hash_before(ends_at: datetime) -> str:
    found = db.session.execute(
        select(LedgerTransaction.hash)
        .where(LedgerTransaction.occurred_at < ends_at)
        .order_by(LedgerTransaction.seq.desc())
        .limit(1)
    ).scalar()
    return found or GENESIS_HASH


def closure_document(closure: LedgerClosure) -> dict:
    return {
        "seq": closure.seq,
        "period": closure.period,
        "label": closure.label,
        "starts_at": canonical_time(closure.starts_at),
        "ends_at": canonical_time(closure.ends_at),
        "closed_at": canonical_time(closure.closed_at),
        "first_seq": closure.first_seq,
        "last_seq": closure.last_seq,
        "ledger_hash": closure.ledger_hash,
        "transaction_count": closure.transaction_count,
        "total": closure.total,
        "grand_total": closure.grand_total,
        "breakdown": json.loads(closure.breakdown),
        "prev_hash": closure.prev_hash,
    }


def last_closure(period: str | None = None) -> LedgerClosure | None:
    query = select(LedgerClosure).order_by(LedgerClosure.seq.desc()).limit(1)
    if period is not None:
        query = query.where(LedgerClosure.period == period)
    return db.session.execute(query).scalar_one_or_none()


def close_period(period: str, day: date | None = None) -> LedgerClosure:
    """Close the period of this kind containing `day` (default: the last one that is over)."""
    now = utcnow()
    first, following, label = period_bounds(
        period, day or last_complete(period, to_hub_time(now).date())
    )
    starts_at, ends_at = hub_midnight(first), hub_midnight(following)
    if ends_at > now:
        raise LedgerError(_l("This period is not over yet; it can be closed once it ends."))
    chain_now()  # this transaction's own postings are recorded before the period closes
    lock_head()  # no posting in between, and closures are serialised too
    if db.session.execute(
        select(LedgerClosure.seq).where(
            LedgerClosure.period == period, LedgerClosure.starts_at == starts_at
        )
    ).first():
        raise LedgerError(_l("The period %(label)s is already closed.", label=label))
    totals = period_totals(starts_at, ends_at)
    previous = last_closure()
    previous_same = last_closure(period)
    closure = LedgerClosure(
        seq=(previous.seq + 1) if previous else 1,
        period=period,
        label=label,
        starts_at=starts_at,
        ends_at=ends_at,
        closed_at=now,
        first_seq=totals["first_seq"],
        last_seq=totals["last_seq"],
        ledger_hash=ledger_hash_before(ends_at),
        transaction_count=totals["transaction_count"],
        total=totals["total"],
        grand_total=(previous_same.grand_total if previous_same else 0) + totals["total"],
        breakdown=canonical_bytes(totals["breakdown"]).decode(),
        prev_hash=previous.hash if previous else GENESIS_HASH,
        hash="",
    )
    closure.hash = digest(closure_document(closure))
    closure.signature = sign(closure.hash)
    db.session.add(closure)
    db.session.flush()
    db.session.execute(
        update(LedgerChainHead)
        .where(LedgerChainHead.id == 1)
        .values(closure_seq=closure.seq, closure_hash=closure.hash)
    )
    return closure


def closures() -> list[LedgerClosure]:
    return list(
        db.session.execute(select(LedgerClosure).order_by(LedgerClosure.seq.desc())).scalars()
    )
