"""Telling a household what happened to its order: once per event, to each of its people, in
their language, through the outbox (in the same transaction as the change).

Each message is keyed on the order's version (every change raises it) and the recipient, so
a change replayed writes no second message.
"""

from functools import cache

from sqlalchemy import Select, bindparam, select

from market.auth.models import User
from market.extensions import db
from market.mail.services import queue_mail
from market.orders.models import Order
from market.urls import external_url


def household_users(household_id: int, *, reminders: bool = False) -> list[User]:
    """The household's active people; with `reminders`, only those who want reminders."""
    return list(
        db.session.scalars(household_users_query(reminders), {"household_id": household_id})
    )


@cache
def household_users_query(reminders: bool) -> Select:
    """Built once: each change of an order asks it."""
    query = select(User).where(User.household_id == bindparam("household_id"), User.active)
    if reminders:
        query = query.where(User.reminders)
    return query.order_by(User.id)


def tell_household(
    order: Order, template: str, event: str, *, reminder: bool = False, **context
) -> int:
    """Queue `template` for each person of the order's household (for a `reminder`, those
    who want reminders); how many were queued."""
    queued = 0
    for user in household_users(order.household_id, reminders=reminder):
        message = queue_mail(
            user.email,
            template,
            user.locale,
            event_key=f"order:{order.id}:{event}:{user.id}",
            user=user,
            order=order,
            totals=order.totals,
            pickup=order.pickup,
            link=external_url("orders.order_page", order_id=order.id),
            **context,
        )
        queued += message is not None
    return queued


def order_event(order: Order, template: str) -> int:
    """The message of the order's current version (placed, changed or cancelled)."""
    return tell_household(order, template, f"v{order.version}")
