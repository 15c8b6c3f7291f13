"""Seasonal contracts (AMAP-style baskets), the households subscribed to them, their
absences, and each delivery generated into a cycle's order (once, whatever replays it)."""

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import Model, stored_enum
from market.timeutil import utcnow

if TYPE_CHECKING:
    from market.auth.models import Household
    from market.catalog.models import Producer, Product
    from market.cycles.models import CollectionPoint


class PaymentTerms(StrEnum):
    PER_DELIVERY = "per_delivery"  # each delivery is an order line, paid like the order
    UPFRONT = "upfront"  # the season paid at once when subscribing
    INSTALMENTS = "instalments"  # the season paid in monthly instalments (AMAP cheques)


PREPAID_TERMS = (PaymentTerms.UPFRONT, PaymentTerms.INSTALMENTS)
MOST_INSTALMENTS = 12


class InstalmentStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    CANCELLED = "cancelled"  # not owed any more: the season ended early, settled


# In context: French agrees them with « échéance ».
INSTALMENT_STATUS_NAMES = {
    InstalmentStatus.DUE.value: lazy_pgettext("instalment", "due"),
    InstalmentStatus.PAID.value: lazy_pgettext("instalment", "paid"),
    InstalmentStatus.CANCELLED.value: lazy_pgettext("instalment", "cancelled"),
}


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class ShareStatus(StrEnum):
    INVITED = "invited"  # the subscriber invited a second household, which has not answered
    ACCEPTED = "accepted"  # deliveries alternate between the two households
    DECLINED = "declined"  # the invited household said no: the subscriber may invite another


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"  # a line of the household's order in the cycle
    ABSENT = "absent"  # declared absent: not delivered, not charged
    SHORT = "short"  # could not be put in the order (sold out, point full): reported


DELIVERY_STATUS_NAMES = {
    DeliveryStatus.DELIVERED.value: _l("in the order"),
    DeliveryStatus.ABSENT.value: _l("absent"),
    DeliveryStatus.SHORT.value: _l("shortage"),
}


class Contract(Model):
    """A producer's seasonal contract: `quantity` of one product per delivery, at a fixed
    unit price, every `every_cycles` weeks from `first_delivery` to `last_delivery`."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
        CheckConstraint("every_cycles IN (1, 2)", name="every_one_or_two"),
        CheckConstraint("last_delivery >= first_delivery", name="season_in_order"),
        CheckConstraint("cap IS NULL OR cap > 0", name="cap_positive"),
        CheckConstraint("absences_allowed >= 0", name="absences_not_negative"),
        CheckConstraint("subscribers >= 0", name="subscribers_not_negative"),
        CheckConstraint("cap IS NULL OR subscribers <= cap", name="cap_holds"),
        CheckConstraint(
            "payment_terms IN ('per_delivery', 'upfront', 'instalments')",
            name="payment_terms_known",
        ),
        CheckConstraint(f"instalments BETWEEN 1 AND {MOST_INSTALMENTS}", name="instalments_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_cents: Mapped[int]
    every_cycles: Mapped[int] = mapped_column(default=1)
    first_delivery: Mapped[date]
    last_delivery: Mapped[date]
    cap: Mapped[int | None]
    # Households subscribed and not ended, moved by atomic conditional updates: the cap holds.
    subscribers: Mapped[int] = mapped_column(default=0, server_default="0")
    absences_allowed: Mapped[int] = mapped_column(default=0, server_default="0")
    payment_terms: Mapped[PaymentTerms] = mapped_column(
        stored_enum(PaymentTerms, 20), default=PaymentTerms.PER_DELIVERY
    )
    # How many monthly instalments pay the season (1 when paid at once or per delivery).
    instalments: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    producer: Mapped["Producer"] = relationship()
    product: Mapped["Product"] = relationship()
    points: Mapped[list["ContractPoint"]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractPoint.id"
    )

    @property
    def price_cents(self) -> int:
        """What one delivery costs."""
        return self.unit_price_cents * self.quantity

    @property
    def deliveries(self) -> list[date]:
        """The season's delivery dates, week after week (or every other week)."""
        step = timedelta(weeks=self.every_cycles)
        dates, day = [], self.first_delivery
        while day <= self.last_delivery:
            dates.append(day)
            day += step
        return dates

    def delivery_in_week_of(self, day: date) -> date | None:
        """The delivery falling in the same (ISO) week as `day`, if any."""
        week = day.isocalendar()[:2]
        for delivery in self.deliveries:
            if delivery.isocalendar()[:2] == week:
                return delivery
        return None

    @property
    def payment_text(self) -> str:
        """How the season is paid, as households read it."""
        if self.payment_terms == PaymentTerms.UPFRONT:
            return str(_l("Paid for the whole season when subscribing."))
        if self.payment_terms == PaymentTerms.INSTALMENTS:
            return str(
                _l("Paid for the season in %(num)d monthly instalments.", num=self.instalments)
            )
        return str(_l("Each delivery is paid with the order of its week."))

    @property
    def is_prepaid(self) -> bool:
        """The season is paid to the contract (at once or by instalments), not with each
        week's order: its deliveries are paid from what the contract received."""
        return self.payment_terms in PREPAID_TERMS

    @property
    def is_full(self) -> bool:
        return self.cap is not None and self.subscribers >= self.cap

    def serves(self, collection_point_id: int) -> bool:
        return any(point.collection_point_id == collection_point_id for point in self.points)


