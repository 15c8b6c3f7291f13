"""The figures' aggregate queries: each figure is a fixed number of SQL aggregates, whatever the
number of orders, grouped by cycle, month or season; Python only reshapes their few rows.

Money comes from the ledger (what the books say, to the cent): a sale is every entry of a
transaction naming an order on a producer's account (its share) or on the hub's commission
and its VAT; payments and refunds touch only households and cash, so they never count as
sales. What was sold per product or category comes from the order lines, priced exactly as
`OrderLine.amount_cents` prices them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, union_all

from market.auth.models import Household
from market.catalog.models import Category, Producer, ProducerStatus, Product
from market.cycles.models import CollectionPoint, CyclePickup, Offer, OrderCycle
from market.extensions import db
from market.figures.models import (
    CycleFigures,
    HouseholdCategorySeason,
    HouseholdMonth,
    PlaceFigures,
)
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.mail.models import OutboxMessage
from market.orders.models import Order, OrderLine, OrderStatus
from market.payouts.models import PayoutLine
from market.timeutil import to_hub_time

COMMISSION_KEYS = ("hub:commission", "hub:vat")


def line_amount_sql():
    """OrderLine.amount_cents in SQL: what was handed over, at its real weight when weighed;
    integer division rounds half up as `market.pricing.line_amount` does (amounts ≥ 0)."""
    delivered = OrderLine.quantity - OrderLine.missing_quantity
    return case(
        (
            and_(OrderLine.sold_by_weight, OrderLine.real_weight_grams.is_not(None)),
            (OrderLine.unit_price_cents * OrderLine.real_weight_grams + 500) // 1000,
        ),
        (
            OrderLine.sold_by_weight,
            (OrderLine.unit_price_cents * OrderLine.estimated_weight_grams * delivered + 500)
            // 1000,
        ),
        else_=OrderLine.unit_price_cents * delivered,
    )


def placed():
    return Order.status == OrderStatus.PLACED.value


# ----------------------------------------------------------------------------------------
# Periods: cycles are few (one a week), so each cycle's month and season are worked out in
# the hub's time zone here and handed to SQL as one CASE on the cycle's id.


@dataclass(frozen=True)
class Periods:
    month_of_cycle: dict[int, str]
    season_of_cycle: dict[int, str]

    def expression(self, by: str, cycle_id_column, only: list[int] | None = None):
        """The period of `cycle_id_column`'s cycle, as SQL (callers have at least one cycle);
        with `only`, for those cycles alone (what the query reads)."""
        mapping = self.month_of_cycle if by == "month" else self.season_of_cycle
        if only:
            mapping = {cycle_id: mapping[cycle_id] for cycle_id in only}
        return case(mapping, value=cycle_id_column)


def periods(cycles: Iterable[OrderCycle]) -> Periods:
    """Each cycle is counted in the month and season (calendar year) in which it closed."""
    months, seasons = {}, {}
    for cycle in cycles:
        closed = to_hub_time(cycle.scheduled_closes_at)
        months[cycle.id] = f"{closed.year:04d}-{closed.month:02d}"
        seasons[cycle.id] = f"{closed.year:04d}"
    return Periods(months, seasons)


def closed_cycles_and_summaries(now: datetime) -> list[tuple[OrderCycle, CycleFigures | None]]:
    """Published cycles that closed, each with its summary if it has one, and the summarised
    cycles that had not closed by `now` (one query)."""
    closed = and_(OrderCycle.published_at.is_not(None), OrderCycle.closes_at <= now)
    return [
        (cycle, summary)
        for cycle, summary in db.session.execute(
            select(OrderCycle, CycleFigures)
            .outerjoin(CycleFigures, CycleFigures.cycle_id == OrderCycle.id)
            .where(or_(closed, CycleFigures.cycle_id.is_not(None)))
            .order_by(OrderCycle.closes_at)
        )
    ]


def closed_cycles(now: datetime) -> list[OrderCycle]:
    """Published cycles that closed: what the observatory counts (one query)."""
    return list(
        db.session.scalars(
            select(OrderCycle)
            .where(OrderCycle.published_at.is_not(None), OrderCycle.closes_at <= now)
            .order_by(OrderCycle.closes_at)
        )
    )


# ----------------------------------------------------------------------------------------
# The observatory


@dataclass
class PeriodRow:
    """One month or season: money (cents), people, and how many households it rests on."""

    period: str
    households: int = 0
    new_households: int = 0
    producers: int = 0
    spent_cents: int = 0
    producers_share_cents: int = 0
    commission_cents: int = 0
    # Σ amount × km over the sales whose farm and point are both placed, and those sales.
    distance_weighted: float = 0.0
    located_cents: int = 0

    @property
    def returning_households(self) -> int:
        return self.households - self.new_households

    @property
    def average_distance_km(self) -> float | None:
        return self.distance_weighted / self.located_cents if self.located_cents else None


@dataclass
class Breakdown:
    """Amount and households per (period, key): a category, a commune."""

    amounts: dict[tuple[str, str], int] = field(default_factory=dict)
    households: dict[tuple[str, str], int] = field(default_factory=dict)


def sales_by_period(period, cycle_ids: list[int]) -> dict[Any, dict[str, int]]:
    """{period: {account kind: −Σ entries}} of the sale entries (one query)."""
    kind = case((LedgerAccount.key.in_(COMMISSION_KEYS), "commission"), else_=LedgerAccount.kind)
    rows = db.session.execute(
        select(period, kind, func.sum(LedgerEntry.amount))
        .select_from(LedgerEntry)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .where(
            Order.cycle_id.in_(cycle_ids),
            or_(LedgerAccount.kind == "producer", LedgerAccount.key.in_(COMMISSION_KEYS)),
        )
        .group_by(period, kind)
    )
    sales: dict[Any, dict[str, int]] = {}
    for key, account_kind, amount in rows:
        # Shares and commission are credits (negative): what was sold is their opposite.
        sales.setdefault(key, {})[account_kind] = -int(amount or 0)
    return sales


def sources(summaries: dict[int, CycleFigures], live_ids: list[int], *parts) -> list:
    """The non-empty parts (live, summarised) of a union: one part or both."""
    return [part for part, wanted in zip(parts, (live_ids, summaries), strict=True) if wanted]


def union(parts: list):
    """One subquery of the parts (one or two)."""
    if len(parts) == 1:
        return parts[0].subquery()
    both: Any = union_all  # mypy 2.4 cannot expand union_all's generic signature
    return both(parts[0], parts[1]).subquery()


def households_grain(period, live_ids: list[int], summaries, summary_period):
    """(period, household, lines, amount) of the placed orders: live for `live_ids`, from
    the summaries of the summarised cycles (their month or season rows)."""
    live = (
        select(
            period.label("period"),
            Order.household_id.label("household_id"),
            func.count(OrderLine.id).label("lines"),
            func.coalesce(func.sum(line_amount_sql()), 0).label("amount"),
        )
        .select_from(Order)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.cycle_id.in_(live_ids), placed())
        .group_by(period, Order.household_id)
    )
    summarised = select(
        summary_period.label("period"),
        HouseholdMonth.household_id.label("household_id"),
        HouseholdMonth.lines.label("lines"),
        HouseholdMonth.amount_cents.label("amount"),
    )
    return union(sources(summaries, live_ids, live, summarised))


def households_by_period(grain) -> dict[str, int]:
    """{period: households whose placed orders hold a line} (one query)."""
    # Each household once per period first (hashed), then counted: quicker than a DISTINCT
    # count, which sorts.
    each = (
        select(grain.c.period, grain.c.household_id)
        .where(grain.c.lines > 0)
        .group_by(grain.c.period, grain.c.household_id)
        .subquery()
    )
    rows = db.session.execute(select(each.c.period, func.count()).group_by(each.c.period))
    return {key: int(households) for key, households in rows}


def new_households_by_period(grain) -> dict[str, int]:
    """{period: households whose first placed order falls in it} (one query; periods written
    YYYY-MM or YYYY sort as text in time order, so the first is the smallest)."""
    first = (
        select(grain.c.household_id, func.min(grain.c.period).label("first"))
        .group_by(grain.c.household_id)
        .subquery()
    )
    rows = db.session.execute(select(first.c.first, func.count()).group_by(first.c.first))
    return {key: int(count) for key, count in rows}


def places_by_period(period, live_ids: list[int], summaries, summary_period):
    """{period: [(producer id, farm lat, lon, point lat, lon, amount)]} per producer and
    point that sold (one query: the rows are at most producers × points per period)."""
    live = (
        select(
            period.label("period"),
            OrderLine.producer_id.label("producer_id"),
            CyclePickup.collection_point_id.label("point_id"),
            func.sum(line_amount_sql()).label("amount"),
        )
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(CyclePickup, CyclePickup.id == Order.pickup_id)
        .where(Order.cycle_id.in_(live_ids), placed())
        .group_by(period, OrderLine.producer_id, CyclePickup.collection_point_id)
    )
    summarised = (
        select(
            summary_period.label("period"),
            PlaceFigures.producer_id.label("producer_id"),
            PlaceFigures.collection_point_id.label("point_id"),
            PlaceFigures.amount_cents.label("amount"),
        )
        .select_from(PlaceFigures)
        .join(CycleFigures, CycleFigures.cycle_id == PlaceFigures.cycle_id)
    )
    grain = union(sources(summaries, live_ids, live, summarised))
    rows = db.session.execute(
        select(
            grain.c.period,
            grain.c.producer_id,
            Producer.latitude,
            Producer.longitude,
            CollectionPoint.latitude,
            CollectionPoint.longitude,
            func.sum(grain.c.amount),
        )
        .join(Producer, Producer.id == grain.c.producer_id)
        .join(CollectionPoint, CollectionPoint.id == grain.c.point_id)
        .group_by(
            grain.c.period,
            grain.c.producer_id,
            grain.c.point_id,
            Producer.latitude,
            Producer.longitude,
            CollectionPoint.latitude,
            CollectionPoint.longitude,
        )
    )
    found: dict[str, list[tuple]] = {}
    for key, *place in rows:
        found.setdefault(key, []).append(tuple(place))
    return found


def category_breakdown(season, live_ids: list[int], summaries) -> Breakdown:
    """Amount sold and households buying per (season, category) (one query)."""
    live = (
        select(
            season.label("period"),
            Order.household_id.label("household_id"),
            Product.category_id.label("category_id"),
            func.sum(line_amount_sql()).label("amount"),
        )
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Order.cycle_id.in_(live_ids), placed())
        .group_by(season, Order.household_id, Product.category_id)
    )
    summarised = select(
        HouseholdCategorySeason.season.label("period"),
        HouseholdCategorySeason.household_id.label("household_id"),
        HouseholdCategorySeason.category_id.label("category_id"),
        HouseholdCategorySeason.amount_cents.label("amount"),
    )
    grain = union(sources(summaries, live_ids, live, summarised))
    # Each household once per season and category first, then counted (category names are
    # unique, so a category's id and its name group alike).
    each = (
        select(
            grain.c.period,
            grain.c.category_id,
            grain.c.household_id,
            func.sum(grain.c.amount).label("amount"),
        )
        .group_by(grain.c.period, grain.c.category_id, grain.c.household_id)
        .subquery()
    )
    category = func.coalesce(Category.name, "")
    rows = db.session.execute(
        select(each.c.period, category, func.sum(each.c.amount), func.count())
        .select_from(each)
        .outerjoin(Category, Category.id == each.c.category_id)
        .group_by(each.c.period, category)
    )
    return breakdown(rows)


def commune_breakdown(grain) -> Breakdown:
    """Amount spent and households per (season, the households' commune) (one query)."""
    each = (
        select(grain.c.period, grain.c.household_id, func.sum(grain.c.amount).label("amount"))
        .where(grain.c.lines > 0)
        .group_by(grain.c.period, grain.c.household_id)
        .subquery()
    )
    commune = func.coalesce(Household.town, "")
    rows = db.session.execute(
        select(each.c.period, commune, func.sum(each.c.amount), func.count())
        .select_from(each)
        .join(Household, Household.id == each.c.household_id)
        .group_by(each.c.period, commune)
    )
    return breakdown(rows)


def breakdown(rows) -> Breakdown:
    result = Breakdown()
    for key, name, amount, households in rows:
        result.amounts[(key, name)] = int(amount or 0)
        result.households[(key, name)] = int(households)
    return result


# ----------------------------------------------------------------------------------------
# The coordinator's dashboard


def orders_by_cycle_until(cutoffs: dict[int, datetime]) -> dict[int, tuple[int, int]]:
    """{cycle id: (orders placed by its cutoff and not cancelled by then, what their lines
    come to)} (one query)."""
    if not cutoffs:
        return {}
    within = or_(
        *(
            and_(
                Order.cycle_id == cycle_id,
                Order.created_at <= cutoff,
                or_(Order.cancelled_at.is_(None), Order.cancelled_at > cutoff),
            )
            for cycle_id, cutoff in cutoffs.items()
        )
    )
    rows = db.session.execute(
        select(
            Order.cycle_id,
            func.count(func.distinct(Order.id)),
            func.coalesce(func.sum(line_amount_sql()), 0),
        )
        .select_from(Order)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(within)
        .group_by(Order.cycle_id)
    )
    return {cycle_id: (int(count), int(amount)) for cycle_id, count, amount in rows}


def cycles_before(cycle: OrderCycle, count: int) -> list[OrderCycle]:
    return list(
        db.session.scalars(
            select(OrderCycle)
            .where(OrderCycle.published_at.is_not(None), OrderCycle.opens_at < cycle.opens_at)
            .order_by(OrderCycle.opens_at.desc())
            .limit(count)
        )
    )


def last_closed_cycle(now: datetime) -> OrderCycle | None:
    return db.session.scalars(
        select(OrderCycle)
        .where(OrderCycle.published_at.is_not(None), OrderCycle.closes_at <= now)
        .order_by(OrderCycle.closes_at.desc())
        .limit(1)
    ).first()


def points_fill(cycle: OrderCycle) -> list[tuple[str, int, int | None]]:
    """(point, orders, capacity) of each point in the cycle (one query)."""
    return [
        (name, int(orders), capacity)
        for name, orders, capacity in db.session.execute(
            select(CollectionPoint.name, CyclePickup.orders_count, CollectionPoint.capacity)
            .join(CollectionPoint, CollectionPoint.id == CyclePickup.collection_point_id)
            .where(CyclePickup.cycle_id == cycle.id)
            .order_by(CollectionPoint.name)
        )
    ]


def sold_out_offers(cycle: OrderCycle) -> list[tuple[str, str]]:
    """(product, producer) of each offer whose cap is reached (one query)."""
    return [
        (product, producer)
        for product, producer in db.session.execute(
            select(Product.name, Producer.name)
            .select_from(Offer)
            .join(Product, Product.id == Offer.product_id)
            .join(Producer, Producer.id == Product.producer_id)
            .where(
                Offer.cycle_id == cycle.id,
                Offer.cap.is_not(None),
                Offer.ordered_quantity >= Offer.cap,
                Offer.withdrawn_at.is_(None),
            )
            .order_by(Product.name)
        )
    ]


def producers_without_offers(cycle: OrderCycle) -> list[str]:
    """Approved producers with nothing on sale in the cycle (one query)."""
    on_sale = (
        select(Product.producer_id)
        .join(Offer, Offer.product_id == Product.id)
        .where(Offer.cycle_id == cycle.id, Offer.confirmed, Offer.withdrawn_at.is_(None))
    )
    return list(
        db.session.scalars(
            select(Producer.name)
            .where(Producer.status == ProducerStatus.APPROVED.value, Producer.id.not_in(on_sale))
            .order_by(Producer.name)
        )
    )


def unpaid(cycle: OrderCycle) -> tuple[int, int]:
    """(orders with something still due, what they still owe) for a cycle: each order's
    household entries, sale and payment alike, summed (one query)."""
    due = (
        select(func.sum(LedgerEntry.amount).label("due"))
        .select_from(LedgerEntry)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .where(Order.cycle_id == cycle.id, LedgerAccount.kind == "household")
        .group_by(Order.id)
        .subquery()
    )
    count, amount = db.session.execute(
        select(func.count(), func.coalesce(func.sum(due.c.due), 0)).where(due.c.due > 0)
    ).one()
    return int(count), int(amount)


def outbox_waiting() -> tuple[int, int]:
    """(messages waiting to leave, of which failed at least once) (one query)."""
    waiting, failed = db.session.execute(
        select(func.count(), func.count(OutboxMessage.last_error)).where(
            OutboxMessage.sent_at.is_(None)
        )
    ).one()
    return int(waiting), int(failed)


# ----------------------------------------------------------------------------------------
# A producer's figures


def producer_sales_by_cycle(producer_id: int, cycle_ids: list[int]) -> dict[int, int]:
    """{cycle id: the producer's share} for one producer, as the books say (one query): what
    it sold is its share plus the commission taken on its lines; the commission is read
    from its own order lines' split, recomputed nowhere."""
    if not cycle_ids:
        return {}
    rows = db.session.execute(
        select(Order.cycle_id, func.sum(LedgerEntry.amount))
        .select_from(LedgerEntry)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Order, Order.id == LedgerTransaction.order_id)
        .where(Order.cycle_id.in_(cycle_ids), LedgerAccount.producer_id == producer_id)
        .group_by(Order.cycle_id)
    )
    return {cycle_id: -int(amount or 0) for cycle_id, amount in rows}


