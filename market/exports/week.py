"""A producer's week, for its home page: the next deadline, then the latest cycle it has
orders in, with what to bring to each collection point."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from market.cycles import services as cycles
from market.cycles.models import OrderCycle
from market.exports import lists
from market.exports.data import cycle_data
from market.exports.tables import Table
from market.extensions import db
from market.orders.models import Order, OrderLine


@dataclass(frozen=True)
class ProducerWeek:
    open_cycle: OrderCycle | None  # orders close at its closes_at
    next_cycle: OrderCycle | None  # offers to put in before it opens
    cycle: OrderCycle | None  # the latest cycle, open or to hand out, with its orders
    orders: int = 0
    to_bring: Table | None = None


def latest_cycle_with_orders(producer_id: int) -> OrderCycle | None:
    """The newest cycle not yet settled in which households ordered this producer's
    products."""
    ids = (
        select(Order.cycle_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.producer_id == producer_id)
        .distinct()
    )
    query = (
        select(OrderCycle)
        .where(OrderCycle.id.in_(ids), OrderCycle.settled_at.is_(None))
        .order_by(OrderCycle.opens_at.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def producer_week(producer_id: int, now: datetime) -> ProducerWeek:
    open_cycle, next_cycle = cycles.open_cycle(now), cycles.next_cycle(now)
    cycle = latest_cycle_with_orders(producer_id)
    if cycle is None:
        return ProducerWeek(open_cycle, next_cycle, None)
    data = cycle_data(cycle.id)
    entries = data.by_producer().get(producer_id, [])
    return ProducerWeek(
        open_cycle,
        next_cycle,
        cycle,
        orders=len({order.id for _point, order, _line in entries}),
        to_bring=lists.producer_tables(data, producer_id)[0],
    )