class ContractPoint(Model):
    """A collection point where a contract's deliveries can be collected."""

    __tablename__ = "contract_points"
    __table_args__ = (UniqueConstraint("contract_id", "collection_point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    collection_point_id: Mapped[int] = mapped_column(ForeignKey("collection_points.id"), index=True)

    contract: Mapped[Contract] = relationship(back_populates="points")
    collection_point: Mapped["CollectionPoint"] = relationship()


class Subscription(Model):
    """A household's subscription to a contract, collected at one point."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("contract_id", "household_id"),
        CheckConstraint("status IN ('active', 'ended')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    collection_point_id: Mapped[int] = mapped_column(ForeignKey("collection_points.id"), index=True)
    status: Mapped[SubscriptionStatus] = mapped_column(
        stored_enum(SubscriptionStatus, 20), default=SubscriptionStatus.ACTIVE
    )
    subscribed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The first day a delivery may fall on (the day of subscribing, in the hub's zone).
    starts_on: Mapped[date]
    # Deliveries after this date are not made (an early end); the season's end otherwise.
    ends_on: Mapped[date | None]
    ended_at: Mapped[datetime | None]
    # When a prepaid subscription's account was settled (what was delivered against what
    # was paid), at an early end or after its last delivery.
    settled_at: Mapped[datetime | None]

    contract: Mapped[Contract] = relationship()
    household: Mapped["Household"] = relationship()
    collection_point: Mapped["CollectionPoint"] = relationship()
    absences: Mapped[list["Absence"]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan", order_by="Absence.day"
    )
    deliveries: Mapped[list["Delivery"]] = relationship(
        back_populates="subscription", order_by="Delivery.day"
    )
    shares: Mapped[list["BasketShare"]] = relationship(
        back_populates="subscription", order_by="BasketShare.id"
    )
    instalments: Mapped[list["Instalment"]] = relationship(
        back_populates="subscription", order_by="Instalment.number"
    )

    @property
    def share(self) -> "BasketShare | None":
        """The household invited to share the basket, or sharing it (not one that declined)."""
        return next((s for s in self.shares if s.status != ShareStatus.DECLINED), None)

    @property
    def shared(self) -> "BasketShare | None":
        share = self.share
        return share if share is not None and share.status == ShareStatus.ACCEPTED else None

    def household_for(self, day: date) -> int:
        """Whose order the delivery of `day` goes into: the subscriber's, or, from the day a
        shared basket starts, the two households' in turn (the invited household first)."""
        share = self.shared
        if share is None or share.starts_on is None or day < share.starts_on:
            return self.household_id
        turn = [d for d in self.calendar if d >= share.starts_on]
        if day not in turn:
            return self.household_id
        return share.household_id if turn.index(day) % 2 == 0 else self.household_id

    @property
    def is_active(self) -> bool:
        return self.status == SubscriptionStatus.ACTIVE

    @property
    def calendar(self) -> list[date]:
        """The deliveries this subscription is due, before any absence."""
        return [
            day
            for day in self.contract.deliveries
            if day >= self.starts_on and (self.ends_on is None or day <= self.ends_on)
        ]

    @property
    def absent_days(self) -> set[date]:
        return {absence.day for absence in self.absences}

    @property
    def deliveries_by_day(self) -> dict[date, "Delivery"]:
        return {delivery.day: delivery for delivery in self.deliveries}

    @property
    def total_cents(self) -> int:
        """What the season comes to, absences left out."""
        due = [day for day in self.calendar if day not in self.absent_days]
        return len(due) * self.contract.price_cents

    @property
    def expected_cents(self) -> int:
        """What the season comes to once absences and shortages are left out."""
        short = {d.day for d in self.deliveries if d.status == DeliveryStatus.SHORT}
        due = [day for day in self.calendar if day not in self.absent_days and day not in short]
        return len(due) * self.contract.price_cents

    @property
    def delivered_cents(self) -> int:
        """What the deliveries made so far are worth."""
        made = [d for d in self.deliveries if d.status == DeliveryStatus.DELIVERED]
        return len(made) * self.contract.price_cents

    @property
    def paid_cents(self) -> int:
        return sum(i.amount_cents for i in self.instalments if i.status == InstalmentStatus.PAID)

    @property
    def balance_cents(self) -> int:
        """The contract's account as these rows have it (the ledger's `contract:<id>` until
        it is settled): delivered beyond what was paid, or paid ahead when negative."""
        if self.settled_at is not None:
            return 0
        return self.delivered_cents - self.paid_cents

    @property
    def owed_cents(self) -> int:
        """What the instalments still due come to."""
        return sum(i.amount_cents for i in self.instalments if i.status == InstalmentStatus.DUE)


class BasketShare(Model):
    """A second household sharing a subscription's basket, alternating deliveries."""

    __tablename__ = "subscription_shares"
    __table_args__ = (
        CheckConstraint("status IN ('invited', 'accepted', 'declined')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    status: Mapped[ShareStatus] = mapped_column(
        stored_enum(ShareStatus, 20), default=ShareStatus.INVITED
    )
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    # The first delivery that alternates: the first not yet made on the day of accepting.
    starts_on: Mapped[date | None]

    subscription: Mapped[Subscription] = relationship(back_populates="shares")
    household: Mapped["Household"] = relationship()


class Absence(Model):
    """A delivery the household will not collect: not delivered, not charged."""

    __tablename__ = "subscription_absences"
    __table_args__ = (UniqueConstraint("subscription_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    day: Mapped[date]
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="absences")


class Delivery(Model):
    """What generation did for one subscription in one cycle: written once, so a replay
    finds it and does nothing."""

    __tablename__ = "subscription_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "cycle_id"),
        UniqueConstraint("subscription_id", "day"),
        CheckConstraint("status IN ('delivered', 'absent', 'short')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycles.id"), index=True)
    day: Mapped[date]
    status: Mapped[DeliveryStatus] = mapped_column(stored_enum(DeliveryStatus, 20))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="deliveries")

    @property
    def status_label(self) -> str:
        return str(DELIVERY_STATUS_NAMES.get(self.status.value, self.status.value))


class Instalment(Model):
    """One payment of a prepaid subscription's schedule: due on a day, then paid (posted to
    the subscription's ledger account) or cancelled when the season is settled early."""

    __tablename__ = "subscription_instalments"
    __table_args__ = (
        UniqueConstraint("subscription_id", "number"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("status IN ('due', 'paid', 'cancelled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    number: Mapped[int]
    due_on: Mapped[date]
    amount_cents: Mapped[int]
    status: Mapped[InstalmentStatus] = mapped_column(
        stored_enum(InstalmentStatus, 20), default=InstalmentStatus.DUE
    )
    paid_at: Mapped[datetime | None]
    method: Mapped[str | None] = mapped_column(String(20))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    subscription: Mapped[Subscription] = relationship(back_populates="instalments")

    @property
    def status_label(self) -> str:
        return str(INSTALMENT_STATUS_NAMES.get(self.status.value, self.status.value))

    def is_late(self, today: date) -> bool:
        return self.status == InstalmentStatus.DUE and self.due_on < today
