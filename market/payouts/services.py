"""What the hub owes each producer for closed cycles, and paying it.

Owed, per producer and cycle, is what the ledger says: the producer's entries in the
postings of the cycle's orders (found by the order's id; sales less commission, after every
change, missing item, real weight and cancellation), less what a payout already paid for that
cycle. A month is the closed cycles that closed in it. Postings made before orders were named
by id (canonical format 1) belong to no cycle: they stay on the producer's balance, to pay by
hand from the ledger's movements.

Confirming locks the cycles (by id) and reads what is owed again under the locks, so two
coordinators confirming at once pay once; the same confirmation sent twice finds its batch.
Each producer with an IBAN gets one `payout` posting per batch and one transfer in the SEPA
file (pain.001.001.03, made and checked against its schema by sepaxml, a maintained library);
a producer without an IBAN is listed apart and stays owed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sepaxml import SepaTransfer
from sqlalchemy import func, select

from market.catalog.models import Producer
from market.cycles.models import CycleState, OrderCycle
from market.extensions import db
from market.ledger.builders import post_payout
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.orders.models import Order
from market.payouts.errors import PayoutRefused
from market.payouts.models import PayoutBatch, PayoutLine
from market.rowlock import lock_row
from market.timeutil import to_hub_time

SEPA_SCHEMA = "pain.001.001.03"


@dataclass
class Owed:
    producer: Producer
    by_cycle: dict[int, int] = field(default_factory=dict)

    @property
    def amount_cents(self) -> int:
        return sum(self.by_cycle.values())


def cycles_of_month(month: str, now: datetime) -> list[OrderCycle]:
    """The closed cycles that closed in this month (YYYY-MM) of the hub's calendar."""
    try:
        year, number = (int(part) for part in month.split("-"))
        date(year, number, 1)
    except ValueError:
        raise PayoutRefused(_l("Choose a month as YYYY-MM.")) from None
    closed = db.session.scalars(
        select(OrderCycle)
        .where(OrderCycle.published_at.is_not(None), OrderCycle.closes_at <= now)
        .order_by(OrderCycle.closes_at)
    )
    return [
        cycle
        for cycle in closed
        if (to_hub_time(cycle.closes_at).year, to_hub_time(cycle.closes_at).month) == (year, number)
    ]


def closed_cycle(cycle_id: int, now: datetime) -> list[OrderCycle]:
    cycle = db.session.get(OrderCycle, cycle_id)
    if cycle is None:
        raise PayoutRefused(_l("There is no such cycle."))
    if cycle.state(now) not in (CycleState.CLOSED, CycleState.SETTLED):
        raise PayoutRefused(
            _l(
                "« %(name)s » is not closed yet: its producers are paid once it is.",
                name=cycle.name,
            )
        )
    return [cycle]


def owed(cycles: list[OrderCycle]) -> list[Owed]:
    """Per producer with something owed for these cycles, by name: two queries."""
    cycle_ids = [cycle.id for cycle in cycles]
    if not cycle_ids:
        return []
    sold = db.session.execute(
        select(LedgerAccount.producer_id, Order.cycle_id, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .where(Order.cycle_id.in_(cycle_ids), LedgerAccount.kind == "producer")
        .group_by(LedgerAccount.producer_id, Order.cycle_id)
    ).all()
    paid = dict(
        ((producer_id, cycle_id), int(amount))
        for producer_id, cycle_id, amount in db.session.execute(
            select(PayoutLine.producer_id, PayoutLine.cycle_id, func.sum(PayoutLine.amount_cents))
            .where(PayoutLine.cycle_id.in_(cycle_ids))
            .group_by(PayoutLine.producer_id, PayoutLine.cycle_id)
        )
    )
    amounts: dict[int, dict[int, int]] = defaultdict(dict)
    for producer_id, cycle_id, balance in sold:
        if producer_id is None:  # never: a producer account is keyed producer:<id>
            continue
        # A producer's account is credited with its share: what is owed is the opposite.
        left = -int(balance) - paid.get((producer_id, cycle_id), 0)
        if left > 0:
            amounts[producer_id][cycle_id] = left
    producers = db.session.scalars(select(Producer).where(Producer.id.in_(list(amounts))))
    return sorted(
        (Owed(producer, amounts[producer.id]) for producer in producers),
        key=lambda item: item.producer.name.casefold(),
    )


def hub_account() -> dict:
    config = current_app.config
    if not config.get("HUB_IBAN"):
        raise PayoutRefused(
            _l(
                "The hub's own IBAN is not configured (MARKET_HUB_IBAN): no "
                "transfer file can be made."
            )
        )
    account = {
        "name": config["HUB_NAME"],
        "IBAN": config["HUB_IBAN"].replace(" ", ""),
        "batch": True,
        "currency": "EUR",
    }
    if config.get("HUB_BIC"):
        account["BIC"] = config["HUB_BIC"]
    return account


def sepa_file(batch: PayoutBatch, payouts: list[Owed]) -> str:
    """The pain.001 credit transfer, validated against its schema by the library."""
    transfer = SepaTransfer(hub_account(), schema=SEPA_SCHEMA, clean=True)
    for item in payouts:
        reference = batch.reference(item.producer.id)
        payment = {
            "name": item.producer.name,
            "IBAN": item.producer.iban,
            "amount": item.amount_cents,
            "execution_date": batch.execution_date,
            "description": f"{current_app.config['HUB_NAME']} {batch.label} {reference}",
            "endtoend_id": reference,
        }
        if item.producer.bic:
            payment["BIC"] = item.producer.bic
        transfer.add_payment(payment)
    return transfer.export(validate=True).decode("utf-8")


def confirm(
    cycles: list[OrderCycle],
    *,
    label: str,
    execution_date: date,
    key: str,
    created_by_id: int | None,
) -> PayoutBatch:
    """Post one payout per producer with an IBAN and make the transfer file."""
    existing = db.session.scalar(select(PayoutBatch).where(PayoutBatch.idempotency_key == key))
    if existing is not None:
        return existing
    for cycle in sorted(cycles, key=lambda c: c.id):
        lock_row(OrderCycle, cycle.id)
    payable = [item for item in owed(cycles) if item.producer.iban]
    if not payable:
        raise PayoutRefused(_l("Nothing to pay to a producer with an IBAN for this period."))
    hub_account()  # refused before anything is written when the hub has no IBAN
    batch = PayoutBatch(
        idempotency_key=key,
        label=label,
        execution_date=execution_date,
        created_by_id=created_by_id,
        lines=[
            PayoutLine(producer_id=item.producer.id, cycle_id=cycle_id, amount_cents=amount)
            for item in payable
            for cycle_id, amount in sorted(item.by_cycle.items())
        ],
    )
    db.session.add(batch)
    db.session.flush()
    for item in payable:
        post_payout(
            item.producer.id,
            item.amount_cents,
            batch.reference(item.producer.id),
            f"payout:{batch.id}:{item.producer.id}",
        )
    batch.sepa_xml = sepa_file(batch, payable)
    db.session.flush()
    return batch


def producers_by_id(producer_ids) -> list[Producer]:
    return list(db.session.scalars(select(Producer).where(Producer.id.in_(producer_ids))))
