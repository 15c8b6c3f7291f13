"""The summaries of settled cycles: the observatory reads them instead of every order line and
ledger entry, and says exactly what it said from the orders and the books, after settling, a
correction, a reversal, a product moved to another category and a rebuild."""

import threading

import pytest
from sqlalchemy import func, select

from market.catalog import services as catalog
from market.catalog.models import Product
from market.cycles import services as cycles
from market.extensions import db as database
from market.figures import observatory, summaries
from market.figures.models import (
    CycleFigures,
    HouseholdCategorySeason,
    HouseholdMonth,
    PlaceFigures,
)
from market.ledger.models import LedgerTransaction
from market.ledger.posting import reverse
from market.orders.models import Order
from market.pickup import services as pickup
from market.timeutil import utcnow
from tests import factories
from tests.helpers import count_queries


def everything(by: str, *, summaries_used: bool) -> list:
    built = observatory.build(utcnow(), by, summaries=summaries_used)
    return [(figure.name, figure.rows) for figure in built.figures]


def assert_agree(app) -> None:
    """Summaries and a recomputation from scratch give the same page, cell for cell, by month
    and by season, whatever the threshold."""
    for threshold in (1, 5):
        app.config["FIGURES_PRIVACY_THRESHOLD"] = threshold
        for by in observatory.PERIODS:
            assert everything(by, summaries_used=True) == everything(by, summaries_used=False), (
                by,
                threshold,
            )


def stored() -> dict:
    """Every summary row, as plain values."""
    return {
        table.__tablename__: sorted(
            tuple(value for name, value in sorted(row._mapping.items()) if name != "id")
            for row in database.session.execute(
                select(*(c for c in table.__table__.columns if c.name != "summarised_at"))
            )
        )
        for table in summaries.TABLES
    }


def settle(cycle) -> None:
    cycles.settle(cycle, utcnow())
    database.session.commit()


def spent(by: str = "season") -> int:
    return observatory.build(utcnow(), by).figure("spending").rows[0]["spent_cents"]


def test_settling_summarises_and_the_figures_stay_the_same(app, history):
    app.config.update(HUB_REFERENCE_DISTANCE_KM=700)
    before = {by: everything(by, summaries_used=True) for by in observatory.PERIODS}
    for cycle in history["cycles"][:2]:
        settle(cycle)
    assert database.session.scalar(select(func.count()).select_from(CycleFigures)) == 2
    # Two cycles read from the summaries, the third, closed, from the orders.
    assert {by: everything(by, summaries_used=True) for by in observatory.PERIODS} == before
    settle(history["cycles"][2])
    assert {by: everything(by, summaries_used=True) for by in observatory.PERIODS} == before
    assert database.session.scalar(select(func.count()).select_from(HouseholdMonth)) == 13
    assert_agree(app)


def test_a_correction_after_settling_moves_the_summaries_too(app, history):
    for cycle in history["cycles"]:
        settle(cycle)
    app.config["FIGURES_PRIVACY_THRESHOLD"] = 1
    total = spent()
    order = database.session.scalars(
        select(Order).where(Order.cycle_id == history["cycles"][1].id).order_by(Order.id)
    ).first()
    line = order.lines[0]
    pickup.mark_missing(order, line.id, "1", utcnow())
    database.session.commit()
    assert spent() == total - line.unit_price_cents
    assert_agree(app)
    # A reversal of an order's posting, after settling, undoes its sale in the figures.
    placed = database.session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.order_id == order.id, LedgerTransaction.kind == "order.placed")
        .order_by(LedgerTransaction.id)
    ).first()
    reverse(placed, reason="Saisie en double", idempotency_key=f"test-reversal-{placed.id}")
    database.session.commit()
    assert spent() < total - line.unit_price_cents
    assert_agree(app)


def test_what_the_summaries_name_is_read_as_it_is_now(app, history):
    for cycle in history["cycles"]:
        settle(cycle)
    app.config["FIGURES_PRIVACY_THRESHOLD"] = 1
    # A product moved to another category, a household moved, a farm placed.
    line = (
        database.session.scalars(select(Order).where(Order.cycle_id == history["cycles"][0].id))
        .first()
        .lines[0]
    )
    carrots = database.session.get(Product, line.product_id)
    fruit = factories.CategoryFactory(name="Fruits")
    catalog.update_product(
        carrots,
        name=carrots.name,
        category=fruit,
        unit=carrots.unit,
        price_cents=carrots.price_cents,
        vat_basis_points=carrots.vat_basis_points,
        sold_by_weight=carrots.sold_by_weight,
        estimated_weight_grams=carrots.estimated_weight_grams,
    )
    history["people"][0].household.town = "Biarrotte"
    history["dairy"].latitude, history["dairy"].longitude = history["farm"].latitude, 0
    database.session.commit()
    categories = observatory.build(utcnow(), "season").figure("categories").rows
    assert "Fruits" in {row["key"] for row in categories}
    assert_agree(app)


