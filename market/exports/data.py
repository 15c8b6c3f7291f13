"""Everything a cycle's lists show, read once in a fixed number of queries.

Every list (pickup lists, producer lists, matrix, summary) and every format (print view, CSV,
XLSX, PDF) is built from one `CycleData`, so they always agree. The loader reads plain rows
(no ORM objects): six statements whatever the number of orders.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from market.auth.models import Household, User
from market.catalog.models import Producer
from market.cycles.models import CollectionPoint, CyclePickup, OrderCycle
from market.extensions import db
from market.ledger.statements import household_balances, paid_by_order_and_method
from market.orders.models import Order, OrderLine, OrderStatus, PaymentChoice
from market.pricing import line_amount


@dataclass
class Line:
    order_id: int
    producer_id: int
    product_id: int
    product_name: str
    unit: str
    size: str | None
    quantity: int
    missing: int
    sold_by_weight: bool
    real_weight_grams: int | None
    amount_cents: int
    vat_basis_points: int
    # A delivery of a seasonal contract: the lists mark it.
    from_contract: bool = False

    @property
    def delivered(self) -> int:
        return self.quantity - self.missing


@dataclass
class OrderRow:
    id: int
    number: int
    reference: str
    household_id: int
    name: str
    second_collector: str | None
    phone: str | None
    payment_choice: str
    pickup_id: int
    collected_at: datetime | None
    no_show_at: datetime | None
    lines: list[Line] = field(default_factory=list)
    # Money taken for the order, per payment method, net of refunds (from the ledger).
    payments: dict[str, int] = field(default_factory=dict)
    # What the household's credit covers of the order, when it chose to pay from credit.
    credit_used_cents: int = 0

    @property
    def paid_cents(self) -> int:
        return sum(self.payments.values()) + self.credit_used_cents

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def due_cents(self) -> int:
        return max(0, self.amount_cents - self.paid_cents)

    @property
    def credit_cents(self) -> int:
        """Paid beyond what the order now costs: left as credit on the household's account."""
        return max(0, self.paid_cents - self.amount_cents)


@dataclass
class Point:
    pickup_id: int
    point_id: int
    name: str
    address: str
    town: str
    starts_at: datetime
    ends_at: datetime
    orders: list[OrderRow] = field(default_factory=list)

    @property
    def amount_cents(self) -> int:
        return sum(order.amount_cents for order in self.orders)

    @property
    def paid_cents(self) -> int:
        return sum(order.paid_cents for order in self.orders)

    @property
    def due_cents(self) -> int:
        return sum(order.due_cents for order in self.orders)


@dataclass
class CycleData:
    cycle_id: int
    cycle_name: str
    points: list[Point]
    producers: dict[int, str]
    # Money taken for orders cancelled since (e.g. paid online), per method: the household's
    # credit now, but money the hub holds all the same.
    cancelled_payments: dict[str, int] = field(default_factory=dict)
    _by_producer: dict | None = field(default=None, repr=False)

    def orders(self):
        for point in self.points:
            yield from point.orders

    def point(self, pickup_id: int) -> Point | None:
        return next((p for p in self.points if p.pickup_id == pickup_id), None)

    def by_producer(self) -> dict[int, list[tuple[Point, OrderRow, Line]]]:
        """Each producer's lines with their point and order, grouped once for all its lists."""
        if self._by_producer is None:
            self._by_producer = lines_by_producer(self)
        return self._by_producer


def load_points(cycle_id: int) -> tuple[str, list[Point]]:
    rows = db.session.execute(
        select(
            OrderCycle.name,
            CyclePickup.id,
            CollectionPoint.id,
            CollectionPoint.name,
            CollectionPoint.address,
            CollectionPoint.town,
            CyclePickup.starts_at,
            CyclePickup.ends_at,
        )
        .join(CyclePickup, CyclePickup.cycle_id == OrderCycle.id)
        .join(CollectionPoint, CollectionPoint.id == CyclePickup.collection_point_id)
        .where(OrderCycle.id == cycle_id)
        .order_by(CollectionPoint.name, CyclePickup.id)
    ).all()
    name = rows[0][0] if rows else ""
    return name, [Point(*row[1:]) for row in rows]


def load_orders(cycle_id: int) -> list[OrderRow]:
    # The household's phone: its first user's that has one.
    phone = (
        select(User.phone)
        .where(User.household_id == Household.id, User.phone.is_not(None), User.phone != "")
        .order_by(User.id)
        .limit(1)
        .correlate(Household)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Order.id,
            Order.number,
            Order.reference,
            Order.household_id,
            Household.name,
            Household.second_collector,
            phone,
            Order.payment_choice,
            Order.pickup_id,
            Order.collected_at,
            Order.no_show_at,
        )
        .join(Household, Household.id == Order.household_id)
        .where(Order.cycle_id == cycle_id, Order.status == OrderStatus.PLACED.value)
    ).all()
    orders = [OrderRow(*row) for row in rows]
    orders.sort(key=lambda o: (o.name.casefold(), o.number))
    return orders


