"""Stock and places, never oversold: each move is one conditional UPDATE.

The condition is checked by the database on the row it updates, so concurrent orders queue on
the row (PostgreSQL) or on the database (SQLite) and the loser sees the new value. A move that
finds no row to update means the cap or the capacity is reached.
"""

from sqlalchemy import or_, select, update

from market.cycles.models import CollectionPoint, CyclePickup, Offer, OrderCycle
from market.extensions import db
from market.rowlock import rows_changed


def reserve(offer_id: int, quantity: int) -> bool:
    """Take `quantity` more units of an offer on sale; False when the cap does not allow it."""
    statement = (
        update(Offer)
        .where(
            Offer.id == offer_id,
            Offer.withdrawn_at.is_(None),
            Offer.confirmed,
            or_(Offer.cap.is_(None), Offer.ordered_quantity + quantity <= Offer.cap),
        )
        .values(ordered_quantity=Offer.ordered_quantity + quantity)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(statement) == 1


def release(offer_id: int, quantity: int) -> None:
    statement = (
        update(Offer)
        .where(Offer.id == offer_id)
        .values(ordered_quantity=Offer.ordered_quantity - quantity)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(statement)


def take_place(pickup_id: int) -> bool:
    """One more order at a collection point in a cycle; False when it is full."""
    capacity = (
        select(CollectionPoint.capacity)
        .where(CollectionPoint.id == CyclePickup.collection_point_id)
        .scalar_subquery()
    )
    statement = (
        update(CyclePickup)
        .where(
            CyclePickup.id == pickup_id,
            or_(capacity.is_(None), CyclePickup.orders_count < capacity),
        )
        .values(orders_count=CyclePickup.orders_count + 1)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(statement) == 1


def free_place(pickup_id: int) -> None:
    statement = (
        update(CyclePickup)
        .where(CyclePickup.id == pickup_id)
        .values(orders_count=CyclePickup.orders_count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(statement)


def next_order_number(cycle_id: int) -> int:
    statement = (
        update(OrderCycle)
        .where(OrderCycle.id == cycle_id)
        .values(orders_numbered=OrderCycle.orders_numbered + 1)
        .returning(OrderCycle.orders_numbered)
    )
    return db.session.execute(statement).scalar_one()
