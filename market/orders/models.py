"""Carts, orders and their lines. A line keeps the terms at which it was ordered."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.cycles.models import CycleState
from market.extensions import Model, stored_enum
from market.pricing import PricedLine, Totals, line_amount, order_totals
from market.timeutil import utcnow

if TYPE_CHECKING:
    from market.auth.models import Household
    from market.cycles.models import CyclePickup, Offer, OrderCycle


class OrderStatus(StrEnum):
    PLACED = "placed"
    CANCELLED = "cancelled"


class PaymentChoice(StrEnum):
    AT_PICKUP = "pickup"
    CREDIT = "credit"
    ONLINE = "online"  # by card through Stripe Checkout, when the hub has configured it


# How lists and the pickup screen name the way an order is to be paid.
PAYMENT_CHOICE_NAMES = {
    PaymentChoice.CREDIT.value: _l("from credit"),
    PaymentChoice.AT_PICKUP.value: _l("at pickup"),
    PaymentChoice.ONLINE.value: _l("online"),
}


def payment_label(choice: str) -> str:
    return str(PAYMENT_CHOICE_NAMES.get(choice, choice))


class CartItem(Model):
    """What a household has chosen but not ordered yet, kept on the server."""

    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("household_id", "offer_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    quantity: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    offer: Mapped["Offer"] = relationship()


class Order(Model):
    """One household's order in one cycle, for one collection point."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("cycle_id", "household_id"),
        UniqueConstraint("cycle_id", "number"),
        UniqueConstraint("reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycles.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    pickup_id: Mapped[int] = mapped_column(ForeignKey("cycle_pickups.id"), index=True)
    number: Mapped[int]
    # What people read and say: "12-042", the cycle's number and the order's in it; unique
    # forever. Orders placed before had "S48-0042" (the week): they keep it.
    reference: Mapped[str] = mapped_column(String(20))
    status: Mapped[OrderStatus] = mapped_column(
        stored_enum(OrderStatus, 20), default=OrderStatus.PLACED
    )
    payment_choice: Mapped[str] = mapped_column(String(20), default=PaymentChoice.AT_PICKUP.value)
    # Each change raises the version; ledger postings are keyed on it.
    version: Mapped[int] = mapped_column(default=1)
    # The last form submission applied, so that a form sent twice is applied once.
    last_submission: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None]
    # Pickup day: handed over, or not collected by the end of the pickup.
    collected_at: Mapped[datetime | None]
    no_show_at: Mapped[datetime | None]

    cycle: Mapped["OrderCycle"] = relationship()
    household: Mapped["Household"] = relationship()
    pickup: Mapped["CyclePickup"] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == OrderStatus.CANCELLED

    def is_editable(self, now: datetime) -> bool:
        """The household may still change it: its cycle is open and it stands."""
        return self.cycle.state(now) == CycleState.OPEN and not self.is_cancelled

    @property
    def has_contract_lines(self) -> bool:
        return any(line.from_contract for line in self.lines)

    @property
    def totals(self) -> Totals:
        """What the order comes to, and its VAT per rate (market/pricing.py)."""
        return order_totals(line.priced() for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.totals.total_cents


class OrderLine(Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "offer_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
        CheckConstraint(
            "missing_quantity >= 0 AND missing_quantity <= quantity", name="missing_within_quantity"
        ),
        CheckConstraint(
            "real_weight_grams IS NULL OR real_weight_grams >= 0", name="real_weight_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(20))
    size: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[int]
    # Frozen when ordered: VAT included; per kg when sold by weight.
    unit_price_cents: Mapped[int]
    vat_basis_points: Mapped[int]
    sold_by_weight: Mapped[bool] = mapped_column(default=False)
    estimated_weight_grams: Mapped[int | None]
    # Pickup day: units the producer did not bring, and the weight really handed over
    # (all the line's pieces together) for a product sold by weight.
    missing_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    real_weight_grams: Mapped[int | None]
    # A delivery of a seasonal contract (market/subscriptions), generated into the order:
    # lists and the pickup screen mark it, and the household cannot change or cancel it here.
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), index=True)

    order: Mapped[Order] = relationship(back_populates="lines")
    offer: Mapped["Offer"] = relationship()

    @property
    def from_contract(self) -> bool:
        return self.subscription_id is not None

    @property
    def delivered_quantity(self) -> int:
        return self.quantity - (self.missing_quantity or 0)

    @property
    def amount_cents(self) -> int:
        """What the household pays for the line: what was handed over, at its real weight."""
        if self.sold_by_weight and self.real_weight_grams is not None:
            return line_amount(self.unit_price_cents, 1, True, self.real_weight_grams)
        return line_amount(
            self.unit_price_cents,
            self.delivered_quantity,
            self.sold_by_weight,
            self.estimated_weight_grams,
        )

    def priced(self) -> PricedLine:
        return PricedLine(self.amount_cents, self.vat_basis_points)
