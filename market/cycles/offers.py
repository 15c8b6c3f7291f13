"""Producers put products into cycles; coordinators withdraw offers. They flush, never commit.

A price change applies to new orders only: order lines keep the price at which they were
ordered (see orders.models.OrderLine).
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from market.catalog.models import Producer, Product
from market.cycles.errors import NotYourProduct, OfferRefused
from market.cycles.models import CollectionPoint, CyclePickup, CycleState, Offer, OrderCycle
from market.extensions import db

OFFERABLE_STATES = (CycleState.DRAFT, CycleState.SCHEDULED, CycleState.OPEN)
MAX_CAP = 100_000


def offerable_cycles(now: datetime) -> list[OrderCycle]:
    """Cycles a producer can still put products into, soonest first."""
    query = (
        select(OrderCycle)
        .where(OrderCycle.settled_at.is_(None), OrderCycle.closes_at > now)
        .order_by(OrderCycle.opens_at)
    )
    return [cycle for cycle in db.session.scalars(query) if cycle.state(now) in OFFERABLE_STATES]


def check_offerable(cycle: OrderCycle, now: datetime) -> None:
    if cycle.state(now) not in OFFERABLE_STATES:
        raise OfferRefused(
            _l(
                "The cycle « %(name)s » is closed: its offers can no longer change.",
                name=cycle.name,
            )
        )


def producer_offers(producer: Producer, cycle: OrderCycle) -> dict[int, Offer]:
    query = (
        select(Offer)
        .join(Offer.product)
        .where(Offer.cycle_id == cycle.id, Product.producer_id == producer.id)
    )
    return {offer.product_id: offer for offer in db.session.scalars(query)}


def check_cap(cap: int | None, ordered: int) -> None:
    if cap is None:
        return
    if cap < 0 or cap > MAX_CAP:
        raise OfferRefused(
            _l("The cap must be a whole number between 0 and %(most)d.", most=MAX_CAP)
        )
    if cap < ordered:
        raise OfferRefused(
            _l("The cap cannot go below the %(ordered)d already ordered.", ordered=ordered)
        )


def offer_product(
    producer: Producer,
    cycle: OrderCycle,
    product: Product,
    now: datetime,
    *,
    price_cents: int | None = None,
    cap: int | None = None,
) -> Offer:
    """Put a product into a cycle, or change its offer there; this confirms it."""
    if product.producer_id != producer.id:
        raise NotYourProduct(_l("This product belongs to another producer."))
    if not product.active:
        raise OfferRefused(
            _l("« %(name)s » is archived: put it back on sale first.", name=product.name)
        )
    check_offerable(cycle, now)
    offer = producer_offers(producer, cycle).get(product.id)
    if offer is None:
        offer = Offer(cycle=cycle, product=product, ordered_quantity=0)
        db.session.add(offer)
    check_cap(cap, offer.ordered_quantity or 0)
    if price_cents is not None and price_cents < 0:
        raise OfferRefused(_l("A price cannot be negative."))
    offer.price_cents = product.price_cents if price_cents is None else price_cents
    offer.cap = cap
    offer.confirmed = True
    offer.withdrawn_at = None
    offer.withdrawal_reason = None
    db.session.flush()
    return offer


def remove_offer(offer: Offer, now: datetime) -> None:
    """A producer takes back an offer nobody has ordered yet."""
    check_offerable(offer.cycle, now)
    if offer.ordered_quantity:
        raise OfferRefused(
            _l(
                "« %(name)s » has already been ordered: lower its cap instead, or "
                "ask the coordinator to withdraw it.",
                name=offer.product.name,
            )
        )
    db.session.delete(offer)
    db.session.flush()


def withdraw(offer: Offer, reason: str, now: datetime) -> Offer:
    """The coordinator takes an offer off sale, with a reason the households are told."""
    if not (reason or "").strip():
        raise OfferRefused(_l("Give the reason: the households who ordered it will read it."))
    if offer.withdrawn_at is not None:
        raise OfferRefused(_l("This offer is already withdrawn."))
    check_offerable(offer.cycle, now)
    offer.withdrawn_at = now
    offer.withdrawal_reason = reason.strip()
    db.session.flush()
    return offer


def carry_over(previous: OrderCycle, cycle: OrderCycle) -> int:
    """Copy last cycle's offers, unconfirmed, for their producers to confirm."""
    query = (
        select(Offer)
        .join(Offer.product)
        .where(Offer.cycle_id == previous.id, Offer.withdrawn_at.is_(None), Product.active)
    )
    count = 0
    for old in db.session.scalars(query):
        db.session.add(
            Offer(
                cycle=cycle,
                product_id=old.product_id,
                price_cents=old.price_cents,
                cap=old.cap,
                ordered_quantity=0,
                confirmed=False,
            )
        )
        count += 1
    db.session.flush()
    return count


def offers_by_producer(cycle: OrderCycle) -> list[tuple[Producer, list[Offer]]]:
    query = (
        select(Offer)
        .join(Offer.product)
        .join(Product.producer)
        .options(joinedload(Offer.product).joinedload(Product.producer))
        .where(Offer.cycle_id == cycle.id)
        .order_by(Producer.name, Product.name)
    )
    grouped: dict[int, tuple[Producer, list[Offer]]] = {}
    for offer in db.session.scalars(query):
        producer = offer.product.producer
        grouped.setdefault(producer.id, (producer, []))[1].append(offer)
    return list(grouped.values())


def collection_points_of(producer_id: int, now: datetime) -> list:
    """Where a producer's products can be collected: points of published cycles still to come
    or open, in which the producer has something on sale."""
    query = (
        select(CollectionPoint)
        .distinct()
        .join(CyclePickup, CyclePickup.collection_point_id == CollectionPoint.id)
        .join(OrderCycle, OrderCycle.id == CyclePickup.cycle_id)
        .join(Offer, Offer.cycle_id == OrderCycle.id)
        .join(Product, Product.id == Offer.product_id)
        .where(
            Product.producer_id == producer_id,
            Offer.confirmed,
            Offer.withdrawn_at.is_(None),
            OrderCycle.published_at.is_not(None),
            OrderCycle.settled_at.is_(None),
            OrderCycle.closes_at > now,
        )
        .order_by(CollectionPoint.name)
    )
    return list(db.session.scalars(query))
