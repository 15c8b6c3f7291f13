"""Balances, statements and the shared head, as plain rows for pages and CSV."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from market.extensions import db
from market.ledger.canonical import canonical_time
from market.ledger.models import GENESIS_HASH, LedgerAccount, LedgerEntry, LedgerTransaction
from market.money import decimal_text
from market.spreadsheets import csv_row


@dataclass
class StatementLine:
    seq: int
    occurred_at: datetime
    kind: str
    reference: str
    memo: str
    amount: int
    balance: int




def balances() -> list[tuple[LedgerAccount, int]]:
    """Every account with its balance (debit positive), in account-number order."""
    totals = select(LedgerEntry.account_id, func.sum(LedgerEntry.amount).label("balance")) \
        .group_by(LedgerEntry.account_id).subquery()
    rows = db.session.execute(
        select(LedgerAccount, func.coalesce(totals.c.balance, 0))
        .outerjoin(totals, totals.c.account_id == LedgerAccount.id)
        .order_by(LedgerAccount.number, LedgerAccount.key)).all()
    return [(account, int(balance)) for account, balance in rows]


def balances_by_kind() -> dict[str, list[tuple[LedgerAccount, int]]]:
    grouped: dict[str, list] = {"producer": [], "household": [], "hub": [], "cash": []}
    for account, balance in balances():
        grouped.setdefault(account.kind, []).append((account, balance))
    return grouped


def balances_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "number", "auxiliary", "label", "balance_cents", "balance"])
    for account, balance in balances():
        writer.writerow(csv_row([account.key, account.number, account.auxiliary or "",
                                 account.label, balance, decimal_text(balance, ".")]))
    return out.getvalue()


def statement(account: LedgerAccount) -> list[StatementLine]:
    """The account's entries, oldest first, with the running balance."""
    rows = db.session.execute(
        select(LedgerTransaction.seq, LedgerTransaction.occurred_at, LedgerTransaction.kind,
               LedgerTransaction.reference, LedgerTransaction.memo,
               func.sum(LedgerEntry.amount))
        .join(LedgerEntry.transaction).where(LedgerEntry.account_id == account.id)
        .group_by(LedgerTransaction.id).order_by(LedgerTransaction.seq)).all()
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
        writer.writerow(csv_row([line.seq, canonical_time(line.occurred_at), line.kind,
                                 line.reference, line.memo, decimal_text(line.amount, "."),
                                 decimal_text(line.balance, ".")]))
    return out.getvalue()


def head() -> dict:
    """The latest transaction: what a participant keeps as a receipt of the state they saw."""
    row = db.session.execute(select(LedgerTransaction.seq, LedgerTransaction.hash,
                                    LedgerTransaction.occurred_at)
                             .order_by(LedgerTransaction.seq.desc()).limit(1)).one_or_none()
    if row is None:
        return {"seq": 0, "hash": GENESIS_HASH, "occurred_at": None}
    return {"seq": row.seq, "hash": row.hash, "occurred_at": canonical_time(row.occurred_at)}


def account_balance(key: str) -> int:
    """One account's balance (debit positive); zero for an account not opened yet."""
    query = (select(func.coalesce(func.sum(LedgerEntry.amount), 0))
             .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
             .where(LedgerAccount.key == key))
    return int(db.session.scalar(query))


def household_credit_cents(household_id: int) -> int:
    """What the hub holds for a household: the credit side of its account, never negative."""
    from market.ledger.accounts import household_key

    return max(0, -account_balance(household_key(household_id)))


# Money in for an order, whoever took it (a volunteer at pickup, an online payment), less
# what was given back; the transactions name the order's reference.
PAYMENT_KINDS = ("payment.received", "refund")


def paid_by_reference(references) -> dict[str, int]:
    """{reference: net amount paid} for these order references (a list or a subquery)."""
    household = LedgerAccount.kind == "household"
    query = (select(LedgerTransaction.reference, func.sum(LedgerEntry.amount))
             .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
             .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
             .where(LedgerTransaction.kind.in_(PAYMENT_KINDS), household,
                    LedgerTransaction.reference.in_(references))
             .group_by(LedgerTransaction.reference))
    # A payment credits the household (negative); what was paid is its opposite.
    return {reference: -int(amount) for reference, amount in db.session.execute(query)}



def household_balances(household_ids) -> dict[int, int]:
    """{household id: balance (debit positive: what it owes)} for these households."""
    query = (select(LedgerAccount.household_id, func.sum(LedgerEntry.amount))
             .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
             .where(LedgerAccount.household_id.in_(household_ids))
             .group_by(LedgerAccount.household_id))
    return {household_id: int(balance) for household_id, balance in db.session.execute(query)}