def test_rebuild_gives_back_what_settling_wrote_and_twice_changes_nothing(app, history):
    for cycle in history["cycles"]:
        settle(cycle)
    order = database.session.scalars(
        select(Order).where(Order.cycle_id == history["cycles"][0].id)
    ).first()
    pickup.mark_missing(order, order.lines[0].id, "1", utcnow())
    database.session.commit()
    written = stored()
    assert all(written.values())
    runner = app.test_cli_runner()
    for _ in range(2):
        answer = runner.invoke(args=["figures", "rebuild"])
        assert answer.exit_code == 0 and "3 settled cycles" in answer.output
        database.session.expire_all()
        assert stored() == written
    assert_agree(app)


def test_an_unsummarised_settled_cycle_is_read_from_the_orders(app, history):
    """After the upgrade and before the rebuild, or when a summary cannot be read (the
    hub's time zone changed), the figures are still right."""
    for cycle in history["cycles"]:
        settle(cycle)
    app.config["FIGURES_PRIVACY_THRESHOLD"] = 1
    expected = everything("month", summaries_used=False)
    for table in summaries.TABLES:
        database.session.execute(table.__table__.delete())
    database.session.commit()
    assert everything("month", summaries_used=True) == expected
    summaries.rebuild()
    database.session.execute(CycleFigures.__table__.update().values(month="1999-01"))
    database.session.commit()
    assert everything("month", summaries_used=True) == expected


@pytest.mark.parametrize("summarised", [False, True])
def test_the_observatory_from_summaries_asks_a_fixed_number_of_queries(
    app, client, history, summarised
):
    if summarised:
        for cycle in history["cycles"][:2]:
            settle(cycle)
    client.get("/observatoire")
    for path in ("/observatoire", "/observatoire?by=season", "/observatoire/people.json"):
        with count_queries(database.engine) as statements:
            assert client.get(path).status_code == 200
        assert len(statements) <= 10, path


def test_settling_a_cycle_asks_a_fixed_number_of_queries(app, history):
    with count_queries(database.engine) as statements:
        settle(history["cycles"][0])
    settling = len(statements)
    # The summaries' share is about 14; the rest is the invoices domain, which listens to the
    # same signal and looks for what it may invoice (its own tests bound that).
    assert settling <= 30
    # The same for a cycle with more orders.
    with count_queries(database.engine) as statements:
        settle(history["cycles"][1])
    assert len(statements) == settling
    assert database.session.scalar(select(func.count()).select_from(PlaceFigures)) > 0
    assert database.session.scalar(select(func.count()).select_from(HouseholdCategorySeason))


@pytest.mark.postgres_only
def test_corrections_at_once_on_a_settled_cycle_all_reach_the_summaries(app, history):
    """Volunteers mark missing items on several orders of a settled cycle at the same
    moment, each on its own connection: the summaries hold every correction."""
    for cycle in history["cycles"]:
        settle(cycle)
    app.config["FIGURES_PRIVACY_THRESHOLD"] = 1
    total = spent()
    orders = database.session.scalars(
        select(Order).where(Order.cycle_id == history["cycles"][0].id).order_by(Order.id)
    ).all()
    targets = [(order.id, order.lines[0].id, order.lines[0].unit_price_cents) for order in orders]
    database.session.commit()
    barrier = threading.Barrier(len(targets), timeout=30)
    failures = []

    def correct(order_id, line_id):
        with app.app_context(), app.test_request_context():
            try:
                barrier.wait()
                order = database.session.get(Order, order_id)
                pickup.mark_missing(order, line_id, "1", utcnow())
                database.session.commit()
            except Exception as error:
                database.session.rollback()
                failures.append(error)
            finally:
                database.session.remove()

    threads = [
        threading.Thread(target=correct, args=(order_id, line_id))
        for order_id, line_id, _price in targets
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    database.session.expire_all()
    assert spent() == total - sum(price for *_ids, price in targets)
    assert_agree(app)
