"""The public observatory: figures that agree with the orders and the books to the cent,
that single out no household, drawn as accessible charts and given away as open data."""

import csv
import io
import json
from collections import defaultdict

import pytest
from sqlalchemy import select

from market.extensions import db as database
from market.figures import observatory, queries
from market.figures.observatory import great_circle_km
from market.ledger.accounts import producer_key
from market.ledger.commission import split_line
from market.ledger.statements import account_balance
from market.orders.models import Order, OrderLine
from market.timeutil import to_hub_time, utcnow
from tests import factories
from tests.figures.conftest import FARM, POINT
from tests.helpers import count_queries


def rows_by_period(built, name):
    return {row["period"]: row for row in built.figure(name).rows}


def recomputed(app, cycles):
    """Per month, from the orders themselves: spent, the producers' share, households."""
    rate = app.config["HUB_COMMISSION_BASIS_POINTS"]
    months = defaultdict(lambda: {"spent": 0, "share": 0, "households": set()})
    for order in database.session.scalars(select(Order)):
        if order.is_cancelled:
            continue
        closed = to_hub_time(order.cycle.closes_at)
        month = months[f"{closed.year}-{closed.month:02d}"]
        month["households"].add(order.household_id)
        for line in order.lines:
            month["spent"] += line.amount_cents
            month["share"] += split_line(line.amount_cents, rate)[0]
    return months


def test_the_figures_agree_with_the_orders_and_the_books_to_the_cent(app, history):
    app.config["FIGURES_PRIVACY_THRESHOLD"] = 1
    built = observatory.build(utcnow(), "month")
    spending = rows_by_period(built, "spending")
    expected = recomputed(app, history["cycles"])
    assert set(spending) == set(expected) == {"2026-01", "2026-02", "2026-03"}
    for month, figures in expected.items():
        row = spending[month]
        assert row["spent_cents"] == figures["spent"]
        assert row["producers_share_cents"] == figures["share"]
        assert row["commission_cents"] == figures["spent"] - figures["share"]
        assert row["withheld"] is False
    # The books: every producer's credit and the hub's commission and VAT, all months.
    books = -sum(
        account_balance(key)
        for key in (
            producer_key(history["farm"].id),
            producer_key(history["dairy"].id),
            "hub:commission",
            "hub:vat",
        )
    )
    assert sum(row["spent_cents"] for row in spending.values()) == books
    by_season = observatory.build(utcnow(), "season").figure("spending").rows
    assert [(row["period"], row["spent_cents"]) for row in by_season] == [("2026", books)]
    people = rows_by_period(built, "people")
    assert [
        (people[month]["households"], people[month]["new_households"], people[month]["producers"])
        for month in sorted(people)
    ] == [(6, 6, 2), (6, 0, 2), (1, 1, 1)]
    assert people["2026-02"]["repeat_rate_percent"] == 100.0


def test_the_distance_is_weighted_by_what_was_sold_where_both_places_are_known(app, history):
    app.config.update(FIGURES_PRIVACY_THRESHOLD=1, HUB_REFERENCE_DISTANCE_KM=700)
    built = observatory.build(utcnow(), "month")
    distance = rows_by_period(built, "distance")
    # Only the farm is placed: its distance, whatever it sold.
    assert (
        distance["2026-01"]["average_distance_km"]
        == round(great_circle_km(*FARM, *POINT), 1)
        == 20.0
    )
    assert distance["2026-01"]["reference_distance_km"] == 700
    assert 0 < distance["2026-01"]["located_percent"] < 100
    assert distance["2026-03"]["located_percent"] == 100.0


