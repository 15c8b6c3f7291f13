"""Ledger tables: accounts, transactions, entries, the chain head and closures.

Amounts are signed integer cents: positive is a debit, negative a credit. Every row is a
fact of the books and `ledger verify` checks each column of it: transactions and their
entries through the hash chain, accounts through their identity (derived from their key and
hashed into every entry that uses them), closures through their hash and signature. None has
a surrogate key that nothing checks: an entry is its transaction's n-th, a closure is known
by its seq. Rows are append-only (database triggers, migrations 0003, 0011 and 0012).
Balances are always sums of entries, never stored.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import Model, db
from market.ledger.chart import fixed_label

if TYPE_CHECKING:
    from market.auth.models import Household
    from market.catalog.models import Producer

GENESIS_HASH = "0" * 64
# How a transaction is written for its hash (market/ledger/canonical.py): 1 until migration
# 0012, 2 since (each entry carries its account's identity; the order it concerns).
CANONICAL_FORMAT = 2


class LedgerAccount(Model):
    """An account: all its columns are its identity, derived from its key and immutable.

    What people read as its name comes from the household or producer it belongs to (so a
    household's erasure reaches it), not from the books.
    """

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(12))
    auxiliary: Mapped[str | None] = mapped_column(String(20))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"), index=True)

    household: Mapped["Household | None"] = relationship()
    producer: Mapped["Producer | None"] = relationship()

    @property
    def label(self) -> str:
        owner = self.household or self.producer
        return owner.name if owner is not None else fixed_label(self.key)


class LedgerTransaction(Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (CheckConstraint("seq > 0", name="seq_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[int] = mapped_column(SmallInteger, server_default="1")
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
        ForeignKey("ledger_transactions.id"), unique=True
    )
    # The order the money movement concerns, by its id: how an order's money is looked up.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    entries: Mapped[list["LedgerEntry"]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.position"
    )
    reverses: Mapped["LedgerTransaction | None"] = relationship(remote_side=[id])

    @property
    def is_reversal(self) -> bool:
        return self.kind == "reversal"


class LedgerEntry(Model):
    """The position-th entry of its transaction, in the canonical order of its hash."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_ledger_entries_account_transaction", "account_id", "transaction_id"),
    )

    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    # VAT rate (basis points) of the goods a sale entry stems from; None for money movements.
    vat_rate: Mapped[int | None]

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship()


class LedgerUnchained(Model):
    """The canonical text of a transaction written on PostgreSQL, but for its time, previous
    hash and seq, kept until its commit chains it (migration 0011); empty between commits."""

    __tablename__ = "ledger_unchained"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the transaction's
    before_time: Mapped[str] = mapped_column(Text)
    before_prev_hash: Mapped[str] = mapped_column(Text)
    before_seq: Mapped[str] = mapped_column(Text)
    dated: Mapped[bool]  # given its time by the caller, rather than "now"


class LedgerChainHead(Model):
    """One row: the last transaction (seq, hash, time) and the last closure (seq, hash).
    Postings lock it, which serialises the chain."""

    __tablename__ = "ledger_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    occurred_at: Mapped[datetime | None]
    closure_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    closure_hash: Mapped[str] = mapped_column(
        String(64), default=GENESIS_HASH, server_default=GENESIS_HASH
    )


class LedgerClosure(Model):
    """A closed day, month or year: its totals, chained to the previous closure and signed
    with the hub's key, which lives outside the database."""

    __tablename__ = "ledger_closures"
    __table_args__ = (
        CheckConstraint("period IN ('day', 'month', 'year')", name="period_known"),
        db.UniqueConstraint("period", "starts_at", name="uq_ledger_closures_period_starts_at"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
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
    # Ed25519 over the hash, hex; empty only on closures made before they were signed.
    signature: Mapped[str | None] = mapped_column(String(128))


class LedgerVerification(Model):
    """The outcome of one `ledger verify`, so that the coordinator sees when the books were
    last checked and whether they held; not part of the books themselves."""

    __tablename__ = "ledger_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    head_seq: Mapped[int] = mapped_column(BigInteger)
    problem: Mapped[str | None] = mapped_column(Text)
