"""Payouts to producers: one batch per confirmation, one line per producer and cycle paid.

The money itself is in the ledger (one `payout` transaction per producer and batch); these
rows say which cycles a payout covers, so that no cycle is paid twice to the same producer
(unique), and keep the SEPA credit-transfer file made for the hub's bank.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import Model
from market.timeutil import utcnow


class PayoutBatch(Model):
    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The confirmation form's token: the same confirmation sent twice makes one batch.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    execution_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The pain.001 file as it was given to the bank (None when no producer had an IBAN).
    sepa_xml: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list["PayoutLine"]] = relationship(
        back_populates="batch", order_by="PayoutLine.id"
    )

    def reference(self, producer_id: int) -> str:
        """The payout's reference, on the transfer and on the producer's statement."""
        return f"VIR{self.id:05d}-P{producer_id:05d}"


class PayoutLine(Model):
    __tablename__ = "payout_lines"
    __table_args__ = (
        UniqueConstraint("producer_id", "cycle_id"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycles.id"), index=True)
    amount_cents: Mapped[int]

    batch: Mapped[PayoutBatch] = relationship(back_populates="lines")