def load_lines(cycle_id: int) -> list[Line]:
    columns = (
        OrderLine.order_id,
        OrderLine.producer_id,
        OrderLine.product_id,
        OrderLine.product_name,
        OrderLine.unit,
        OrderLine.size,
        OrderLine.quantity,
        OrderLine.missing_quantity,
        OrderLine.sold_by_weight,
        OrderLine.real_weight_grams,
        OrderLine.unit_price_cents,
        OrderLine.estimated_weight_grams,
        OrderLine.vat_basis_points,
        OrderLine.subscription_id,
    )
    rows = db.session.execute(
        select(*columns)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.cycle_id == cycle_id, Order.status == OrderStatus.PLACED.value)
        .order_by(OrderLine.order_id, OrderLine.id)
    ).all()
    lines = []
    for (
        order_id,
        producer_id,
        product_id,
        name,
        unit,
        size,
        quantity,
        missing,
        by_weight,
        real_weight,
        price,
        estimated,
        vat,
        subscription_id,
    ) in rows:
        missing = missing or 0
        if by_weight and real_weight is not None:
            amount = line_amount(price, 1, True, real_weight)
        else:
            amount = line_amount(price, quantity - missing, by_weight, estimated)
        lines.append(
            Line(
                order_id,
                producer_id,
                product_id,
                name,
                unit,
                size,
                quantity,
                missing,
                bool(by_weight),
                real_weight,
                amount,
                vat,
                subscription_id is not None,
            )
        )
    return lines


def load_producers(cycle_id: int) -> dict[int, str]:
    ids = (
        select(OrderLine.producer_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.cycle_id == cycle_id)
        .distinct()
    )
    rows = db.session.execute(select(Producer.id, Producer.name).where(Producer.id.in_(ids)))
    return dict(rows.all())


def covered_by_credit(order: OrderRow, owing: dict[int, int]) -> int:
    """Paid from credit: the order's posting consumed the household's credit, so only what its
    account still owes (at most the order's unpaid part) remains due."""
    if order.payment_choice != PaymentChoice.CREDIT:
        return 0
    unpaid = max(0, order.amount_cents - order.paid_cents)
    return unpaid - min(unpaid, max(0, owing.get(order.household_id, 0)))


def cycle_data(cycle_id: int) -> CycleData:
    """The cycle's points, orders, lines, producers, payments and balances: seven queries."""
    name, points = load_points(cycle_id)
    orders = load_orders(cycle_id)
    by_id = {order.id: order for order in orders}
    for line in load_lines(cycle_id):
        by_id[line.order_id].lines.append(line)
    cancelled: dict[str, int] = defaultdict(int)
    paid = paid_by_order_and_method(select(Order.id).where(Order.cycle_id == cycle_id))
    for (order_id, method), amount in paid.items():
        if order_id in by_id:
            by_id[order_id].payments[method] = amount
        else:
            cancelled[method] += amount
    owing = household_balances(select(Order.household_id).where(Order.cycle_id == cycle_id))
    by_pickup = {point.pickup_id: point for point in points}
    for order in orders:
        order.credit_used_cents = covered_by_credit(order, owing)
        by_pickup[order.pickup_id].orders.append(order)
    return CycleData(cycle_id, name, points, load_producers(cycle_id), dict(cancelled))


def lines_by_producer(data: CycleData) -> dict[int, list[tuple[Point, OrderRow, Line]]]:
    grouped: dict[int, list] = defaultdict(list)
    for point in data.points:
        for order in point.orders:
            for line in order.lines:
                grouped[line.producer_id].append((point, order, line))
    return grouped


@dataclass
class CancelledNoShow:
    reference: str
    name: str
    pickup_id: int


def cancelled_no_shows(cycle_id: int) -> list[CancelledNoShow]:
    """Orders nobody collected that the hub's policy cancelled (they owe nothing)."""
    rows = db.session.execute(
        select(Order.reference, Household.name, Order.pickup_id)
        .join(Household, Household.id == Order.household_id)
        .where(
            Order.cycle_id == cycle_id,
            Order.no_show_at.is_not(None),
            Order.status == OrderStatus.CANCELLED.value,
        )
        .order_by(Household.name)
    ).all()
    return [CancelledNoShow(*row) for row in rows]
