"""Payment attempts and the Stripe events already handled.

The ledger is the truth about money; a Payment row tells the story of one attempt (a Checkout
Session, or a payment taken at pickup) so that pages, webhooks and reconciliation find it.
"""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import Model, stored_enum
from market.timeutil import utcnow

if TYPE_CHECKING:
    from market.orders.models import Order


class PaymentStatus(StrEnum):
    PENDING = "pending"  # waiting for the household or for Stripe's confirmation
    PAID = "paid"
    FAILED = "failed"  # the bank refused an asynchronous payment
    EXPIRED = "expired"  # the Checkout Session ended without payment
    UNAVAILABLE = "unavailable"  # Stripe could not be reached: nothing was charged


class Payment(Model):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refund_within_amount"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int]
    refunded_cents: Mapped[int] = mapped_column(default=0)
    status: Mapped[PaymentStatus] = mapped_column(
        stored_enum(PaymentStatus, 20), default=PaymentStatus.PENDING
    )
    # The order's version when the payment was asked for.
    order_version: Mapped[int]
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent: Mapped[str | None] = mapped_column(String(255), index=True)
    checkout_url: Mapped[str | None] = mapped_column(String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The ledger key of a payment recorded by hand: the same form sent twice records one.
    recording_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    order: Mapped["Order"] = relationship()

    @property
    def is_paid(self) -> bool:
        return self.status == PaymentStatus.PAID


class StripeEvent(Model):
    """A webhook event already handled: Stripe delivers at least once, we act at most once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