def test_no_figure_singles_out_one_household(app, client, history):
    lone = history["lone"].household
    built = observatory.build(utcnow(), "month")
    spending = rows_by_period(built, "spending")
    # March rests on one household: withheld; and so is another month of the season, or
    # the season's total less the months shown would give her spending back.
    assert spending["2026-03"]["withheld"] and spending["2026-03"]["spent_cents"] is None
    assert sum(row["withheld"] for row in spending.values()) == 2
    season = observatory.build(utcnow(), "season").figure("spending").rows[0]
    hidden = season["spent_cents"] - sum(row["spent_cents"] or 0 for row in spending.values())
    lone_spent = sum(
        order.total_cents
        for order in database.session.scalars(select(Order).where(Order.household_id == lone.id))
    )
    assert hidden != lone_spent and hidden > lone_spent
    # Her commune and her category are not named: they count among the others, with
    # enough households that the others give nobody away.
    communes = built.figure("communes").rows
    assert lone.town not in {row["key"] for row in communes}
    [others] = [row for row in communes if row["key"] == "Autres, trop peu chacune"]
    assert others["households"] >= 5
    categories = {row["key"] for row in built.figure("categories").rows}
    assert "Miel" not in categories
    # Nor in what the page, the downloads or the charts say.
    for path in (
        "/observatoire",
        "/observatoire?by=season",
        *(
            f"/observatoire/{name}.{kind}"
            for name in ("spending", "people", "distance", "categories", "communes")
            for kind in ("csv", "json", "svg")
        ),
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        text = answer.get_data(as_text=True)
        assert lone.town not in text and "Miel" not in text, path
    page = client.get("/observatoire").text
    assert "trop peu pour être affiché" in page


def test_the_threshold_is_a_setting(app, history):
    app.config["FIGURES_PRIVACY_THRESHOLD"] = 7
    built = observatory.build(utcnow(), "month")
    assert all(row["withheld"] for row in built.figure("spending").rows)


def test_the_observatory_asks_a_fixed_number_of_queries(app, client, history):
    client.get("/observatoire")
    with count_queries(database.engine) as statements:
        assert client.get("/observatoire").status_code == 200
    assert len(statements) <= 10
    with count_queries(database.engine) as statements:
        assert client.get("/observatoire/spending.json").status_code == 200
    assert len(statements) <= 10


def test_downloads_are_open_data_with_their_licence(app, client, history):
    app.config["FIGURES_PRIVACY_THRESHOLD"] = 1
    document = json.loads(client.get("/observatoire/spending.json").data)
    assert "Licence Ouverte" in document["licence"]
    assert document["privacy_threshold_households"] == 1
    assert [row["period"] for row in document["rows"]] == ["2026-01", "2026-02", "2026-03"]
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/observatoire/spending.csv?by=season").get_data(as_text=True))
        )
    )
    assert rows[0]["period"] == "2026" and int(rows[0]["spent_cents"]) == sum(
        row["spent_cents"] for row in document["rows"]
    )
    page = client.get("/observatoire").text
    assert "Licence Ouverte" in page and "/observatoire/spending.csv?by=month" in page


def test_each_chart_is_an_svg_image_with_its_title_and_its_own_policy(app, client, history):
    answer = client.get("/observatoire/spending.svg")
    assert answer.mimetype == "image/svg+xml"
    assert "<title>" in answer.text and "Dépenses auprès des producteurs locaux" in answer.text
    policy = answer.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self'" in policy
    page = client.get("/observatoire")
    assert 'alt="Graphique' in page.text and "<table>" in page.text
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]


def test_in_english(app, client, history):
    page = client.get("/observatoire", headers={"Accept-Language": "en"})
    assert "Money spent with local producers" in page.text
    assert "too few to show" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/observatoire?by=week",
        "/observatoire/spending.csv?by=",
        "/observatoire/people.json?by=year",
    ],
)
def test_a_period_that_is_neither_month_nor_season_is_refused(client, history, path):
    answer = client.get(path)
    assert answer.status_code == 400
    assert "by=month" in answer.get_data(as_text=True)


def test_an_unknown_figure_is_not_found(client, history):
    assert client.get("/observatoire/salaries.csv").status_code == 404


def test_an_observatory_without_closed_cycles_says_so(client, db):
    page = client.get("/observatoire")
    assert page.status_code == 200 and "Aucun cycle n’est encore clos" in page.text
    assert client.get("/observatoire/spending.csv").status_code == 404


def test_categories_and_communes_add_up_to_what_was_spent(app, history):
    app.config["FIGURES_PRIVACY_THRESHOLD"] = 1
    built = observatory.build(utcnow(), "season")
    [season] = built.figure("spending").rows
    for name in ("categories", "communes"):
        assert (
            sum(row["amount_cents"] for row in built.figure(name).rows) == season["spent_cents"]
        ), name


def test_sql_prices_each_line_as_the_order_does(db):
    """Missing units, estimated and real weights, odd prices: rounded half up alike."""
    lines = [
        factories.OrderLineFactory(
            unit_price_cents=price,
            quantity=quantity,
            missing_quantity=missing,
            sold_by_weight=by_weight,
            estimated_weight_grams=estimated,
            real_weight_grams=real,
        )
        for price, quantity, missing, by_weight, estimated, real in [
            (250, 3, 1, False, None, None),
            (333, 3, 0, True, 1501, None),
            (333, 2, 1, True, 1499, None),
            (999, 1, 0, True, 250, 1237),
            (1, 1, 0, True, 500, 500),
            (701, 4, 4, False, None, None),
        ]
    ]
    db.session.flush()
    priced = dict(
        db.session.execute(
            select(OrderLine.id, queries.line_amount_sql()).where(
                OrderLine.id.in_([line.id for line in lines])
            )
        ).all()
    )
    assert {line.id: line.amount_cents for line in lines} == priced
