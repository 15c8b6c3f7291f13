"""Stock and places, never oversold: each move is one conditional UPDATE.

The condition is checked by the database on the row it updates, so concurrent orders queue on
the row (PostgreSQL) or on the database (SQLite) and the loser sees the new value. A move that
finds no row to update means the cap or the capacity is reached.
"""

from sqlalchemy import bindparam, or_, select, update

from market.cycles.models import CollectionPoint, CyclePickup, Offer, OrderCycle
from market.extensions import db
from market.rowlock import rows_changed

# The statements, built once on the tables (no ORM work per call), their values bound.
OFFERS = Offer.__table__
PICKUPS = CyclePickup.__table__
CYCLES = OrderCycle.__table__
POINTS = CollectionPoint.__table__

RESERVE = (
    update(OFFERS)
    .where(
        OFFERS.c.id == bindparam("offer_id"),
        OFFERS.c.withdrawn_at.is_(None),
        OFFERS.c.confirmed,
        or_(
            OFFERS.c.cap.is_(None),
            OFFERS.c.ordered_quantity + bindparam("quantity") <= OFFERS.c.cap,
        ),
    )
    .values(ordered_quantity=OFFERS.c.ordered_quantity + bindparam("quantity"))
)
RELEASE = (
    update(OFFERS)
    .where(OFFERS.c.id == bindparam("offer_id"))
    .values(ordered_quantity=OFFERS.c.ordered_quantity - bindparam("quantity"))
)
CAPACITY = (
    select(POINTS.c.capacity).where(POINTS.c.id == PICKUPS.c.collection_point_id).scalar_subquery()
)
TAKE_PLACE = (
    update(PICKUPS)
    .where(
        PICKUPS.c.id == bindparam("pickup_id"),
        or_(CAPACITY.is_(None), PICKUPS.c.orders_count < CAPACITY),
    )
    .values(orders_count=PICKUPS.c.orders_count + 1)
)
FREE_PLACE = (
    update(PICKUPS)
    .where(PICKUPS.c.id == bindparam("pickup_id"))
    .values(orders_count=PICKUPS.c.orders_count - 1)
)
NEXT_NUMBER = (
    update(CYCLES)
    .where(CYCLES.c.id == bindparam("cycle_id"))
    .values(orders_numbered=CYCLES.c.orders_numbered + 1)
    .returning(CYCLES.c.orders_numbered)
)


def reserve(offer_id: int, quantity: int) -> bool:
    """Take `quantity` more units of an offer on sale; False when the cap does not allow it."""
    return rows_changed(RESERVE, {"offer_id": offer_id, "quantity": quantity}) == 1


def release(offer_id: int, quantity: int) -> None:
    db.session.execute(RELEASE, {"offer_id": offer_id, "quantity": quantity})


def take_place(pickup_id: int) -> bool:
    """One more order at a collection point in a cycle; False when it is full."""
    return rows_changed(TAKE_PLACE, {"pickup_id": pickup_id}) == 1


def free_place(pickup_id: int) -> None:
    db.session.execute(FREE_PLACE, {"pickup_id": pickup_id})


def next_order_number(cycle_id: int) -> int:
    return db.session.execute(NEXT_NUMBER, {"cycle_id": cycle_id}).scalar_one()
