"""A producer's figures: its own sales only, agreeing with its lines and the books."""

from sqlalchemy import select

from market.extensions import db as database
from market.figures import producer as producer_figures
from market.ledger.accounts import producer_key
from market.ledger.commission import split_line
from market.ledger.statements import account_balance
from market.orders.models import OrderLine
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import ProducerUserFactory
from tests.helpers import count_queries


def test_a_producers_figures_agree_with_its_lines_and_the_books(app, history):
    farm = history["farm"]
    figures = producer_figures.build(farm.id, utcnow())
    rate = app.config["HUB_COMMISSION_BASIS_POINTS"]
    lines = [
        line
        for line in database.session.scalars(
            select(OrderLine).where(OrderLine.producer_id == farm.id)
        )
    ]
    assert figures.season == "2026"
    assert figures.sold_cents == sum(line.amount_cents for line in lines)
    assert figures.share_cents == sum(split_line(line.amount_cents, rate)[0] for line in lines)
    assert figures.owed_cents == -account_balance(producer_key(farm.id)) == figures.share_cents
    assert figures.paid_out_cents == 0
    assert [row["period"] for row in figures.sales.rows] == ["Mois 1", "Mois 2", "Mois 3"]
    assert 9 < figures.commission_percent < 11
    names = [name for name, _quantity, _amount in figures.products]
    assert sorted(names) == ["Carottes", "Miel de bruyère", "Potimarron"]
    assert figures.best[0][0] == names[0] and figures.least[-1:] != figures.best[:1]


def test_the_producers_page_shows_only_its_own_in_bounded_queries(app, db, history):
    client = logged_in_client(app, ProducerUserFactory(producer=history["dairy"]))
    client.get("/producer/figures")
    with count_queries(database.engine) as statements:
        page = client.get("/producer/figures")
    assert page.status_code == 200
    assert len(statements) <= 14
    assert "Tomme" in page.text and "Carottes" not in page.text
    chart = client.get("/producer/figures/sales.svg?season=2026")
    assert chart.mimetype == "image/svg+xml" and "Mois 2" in chart.text


def test_a_season_that_is_not_a_year_is_refused(app, db, history):
    client = logged_in_client(app, ProducerUserFactory(producer=history["farm"]))
    for season in ("26", "２０２６", "2026-01", ""):
        answer = client.get("/producer/figures", query_string={"season": season})
        assert answer.status_code == 400 and "2026" in answer.text
    assert "Rien" in client.get("/producer/figures?season=2019").text
