"""Ledger tables: accounts, transactions, entries, the chain head and closures.

Amounts are signed integer cents: positive is a debit, negative a credit. Transactions,
entries and closures are append-only (database triggers, see the 0003 migration); accounts
are reference data. Balances are always sums of entries, never stored.
"""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.timeutil import utcnow

GENESIS_HASH = "0" * 64


class LedgerAccount(db.Model):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(12))
    auxiliary: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(160))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (CheckConstraint("seq > 0", name="seq_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty until the transaction is chained: on PostgreSQL, when it commits (migration 0011).
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(120), default="")
    memo: Mapped[str] = mapped_column(String(255), default="")
    payment_method: Mapped[str | None] = mapped_column(String(20))
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    entries: Mapped[list["LedgerEntry"]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.id")
    reverses: Mapped["LedgerTransaction | None"] = relationship(remote_side=[id])


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_ledger_entries_account_transaction", "account_id", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    # VAT rate (basis points) of the goods a sale entry stems from; None for money movements.
    vat_rate: Mapped[int | None]

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship()


class LedgerUnchained(db.Model):
    """The canonical text of a transaction written on PostgreSQL, but for its time, previous
    hash and seq, kept until its commit chains it (migration 0011); empty between commits."""

    __tablename__ = "ledger_unchained"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the transaction's
    before_time: Mapped[str] = mapped_column(Text)
    before_prev_hash: Mapped[str] = mapped_column(Text)
    before_seq: Mapped[str] = mapped_column(Text)
    dated: Mapped[bool]  # given its time by the caller, rather than "now"


class LedgerChainHead(db.Model):
    """One row: the last seq and hash. Postings lock it, which serialises the chain."""

    __tablename__ = "ledger_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    occurred_at: Mapped[datetime | None]


class LedgerClosure(db.Model):
    """A closed day, month or year: its totals, chained to the previous closure."""

    __tablename__ = "ledger_closures"
    __table_args__ = (
        CheckConstraint("period IN ('day', 'month', 'year')", name="period_known"),
        db.UniqueConstraint("period", "starts_at", name="uq_ledger_closures_period_starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    period: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime]
    first_seq: Mapped[int | None] = mapped_column(BigInteger)
    last_seq: Mapped[int | None] = mapped_column(BigInteger)
    ledger_hash: Mapped[str] = mapped_column(String(64))
    transaction_count: Mapped[int]
    total: Mapped[int] = mapped_column(BigInteger)
    grand_total: Mapped[int] = mapped_column(BigInteger)
    # Canonical JSON of the totals by VAT rate and by payment method.
    breakdown: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
