"""A year of demo history before the two demo weeks: weekly cycles closed and paid, and all
but the last settled (which summarises them for the observatory), so that the dashboard, the
producers' figures and the observatory show something real.

Placed through the real services, so the books hold every order and payment. Seeded once,
on a fresh demo (only its two weeks exist yet); running the demo again adds nothing.
"""

import random
from datetime import timedelta

from sqlalchemy import select

from market.cycles import services as cycles_services
from market.cycles.models import OrderCycle
from market.demo.cycles import demo_week, seed_collection_points
from market.demo.ledger import post_demo_payment
from market.demo.orders import seed_households, seed_offers, seed_orders
from market.extensions import db
from market.orders.models import Order, OrderStatus
from market.timeutil import to_hub_time, utcnow

HISTORY_WEEKS = 52
METHODS = ("cash", "cheque", "card", "transfer")


def households_in_week(week: int, rng: random.Random) -> int:
    """How many order: the market grows over its first year, fewer in summer. Kept small,
    so that the demo stays quick to seed (every order goes through the real services)."""
    grown = 4 + (5 * week) // HISTORY_WEEKS
    return max(3, grown - (2 if week in range(30, 35) else 0) + rng.randint(0, 2))


def seed_history(password: str, weeks: int = HISTORY_WEEKS) -> int:
    """The weeks before the demo's two, each with orders and their payments; how many
    orders were placed."""
    cycles = list(db.session.scalars(select(OrderCycle).order_by(OrderCycle.opens_at)))
    if len(cycles) != 2:
        return 0
    points = seed_collection_points()
    users = seed_households(password)
    rng = random.Random(2026)  # the same history every time
    first_day = to_hub_time(cycles[0].opens_at).date() - timedelta(weeks=weeks)
    placed = 0
    history = []
    for week in range(weeks):
        cycle = demo_week(points, first_day + timedelta(weeks=week), publish=True)
        db.session.flush()
        seed_offers(cycle)
        buyers = rng.sample(users, k=min(len(users), households_in_week(week, rng)))
        placed += seed_orders(cycle, buyers, rng, dated=True)
        history.append(cycle)
    pay_history(cycles[0])
    now = utcnow()
    for cycle in history[:-1]:  # last week's is still being paid out
        if cycle.closes_at <= now:
            cycles_services.settle(cycle, now)
    return placed


def pay_history(before: OrderCycle) -> None:
    """Every order of the history paid at pickup (in one query for the orders)."""
    rows = db.session.execute(
        select(Order)
        .join(OrderCycle, OrderCycle.id == Order.cycle_id)
        .where(OrderCycle.opens_at < before.opens_at, Order.status == OrderStatus.PLACED.value)
        .order_by(Order.id)
    ).scalars()
    for index, order in enumerate(rows):
        post_demo_payment(order, METHODS[index % len(METHODS)])
