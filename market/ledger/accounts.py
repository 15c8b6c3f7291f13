"""Ledger accounts by key: their identity, derived from the key, and their rows.

An account's identity (kind, number, auxiliary, owner) is a pure function of its key
(market/ledger/chart.py holds the chart of accounts). It is written into the account's row
when the account is opened (a household's with the household, any other by its first
posting), hashed into every entry that uses it, and never changes: database triggers refuse
it, and a new number for an account means a new key.
"""

from functools import lru_cache

from sqlalchemy import select

from market.auth.signals import household_created
from market.extensions import db
from market.ledger.chart import FIXED, PAYMENT_METHODS
from market.ledger.models import LedgerAccount
from market.upsert import upsert_into


def household_key(household_id: int) -> str:
    return f"household:{int(household_id)}"


def producer_key(producer_id: int) -> str:
    return f"producer:{int(producer_id)}"


def contract_key(subscription_id: int) -> str:
    """A prepaid subscription's account: named by the subscription, so the books hold no
    personal data of its own."""
    return f"contract:{int(subscription_id)}"


def cash_key(method: str) -> str:
    return PAYMENT_METHODS[method]


OWNED_KINDS = ("household", "producer", "contract")
IDENTITY = ("kind", "number", "auxiliary", "household_id", "producer_id")


@lru_cache(maxsize=4096)
def identity(key: str) -> tuple:
    """(kind, number, auxiliary, household_id, producer_id) of the account with this key."""
    if key in FIXED:
        kind, number, _ = FIXED[key]
        return kind, number, None, None, None
    kind, _, raw_id = key.partition(":")
    if kind not in OWNED_KINDS or not raw_id.isdigit() or raw_id[0] == "0":
        raise ValueError(f"unknown ledger account key {key!r}")
    owner_id = int(raw_id)
    if kind == "contract":
        return kind, "4191", f"S{owner_id:05d}", None, None
    if kind == "household":
        return kind, "411", f"H{owner_id:05d}", owner_id, None
    return kind, "467", f"P{owner_id:05d}", None, owner_id


def account_ids(keys) -> dict[str, int]:
    """Ids of the accounts with these keys, opening missing ones (safe under concurrency).

    Runs before the chain lock is taken, to keep the serialised part of a posting short.
    """
    keys = set(keys)
    table = LedgerAccount.__table__
    query = select(table.c.key, table.c.id).where(table.c.key.in_(keys))
    found = dict(db.session.execute(query).all())
    missing = keys - found.keys()
    if missing:
        open_accounts(missing)
        found = dict(db.session.execute(query).all())
    return found


def opening(keys):
    """The statement that opens the accounts of these keys not open yet (safe under
    concurrency: a key already written is left alone)."""
    rows = [{"key": key, **dict(zip(IDENTITY, identity(key), strict=True))} for key in sorted(keys)]
    return upsert_into(LedgerAccount.__table__).values(rows).on_conflict_do_nothing()


def open_accounts(keys) -> None:
    """Open the accounts of these keys not open yet, in one statement: for a posting the
    database refused because an account was missing."""
    db.session.execute(opening(set(keys)))


@household_created.connect
def open_household_account(household_id: int, connection) -> None:
    """A household's account opens with the household, in the same transaction: its first
    order then posts at once instead of opening the account first."""
    connection.execute(opening([household_key(household_id)]))


def account_by_key(key: str) -> LedgerAccount | None:
    return db.session.execute(
        select(LedgerAccount).where(LedgerAccount.key == key)
    ).scalar_one_or_none()
