"""Balances, statements and the shared head, as plain rows for pages and CSV."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import contains_eager

from market.auth.models import Household
from market.catalog.models import Producer
from market.extensions import db
from market.ledger.accounts import household_key
from market.ledger.canonical import canonical_time
from market.ledger.models import (
    GENESIS_HASH,
    LedgerAccount,
    LedgerChainHead,
    LedgerEntry,
    LedgerTransaction,
)
from market.money import decimal_text
from market.spreadsheets import csv_row


@dataclass
class StatementLine:
    seq: int | None  # None until its transaction is chained (at commit, on PostgreSQL)
    occurred_at: datetime
    kind: str
    reference: str
    memo: str
    amount: int
    balance: int


def balances() -> list[tuple[LedgerAccount, int]]:
    """Every account with its balance (debit positive), in account-number order, then by the
    name people read (the household's or producer's)."""
    totals = (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount).label("balance"))
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    name = func.lower(func.coalesce(Household.name, Producer.name, LedgerAccount.key))
    rows = db.session.execute(
        select(LedgerAccount, func.coalesce(totals.c.balance, 0))
        .outerjoin(totals, totals.c.account_id == LedgerAccount.id)
        .outerjoin(LedgerAccount.household)
        .outerjoin(LedgerAccount.producer)
        .options(contains_eager(LedgerAccount.household), contains_eager(LedgerAccount.producer))
        .order_by(LedgerAccount.number, name, LedgerAccount.key)
    ).all()
    return [(account, int(balance)) for account, balance in rows]


def balances_by_kind() -> dict[str, list[tuple[LedgerAccount, int]]]:
    grouped: dict[str, list] = {
        "producer": [],
        "household": [],
        "contract": [],
        "hub": [],
        "cash": [],
    }
    for account, balance in balances():
        grouped.setdefault(account.kind, []).append((account, balance))
    return grouped


def balances_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "number", "auxiliary", "label", "balance_cents", "balance"])
    for account, balance in balances():
        writer.writerow(
            csv_row(
                [
                    account.key,
                    account.number,
                    account.auxiliary or "",
                    account.label,
                    balance,
                    decimal_text(balance, "."),
                ]
            )
        )
    return out.getvalue()


def statement(account: LedgerAccount) -> list[StatementLine]:
    """The account's entries, oldest first, with the running balance."""
    rows = db.session.execute(
        select(
            LedgerTransaction.seq,
            LedgerTransaction.occurred_at,
            LedgerTransaction.kind,
            LedgerTransaction.reference,
            LedgerTransaction.memo,
            func.sum(LedgerEntry.amount),
        )
        .join(LedgerEntry.transaction)
        .where(LedgerEntry.account_id == account.id)
        .group_by(LedgerTransaction.id)
        .order_by(LedgerTransaction.seq)
    ).all()
    lines, running = [], 0
    for seq, occurred_at, kind, reference, memo, amount in rows:
        running += int(amount)
        lines.append(StatementLine(seq, occurred_at, kind, reference, memo, int(amount), running))
    return lines


def statement_csv(lines: list[StatementLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["seq", "occurred_at", "kind", "reference", "memo", "amount", "balance"])
    for line in lines:
        writer.writerow(
            csv_row(
                [
                    line.seq,
                    canonical_time(line.occurred_at),
                    line.kind,
                    line.reference,
                    line.memo,
                    decimal_text(line.amount, "."),
                    decimal_text(line.balance, "."),
                ]
            )
        )
    return out.getvalue()


# The first characters of a hash that a receipt may carry: 64 bits, enough that no other
# state of the books can be made to share them.
SHORT = 16


def head() -> dict:
    """The chain head: the last transaction and the last closure, what a participant keeps
    as a receipt of the state they saw."""
    row = db.session.get(LedgerChainHead, 1)
    seq, hash_ = (row.seq, row.hash) if row else (0, GENESIS_HASH)
    return {
        "seq": seq,
        "hash": hash_,
        "short": hash_[:SHORT],
        "occurred_at": canonical_time(row.occurred_at) if row and row.occurred_at else None,
        "closure": {
            "seq": row.closure_seq if row else 0,
            "hash": row.closure_hash if row else GENESIS_HASH,
        },
    }


@cache
def account_balance_query() -> Select:
    """Built once: the cart page asks it for the household's credit."""
    return (
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.key == bindparam("key"))
    )


def account_balance(key: str) -> int:
    """One account's balance (debit positive); zero for an account not opened yet."""
    return int(db.session.execute(account_balance_query(), {"key": key}).scalar_one())


def household_credit_cents(household_id: int) -> int:
    """What the hub holds for a household: the credit side of its account, never negative."""
    return max(0, -account_balance(household_key(household_id)))


# Money in for an order, whoever took it (a volunteer at pickup, an online payment, a prepaid
# contract paying its delivery), less what was given back; the transactions name the order
# by its id (never by its printed reference, which people may read alike). Postings made
# before orders were named by id (canonical format 1: the demo data of the first weeks) count
# for no order.
PAYMENT_KINDS = ("payment.received", "refund", "contract.applied")


def paid_by_order_and_method(order_ids) -> dict[tuple[int, str], int]:
    """{(order id, payment method): net amount paid} for these orders (a list or a subquery
    of ids)."""
    household = LedgerAccount.kind == "household"
    query = (
        select(
            LedgerTransaction.order_id,
            LedgerTransaction.payment_method,
            func.sum(LedgerEntry.amount),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerTransaction.kind.in_(PAYMENT_KINDS),
            household,
            LedgerTransaction.order_id.in_(order_ids),
        )
        .group_by(LedgerTransaction.order_id, LedgerTransaction.payment_method)
    )
    # A payment credits the household (negative); what was paid is its opposite.
    return {
        (order_id, method or ""): -int(amount)
        for order_id, method, amount in db.session.execute(query)
        if amount and order_id is not None
    }  # (`in_` never matches a null)


def paid_by_order(order_ids) -> dict[int, int]:
    """{order id: net amount paid, all methods together} for these orders."""
    paid: dict[int, int] = defaultdict(int)
    for (order_id, _method), amount in paid_by_order_and_method(order_ids).items():
        paid[order_id] += amount
    return dict(paid)


def order_paid_and_balance(order_id: int, household_id: int) -> tuple[int, int]:
    """What the order has paid (as `paid_by_order` counts it) and its household's balance (as
    `account_balance` reads it), in one query: what an order's page shows about money."""
    credited, owed = db.session.execute(
        order_paid_and_balance_query(),
        {"order_id": order_id, "key": household_key(household_id)},
    ).one()
    return -int(credited), int(owed)  # a payment credits the household: paid is its opposite


@cache
def order_paid_and_balance_query() -> Select:
    """Built once: every order page asks it."""
    paid = (
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .select_from(LedgerTransaction)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerTransaction.kind.in_(PAYMENT_KINDS),
            LedgerAccount.kind == "household",
            LedgerTransaction.order_id == bindparam("order_id"),
        )
        .scalar_subquery()
    )
    return select(paid, account_balance_query().scalar_subquery())


def household_balances(household_ids) -> dict[int, int]:
    """{household id: balance (debit positive: what it owes)} for these households."""
    query = (
        select(LedgerAccount.household_id, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.household_id.in_(household_ids))
        .group_by(LedgerAccount.household_id)
    )
    return {
        household_id: int(balance)
        for household_id, balance in db.session.execute(query)
        if household_id is not None
    }  # (`in_` never matches a null)
