"""`orders verify`: what guards stock, places and money still agrees with the orders.

The counters that placing moves atomically (an offer's ordered units, a collection point's
orders) must equal what the orders hold, and what the ledger booked as each order's sale must
equal its lines. Each check is one aggregate query, whatever the number of orders.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from market.catalog.models import Product
from market.cycles.models import CollectionPoint, CyclePickup, Offer, OrderCycle
from market.extensions import db
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.orders.models import Order, OrderLine, OrderStatus

PLACED = Order.status == OrderStatus.PLACED.value
# A sale moves money from the household to producers and the hub; a payment only between
# the household and a cash account: the sale of an order is what its postings credit there.
SALE_ACCOUNTS = LedgerAccount.kind.in_(("producer", "hub"))


@dataclass
class OrdersVerdict:
    offers: int = 0
    pickups: int = 0
    orders: int = 0
    # Orders whose postings predate order ids in the ledger: their money is not compared.
    unlinked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_stock(verdict: OrdersVerdict) -> None:
    held = (
        select(OrderLine.offer_id, func.sum(OrderLine.quantity).label("units"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(PLACED)
        .group_by(OrderLine.offer_id)
        .subquery()
    )
    units = func.coalesce(held.c.units, 0)
    verdict.offers = db.session.execute(select(func.count()).select_from(Offer)).scalar_one()
    rows = db.session.execute(
        select(Offer.id, Product.name, OrderCycle.name, Offer.ordered_quantity, units)
        .join(Offer.product)
        .join(Offer.cycle)
        .outerjoin(held, held.c.offer_id == Offer.id)
        .where(Offer.ordered_quantity != units)
        .order_by(Offer.id)
    )
    verdict.problems += [
        f"offer {offer_id} ({product}, {cycle}): it counts {counted} units "
        f"ordered, its orders hold {actual}"
        for offer_id, product, cycle, counted, actual in rows
    ]


def check_places(verdict: OrdersVerdict) -> None:
    taken = (
        select(Order.pickup_id, func.count().label("orders"))
        .where(PLACED)
        .group_by(Order.pickup_id)
        .subquery()
    )
    orders = func.coalesce(taken.c.orders, 0)
    verdict.pickups = db.session.execute(select(func.count()).select_from(CyclePickup)).scalar_one()
    rows = db.session.execute(
        select(
            CyclePickup.id, CollectionPoint.name, OrderCycle.name, CyclePickup.orders_count, orders
        )
        .join(CyclePickup.collection_point)
        .join(CyclePickup.cycle)
        .outerjoin(taken, taken.c.pickup_id == CyclePickup.id)
        .where(CyclePickup.orders_count != orders)
        .order_by(CyclePickup.id)
    )
    verdict.problems += [
        f"collection point {point} in {cycle} (pickup {pickup_id}): it counts "
        f"{counted} orders, {actual} are placed there"
        for pickup_id, point, cycle, counted, actual in rows
    ]


def booked_sales() -> dict[int, int]:
    """Order id → what the ledger booked as its sale (VAT included)."""
    query = (
        select(LedgerTransaction.order_id, -func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.order_id.is_not(None), SALE_ACCOUNTS)
        .group_by(LedgerTransaction.order_id)
    )
    return {
        order_id: int(amount)
        for order_id, amount in db.session.execute(query)
        if order_id is not None
    }  # (the query leaves the nulls out)


def check_money(verdict: OrdersVerdict) -> None:
    booked = booked_sales()
    linked = set(
        db.session.scalars(
            select(LedgerTransaction.order_id)
            .distinct()
            .where(LedgerTransaction.order_id.is_not(None))
        )
    )
    totals: dict[int, int] = {}
    lines = db.session.scalars(
        select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(PLACED)
        .execution_options(yield_per=2000)
    )
    for line in lines:
        totals[line.order_id] = totals.get(line.order_id, 0) + line.amount_cents
    for order_id, reference in db.session.execute(
        select(Order.id, Order.reference).order_by(Order.id)
    ):
        verdict.orders += 1
        if order_id not in linked:
            verdict.unlinked += 1
            continue
        if booked.get(order_id, 0) != totals.get(order_id, 0):
            verdict.problems.append(
                f"order {reference} (id {order_id}): its lines come to "
                f"{totals.get(order_id, 0)} cents, the ledger booked {booked.get(order_id, 0)}"
            )


def verify_orders() -> OrdersVerdict:
    verdict = OrdersVerdict()
    for check in (check_stock, check_places, check_money):
        check(verdict)
    return verdict
