"""When a cycle closes, each producer is emailed where to find its list — once.

A cycle closes by date with nobody acting, so a command (`cycles notify-closed`, run by cron)
sends the lists of every closed cycle not yet notified; the coordinator's "close now" does the
same at once, when the cycles announce it (cycle_closed). A conditional update marks the
cycle first, so two runs never both send.
"""

from datetime import datetime

from sqlalchemy import select, update

from market.auth.models import Role, User
from market.cycles.models import CycleState, OrderCycle
from market.cycles.signals import cycle_closed
from market.exports import bundle, lists, writers
from market.exports.data import cycle_data
from market.extensions import db
from market.ledger.statements import head
from market.mail.services import queue_mail
from market.rowlock import rows_changed
from market.urls import external_url


def claim(cycle: OrderCycle, now: datetime) -> bool:
    """Mark the cycle's lists as sent; False when another run already did."""
    statement = (
        update(OrderCycle)
        .where(OrderCycle.id == cycle.id, OrderCycle.lists_sent_at.is_(None))
        .values(lists_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(statement) == 1


def send_lists(cycle: OrderCycle, now: datetime) -> int:
    """Queue one message per producer user of the cycle's producers; how many were queued."""
    if cycle.state(now) != CycleState.CLOSED or not claim(cycle, now):
        return 0
    data = cycle_data(cycle.id)
    ledger_head = head()
    receipt_link = external_url("ledger.receipt", seq=ledger_head["seq"], hash=ledger_head["short"])
    users = db.session.scalars(
        select(User)
        .where(
            User.role == Role.PRODUCER.value,
            User.active,
            User.producer_id.in_(list(data.producers)),
        )
        .order_by(User.id)
    ).all()
    files = {}
    for user in users:
        producer_id = user.producer_id
        if producer_id is None:  # never: `in_` matches no null
            continue
        if producer_id not in files:
            files[producer_id] = list_files(data, producer_id)
        link = external_url(
            "exports.producer_list_page", producer_id=user.producer_id, cycle_id=cycle.id
        )
        queue_mail(
            user.email,
            "producer_list",
            user.locale,
            user=user,
            cycle=cycle,
            producer_name=data.producers[producer_id],
            link=link,
            head=ledger_head,
            receipt_link=receipt_link,
            event_key=f"cycle:{cycle.id}:producer-list:{user.id}",
            attachments=files[producer_id],
        )
    return len(users)


def list_files(data, producer_id: int) -> list[tuple[str, str, bytes]]:
    """The producer's list as PDF and CSV, attached to its mail."""
    name = f"{bundle.slug(data.producers[producer_id])}-{bundle.slug(data.cycle_name)}"
    return [
        (f"{name}.pdf", "application/pdf", bundle.producer_pdf(data, producer_id)),
        (f"{name}.csv", "text/csv", writers.csv_bytes(lists.producer_tables(data, producer_id))),
    ]


@cycle_closed.connect
def send_lists_at_once(cycle: OrderCycle, now: datetime) -> None:
    send_lists(cycle, now)


def closed_cycles_to_notify(now: datetime) -> list[OrderCycle]:
    query = (
        select(OrderCycle)
        .where(
            OrderCycle.published_at.is_not(None),
            OrderCycle.settled_at.is_(None),
            OrderCycle.closes_at <= now,
            OrderCycle.lists_sent_at.is_(None),
        )
        .order_by(OrderCycle.closes_at)
    )
    return list(db.session.scalars(query))


def notify_closed(now: datetime) -> list[tuple[OrderCycle, int]]:
    return [(cycle, send_lists(cycle, now)) for cycle in closed_cycles_to_notify(now)]
