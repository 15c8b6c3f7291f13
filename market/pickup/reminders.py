"""What `flask --app market mail remind` sends when it is due, once each (run it hourly):

- the day before a cycle closes, to households that ordered in one of the last four cycles
  but not in this one, and to those whose cart holds products of it;
- the day before pickup, to each household with an order there: place, window, what is due;
- after pickup, a receipt of each order handed over: what was missing, the real weights,
  what was paid and the household's balance.

Each message is keyed on its event and recipient (market/mail): a run repeated, or two runs
at once after their commits, send nothing twice. Reminders go only to people who want them
(their profile); receipts go to everyone.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from market.cycles.models import CyclePickup, Offer, OrderCycle
from market.extensions import db
from market.ledger.accounts import household_key
from market.ledger.statements import account_balance
from market.mail.services import queue_mail
from market.orders.models import CartItem, Order, OrderStatus
from market.orders.notify import household_users, tell_household
from market.payments.services import due_cents, paid_cents
from market.urls import external_url

AHEAD = timedelta(days=1)
# Receipts for pickups that ended this long ago at most: a first run does not mail history.
RECEIPTS_WITHIN = timedelta(days=7)
RECENT_CYCLES = 4


@dataclass
class Sent:
    closing: int = 0
    pickup: int = 0
    receipts: int = 0


def closing_soon(now: datetime) -> list[OrderCycle]:
    return list(
        db.session.scalars(
            select(OrderCycle)
            .where(
                OrderCycle.published_at.is_not(None),
                OrderCycle.settled_at.is_(None),
                OrderCycle.closes_at > now,
                OrderCycle.closes_at <= now + AHEAD,
                OrderCycle.opens_at <= now,
            )
            .order_by(OrderCycle.closes_at)
        )
    )


def households_to_remind(cycle: OrderCycle) -> dict[int, int]:
    """{household id: products in its cart} for those who should hear that `cycle` closes."""
    recent_cycles = (
        select(OrderCycle.id)
        .where(
            OrderCycle.published_at.is_not(None),
            OrderCycle.opens_at < cycle.opens_at,
            OrderCycle.id != cycle.id,
        )
        .order_by(OrderCycle.opens_at.desc())
        .limit(RECENT_CYCLES)
    )
    placed = Order.status == OrderStatus.PLACED.value
    recent = set(
        db.session.scalars(
            select(Order.household_id)
            .where(Order.cycle_id.in_(recent_cycles.scalar_subquery()), placed)
            .distinct()
        )
    )
    ordered = set(
        db.session.scalars(select(Order.household_id).where(Order.cycle_id == cycle.id, placed))
    )
    carts = dict(
        db.session.execute(
            select(CartItem.household_id, func.count())
            .join(Offer, Offer.id == CartItem.offer_id)
            .where(Offer.cycle_id == cycle.id)
            .group_by(CartItem.household_id)
        ).all()
    )
    targets = {household_id: 0 for household_id in recent - ordered}
    targets.update(carts)
    return targets


def remind_closing(cycle: OrderCycle) -> int:
    sent = 0
    link = external_url("orders.shop")
    profile_link = external_url("auth.profile")
    for household_id, in_cart in sorted(households_to_remind(cycle).items()):
        for user in household_users(household_id, reminders=True):
            message = queue_mail(
                user.email,
                "reminder_close",
                user.locale,
                event_key=f"cycle:{cycle.id}:closing:{user.id}",
                user=user,
                cycle=cycle,
                in_cart=in_cart,
                link=link,
                profile_link=profile_link,
            )
            sent += message is not None
    return sent


def orders_at_pickups(
    starts_after: datetime | None = None,
    starts_by: datetime | None = None,
    ended_after: datetime | None = None,
    ended_by: datetime | None = None,
) -> list[Order]:
    """Placed orders of closed cycles whose pickup falls in the given bounds."""
    query = (
        select(Order)
        .join(CyclePickup, CyclePickup.id == Order.pickup_id)
        .join(OrderCycle, OrderCycle.id == Order.cycle_id)
        .options(
            selectinload(Order.lines),
            joinedload(Order.cycle),
            joinedload(Order.pickup).joinedload(CyclePickup.collection_point),
        )
        .where(Order.status == OrderStatus.PLACED.value, OrderCycle.published_at.is_not(None))
        .order_by(Order.id)
    )
    for column, bound, after in (
        (CyclePickup.starts_at, starts_after, True),
        (CyclePickup.starts_at, starts_by, False),
        (CyclePickup.ends_at, ended_after, True),
        (CyclePickup.ends_at, ended_by, False),
    ):
        if bound is not None:
            query = query.where(column > bound if after else column <= bound)
    return list(db.session.scalars(query))


def remind_pickup(now: datetime) -> int:

    sent = 0
    profile_link = external_url("auth.profile")
    for order in orders_at_pickups(starts_after=now, starts_by=now + AHEAD):
        if order.cycle.closes_at > now:
            continue  # still open: the order may change, the closing reminder comes first
        sent += tell_household(
            order,
            "reminder_pickup",
            "pickup-reminder",
            reminder=True,
            due=due_cents(order),
            profile_link=profile_link,
        )
    return sent


def send_receipts(now: datetime) -> int:

    sent = 0
    for order in orders_at_pickups(ended_after=now - RECEIPTS_WITHIN, ended_by=now):
        if order.no_show_at is not None:
            continue  # told when marked (pickup.services.mark_no_show)
        paid = paid_cents(order)
        sent += tell_household(
            order,
            "order_receipt",
            "receipt",
            paid=paid,
            due=due_cents(order, paid),
            balance=account_balance(household_key(order.household_id)),
        )
    return sent


def remind(now: datetime) -> Sent:
    """Queue every reminder and receipt due at `now` that was not queued before."""
    return Sent(
        closing=sum(remind_closing(cycle) for cycle in closing_soon(now)),
        pickup=remind_pickup(now),
        receipts=send_receipts(now),
    )
