"""Filling the summaries of settled cycles (models.py), in the transaction that changes what
they sum up, and rebuilding them all (`flask --app market figures rebuild`).

Each fill recomputes from the orders and the ledger, never adds a difference to what is
stored, so filling twice changes nothing: a settled cycle's own rows (its ledger totals, its
sales per producer and point) are written again whole; the rows of a month or a season,
which sum several cycles, are written again for the households concerned.
"""

from collections.abc import Collection

from sqlalchemy import delete, func, insert, select, text

from market.catalog.models import Product
from market.catalog.signals import product_category_changed
from market.cycles.models import CyclePickup, OrderCycle
from market.cycles.signals import cycle_settled
from market.extensions import db
from market.figures import queries
from market.figures.models import (
    CycleFigures,
    HouseholdCategorySeason,
    HouseholdMonth,
    PlaceFigures,
)
from market.ledger.signals import transaction_posted
from market.orders.models import Order, OrderLine
from market.rowlock import lock_row

TABLES = (HouseholdCategorySeason, HouseholdMonth, PlaceFigures, CycleFigures)
# The advisory lock the summarisers take on PostgreSQL (any fixed number of our own).
LOCK_KEY = 2_021_0018


def summarise(cycle_ids: Collection[int], household_ids: Collection[int] | None = None) -> None:
    """Summarise these settled cycles again: whole, or, when the cycles are summarised already
    and only these households' orders changed, for them."""
    cycles = list(
        db.session.scalars(
            select(OrderCycle).where(
                OrderCycle.id.in_(list(cycle_ids)), OrderCycle.settled_at.is_not(None)
            )
        )
    )
    if not cycles:
        return
    ids = [cycle.id for cycle in cycles]
    hold_summaries(ids[0])
    known = queries.periods(cycles)
    sales = queries.sales_by_period(Order.cycle_id, ids)
    db.session.execute(delete(CycleFigures).where(CycleFigures.cycle_id.in_(ids)))
    db.session.execute(
        insert(CycleFigures),
        [
            {
                "cycle_id": cycle_id,
                "month": known.month_of_cycle[cycle_id],
                "season": known.season_of_cycle[cycle_id],
                "producers_share_cents": sales.get(cycle_id, {}).get("producer", 0),
                "commission_cents": sales.get(cycle_id, {}).get("commission", 0),
            }
            for cycle_id in ids
        ],
    )
    db.session.execute(delete(PlaceFigures).where(PlaceFigures.cycle_id.in_(ids)))
    db.session.execute(
        insert(PlaceFigures).from_select(
            ["cycle_id", "producer_id", "collection_point_id", "amount_cents"],
            select(
                Order.cycle_id,
                OrderLine.producer_id,
                CyclePickup.collection_point_id,
                func.sum(queries.line_amount_sql()),
            )
            .select_from(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .join(CyclePickup, CyclePickup.id == Order.pickup_id)
            .where(Order.cycle_id.in_(ids), queries.placed())
            .group_by(Order.cycle_id, OrderLine.producer_id, CyclePickup.collection_point_id),
        )
    )
    households = None if household_ids is None else list(household_ids)
    summarise_months(set(known.month_of_cycle.values()), households)
    summarise_categories(set(known.season_of_cycle.values()), households)
    db.session.flush()


def hold_summaries(cycle_id: int) -> None:
    """One summariser at a time, until its transaction ends: two corrections at once (two
    volunteers, two settled cycles of the same month) would otherwise both rewrite the same
    rows, each from what it saw before the other committed. PostgreSQL: a transaction-level
    advisory lock, after which each statement reads what the other committed; SQLite: a
    write, which takes the database's write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        lock_row(OrderCycle, cycle_id)


def summarise_months(months: set[str], household_ids: list[int] | None) -> None:
    """The households' rows of these months, from every summarised cycle in them."""
    chosen = [HouseholdMonth.month.in_(months)]
    if household_ids is not None:
        chosen.append(HouseholdMonth.household_id.in_(household_ids))
    db.session.execute(delete(HouseholdMonth).where(*chosen))
    query = (
        select(
            CycleFigures.month,
            CycleFigures.season,
            Order.household_id,
            func.count(OrderLine.id),
            func.coalesce(func.sum(queries.line_amount_sql()), 0),
        )
        .select_from(Order)
        .join(CycleFigures, CycleFigures.cycle_id == Order.cycle_id)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(CycleFigures.month.in_(months), queries.placed())
        .group_by(CycleFigures.month, CycleFigures.season, Order.household_id)
    )
    if household_ids is not None:
        query = query.where(Order.household_id.in_(household_ids))
    db.session.execute(
        insert(HouseholdMonth).from_select(
            ["month", "season", "household_id", "lines", "amount_cents"], query
        )
    )


def summarise_categories(seasons: set[str] | None, household_ids) -> None:
    """The households' rows of these seasons (None: all), from every summarised cycle in
    them; `household_ids` is a list, a subquery of ids, or None for all."""
    chosen = []
    if seasons is not None:
        chosen.append(HouseholdCategorySeason.season.in_(seasons))
    if household_ids is not None:
        chosen.append(HouseholdCategorySeason.household_id.in_(household_ids))
    db.session.execute(delete(HouseholdCategorySeason).where(*chosen))
    query = (
        select(
            CycleFigures.season,
            Order.household_id,
            Product.category_id,
            func.sum(queries.line_amount_sql()),
        )
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(CycleFigures, CycleFigures.cycle_id == Order.cycle_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(queries.placed())
        .group_by(CycleFigures.season, Order.household_id, Product.category_id)
    )
    if seasons is not None:
        query = query.where(CycleFigures.season.in_(seasons))
    if household_ids is not None:
        query = query.where(Order.household_id.in_(household_ids))
    db.session.execute(
        insert(HouseholdCategorySeason).from_select(
            ["season", "household_id", "category_id", "amount_cents"], query
        )
    )


def rebuild() -> int:
    """Every settled cycle summarised again from scratch; how many."""
    for table in TABLES:
        db.session.execute(delete(table))
    ids = list(db.session.scalars(select(OrderCycle.id).where(OrderCycle.settled_at.is_not(None))))
    if ids:
        summarise(ids)
    db.session.flush()
    return len(ids)


# ----------------------------------------------------------------------------------------
# What changes a settled cycle's figures, announced by the lower domains in the transaction
# that changes it.


@cycle_settled.connect
def on_cycle_settled(cycle: OrderCycle, **_) -> None:
    summarise([cycle.id])


@transaction_posted.connect
def on_transaction_posted(transaction, **_) -> None:
    """Money of an order of a settled cycle moved (a missing item, a weight, a reversal):
    its household's figures follow. The order and its cycle are usually in the session
    already, so an order of an open cycle costs no query."""
    if transaction.order_id is None:
        return
    order = db.session.get(Order, transaction.order_id)
    if order is None:
        return
    cycle = db.session.get(OrderCycle, order.cycle_id)
    if cycle is None or cycle.settled_at is None:
        return
    summarised = db.session.get(CycleFigures, cycle.id) is not None
    summarise([cycle.id], [order.household_id] if summarised else None)


@product_category_changed.connect
def on_product_category_changed(product: Product, **_) -> None:
    """What the households who bought it spent per category, again."""
    db.session.flush()
    buyers = (
        select(Order.household_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(CycleFigures, CycleFigures.cycle_id == Order.cycle_id)
        .where(OrderLine.product_id == product.id)
        .distinct()
    )
    seasons = set(
        db.session.scalars(
            select(CycleFigures.season)
            .join(Order, Order.cycle_id == CycleFigures.cycle_id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.product_id == product.id)
            .distinct()
        )
    )
    if seasons:
        summarise_categories(seasons, list(db.session.scalars(buyers)))
        db.session.flush()
