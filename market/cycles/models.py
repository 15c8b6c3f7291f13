"""Collection points and weekly order cycles."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import Model
from market.pricing import line_amount
from market.timeutil import utcnow

if TYPE_CHECKING:
    from market.catalog.models import Product


class CycleState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    SETTLED = "settled"


class CollectionPoint(Model):
    __tablename__ = "collection_points"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(10))
    town: Mapped[str] = mapped_column(String(100))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    access_notes: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrderCycle(Model):
    """One weekly ordering window. Its state follows from its dates and explicit actions."""

    __tablename__ = "order_cycles"
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="closes_after_opening"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    opens_at: Mapped[datetime] = mapped_column(index=True)
    closes_at: Mapped[datetime] = mapped_column(index=True)
    note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    closed_early_at: Mapped[datetime | None]
    # The closing it was scheduled for, kept when "close now" moves closes_at earlier.
    planned_closes_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    # The last order number given in this cycle, moved by an atomic update.
    orders_numbered: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the producers were sent their lists for this cycle (once, whoever closes it).
    lists_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pickups: Mapped[list["CyclePickup"]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="CyclePickup.starts_at"
    )

    @property
    def scheduled_closes_at(self) -> datetime:
        """When the cycle was planned to close, whatever closed it earlier."""
        return self.planned_closes_at or self.closes_at

    def state(self, now: datetime) -> CycleState:
        if self.settled_at is not None:
            return CycleState.SETTLED
        if self.published_at is None:
            return CycleState.DRAFT
        if now < self.opens_at:
            return CycleState.SCHEDULED
        if now < self.closes_at:
            return CycleState.OPEN
        return CycleState.CLOSED


class CyclePickup(Model):
    """A collection point taking part in a cycle, with its own pickup window."""

    __tablename__ = "cycle_pickups"
    __table_args__ = (
        UniqueConstraint("cycle_id", "collection_point_id"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycles.id"), index=True)
    collection_point_id: Mapped[int] = mapped_column(ForeignKey("collection_points.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # Orders placed for this point in this cycle, moved by atomic conditional updates.
    orders_count: Mapped[int] = mapped_column(default=0, server_default="0")

    cycle: Mapped[OrderCycle] = relationship(back_populates="pickups")
    collection_point: Mapped[CollectionPoint] = relationship()

    @property
    def is_full(self) -> bool:
        capacity = self.collection_point.capacity
        return capacity is not None and self.orders_count >= capacity


class Offer(Model):
    """A product on sale in one cycle, at a price, with an optional cap on the quantity.

    `ordered_quantity` moves only by atomic conditional updates (see orders.stock), and the
    database refuses a cap below it, so a cap holds under concurrent orders.
    """

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("cycle_id", "product_id"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("ordered_quantity >= 0", name="ordered_not_negative"),
        CheckConstraint("cap IS NULL OR cap >= ordered_quantity", name="cap_holds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycles.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    price_cents: Mapped[int]
    cap: Mapped[int | None]
    ordered_quantity: Mapped[int] = mapped_column(default=0)
    # Offers carried over from last week wait for their producer's confirmation.
    confirmed: Mapped[bool] = mapped_column(default=True)
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cycle: Mapped[OrderCycle] = relationship()
    product: Mapped["Product"] = relationship()

    @property
    def remaining(self) -> int | None:
        return None if self.cap is None else self.cap - self.ordered_quantity

    @property
    def on_sale(self) -> bool:
        return self.confirmed and self.withdrawn_at is None

    @property
    def is_sold_out(self) -> bool:
        remaining = self.remaining
        return remaining is not None and remaining <= 0

    @property
    def estimated_piece_price_cents(self) -> int:
        """What one piece of a product sold by weight comes to, at its estimated weight."""
        product = self.product
        return line_amount(
            self.price_cents, 1, product.sold_by_weight, product.estimated_weight_grams
        )


class CatalogueVersion(Model):
    """One row: a counter the database's triggers move in the same transaction as any change
    to what the shop shows of a cycle (offers but their sold units, products, producers,
    categories, pickups and collection points; migration 0021). App servers key the shop's
    rendered catalogue on it, so none serves one that is stale. No row reads as 0."""

    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
