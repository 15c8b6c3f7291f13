"""A producer's week: the cycles it takes part in now, when they close, and what to bring to
each collection point — what a producer looks for first, on a phone, in a field."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.catalog.models import Product
from market.cycles.models import CyclePickup, CycleState, Offer, OrderCycle
from market.exports import lists
from market.exports.data import cycle_data
from market.exports.tables import Table
from market.extensions import db

# Cycles under way at once: this week's open one and the last ones still to hand out.
MOST_CYCLES = 3


@dataclass
class WeekCycle:
    cycle: OrderCycle
    state: CycleState
    orders: int  # orders holding at least one of the producer's products
    bring: Table | None  # per product and collection point; None before the first order

    @property
    def is_open(self) -> bool:
        return self.state == CycleState.OPEN


def cycles_under_way(now: datetime) -> list[OrderCycle]:
    query = (select(OrderCycle)
             .where(OrderCycle.published_at.is_not(None), OrderCycle.settled_at.is_(None),
                    OrderCycle.opens_at <= now)
             .options(selectinload(OrderCycle.pickups).joinedload(CyclePickup.collection_point))
             .order_by(OrderCycle.closes_at.desc()).limit(MOST_CYCLES))
    return list(db.session.scalars(query))


def cycles_offering(producer_id: int, cycle_ids: list[int]) -> set[int]:
    query = (select(Offer.cycle_id).join(Product, Product.id == Offer.product_id)
             .where(Product.producer_id == producer_id, Offer.cycle_id.in_(cycle_ids))
             .distinct())
    return set(db.session.scalars(query))


def producer_week(producer_id: int, now: datetime) -> list[WeekCycle]:
    """The cycles under way in which the producer offers or has orders, soonest first."""
    cycles = cycles_under_way(now)
    offering = cycles_offering(producer_id, [cycle.id for cycle in cycles])
    week = []
    for cycle in sorted(cycles, key=lambda cycle: cycle.closes_at):
        data = cycle_data(cycle.id)
        entries = data.by_producer().get(producer_id, [])
        if not entries and cycle.id not in offering:
            continue
        orders = len({order.id for _point, order, _line in entries})
        bring = lists.producer_tables(data, producer_id)[0] if entries else None
        week.append(WeekCycle(cycle, cycle.state(now), orders, bring))
    return week