def producer_lines_by_cycle(producer_id: int, cycle_ids: list[int]) -> dict[int, int]:
    """{cycle id: what households paid for this producer's lines} (one query)."""
    if not cycle_ids:
        return {}
    rows = db.session.execute(
        select(Order.cycle_id, func.sum(line_amount_sql()))
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.cycle_id.in_(cycle_ids), placed(), OrderLine.producer_id == producer_id)
        .group_by(Order.cycle_id)
    )
    return {cycle_id: int(amount or 0) for cycle_id, amount in rows}


def producer_products(producer_id: int, cycle_ids: list[int]) -> list[tuple[str, int, int]]:
    """(product, quantity handed over, amount) of the producer's products over these
    cycles, best sold first (one query)."""
    if not cycle_ids:
        return []
    amount = func.sum(line_amount_sql())
    rows = db.session.execute(
        select(
            OrderLine.product_name,
            func.sum(OrderLine.quantity - OrderLine.missing_quantity),
            amount,
        )
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.cycle_id.in_(cycle_ids), placed(), OrderLine.producer_id == producer_id)
        .group_by(OrderLine.product_name)
        .order_by(amount.desc(), OrderLine.product_name)
    )
    return [(name, int(quantity or 0), int(total or 0)) for name, quantity, total in rows]


def producer_paid_out(producer_id: int) -> int:
    """What the hub has paid the producer, all payouts together (one query)."""
    return int(
        db.session.execute(
            select(func.coalesce(func.sum(PayoutLine.amount_cents), 0)).where(
                PayoutLine.producer_id == producer_id
            )
        ).scalar_one()
    )


def producer_balance(producer_id: int) -> int:
    """What the hub holds for the producer: the credit side of its account (one query)."""
    total = db.session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.producer_id == producer_id)
    ).scalar_one()
    return -int(total)
