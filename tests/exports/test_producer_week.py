"""A producer's home page starts with its week: the next deadline and what to bring."""

from market.orders import services as orders
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import HouseholdUserFactory
from tests.helpers import count_queries


def test_the_home_page_shows_the_producer_s_week(app, db, closed_cycle):
    client = logged_in_client(app, closed_cycle["farmer"])
    page = client.get("/").text
    assert "Votre semaine, Ferme Lafitte" in page
    assert "3\u00a0commandes contiennent vos produits dans « Semaine 48 »." in page
    assert "À apporter, par point de retrait" in page and "Potimarron" in page
    # Another producer's products are not its business.
    assert "Tomme de brebis" not in page


def test_a_household_s_home_has_no_week(app, db, closed_cycle):
    client = logged_in_client(app, closed_cycle["people"]["martin"])
    assert "Votre semaine" not in client.get("/").text


def test_the_week_s_queries_do_not_grow_with_the_orders(app, db, closed_cycle):
    client = logged_in_client(app, closed_cycle["farmer"])
    with count_queries(db.engine) as few:
        client.get("/")
    cycle, carrots = closed_cycle["cycle"], closed_cycle["carrots"]
    cycle.closes_at = utcnow().replace(year=utcnow().year + 1)  # open again to order more
    cycle.closed_early_at = None
    db.session.commit()
    for _ in range(10):
        orders.place(
            HouseholdUserFactory(),
            cycle,
            utcnow(),
            pickup_id=closed_cycle["bourg"].id,
            payment="pickup",
            items={carrots.id: 1},
        )
    db.session.commit()
    with count_queries(db.engine) as many:
        assert "13\u00a0commandes" in client.get("/").text
    assert len(many) == len(few)
