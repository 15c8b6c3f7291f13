"""The producer's home is its week: the cycles under way with its products, when they close,
and what to bring to each collection point."""

from market.timeutil import utcnow
from tests import factories
from tests.conftest import logged_in_client
from tests.helpers import count_queries


def test_the_producer_lands_on_what_to_bring_this_week(app, db, closed_cycle):
    client = logged_in_client(app, closed_cycle["farmer"])
    farm = closed_cycle["farm"]
    response = client.get("/producer")
    assert response.status_code == 302
    assert response.location.endswith(f"/producers/{farm.id}/manage/week")
    page = client.get(response.location).get_data(True)
    cycle = closed_cycle["cycle"]
    assert cycle.name in page and "Les commandes sont closes" in page
    assert "Potimarron" in page and "Tomme" not in page  # its products, not the dairy's
    assert "Bourg" in page and "Gare" in page
    assert f"/producers/{farm.id}/manage/lists/{cycle.id}" in page


def test_a_settled_cycle_leaves_the_week(app, db, closed_cycle):
    cycle = closed_cycle["cycle"]
    cycle.settled_at = utcnow()
    db.session.commit()
    client = logged_in_client(app, closed_cycle["farmer"])
    page = client.get(f"/producers/{closed_cycle['farm'].id}/manage/week").get_data(True)
    assert cycle.name not in page and "Aucun cycle en cours" in page


def test_the_week_page_reads_a_bounded_number_of_queries(app, db, closed_cycle):
    client = logged_in_client(app, closed_cycle["farmer"])
    url = f"/producers/{closed_cycle['farm'].id}/manage/week"
    client.get(url)
    with count_queries(db.engine) as before:
        client.get(url)
    cycle = closed_cycle["cycle"]
    for number in range(3):
        order = factories.OrderFactory(cycle=cycle, number=100 + number,
                                       reference=f"{cycle.id}-{100 + number}")
        factories.OrderLineFactory(order=order, offer=closed_cycle["carrots"], quantity=2)
    db.session.commit()
    with count_queries(db.engine) as after:
        page = client.get(url).get_data(True)
    assert "6 commandes contiennent vos produits" in page  # 3 placed, 3 added
    assert len(after) == len(before) <= 30


def test_another_producer_s_week_is_refused(app, db, closed_cycle):
    client = logged_in_client(app, closed_cycle["farmer"])
    assert client.get(
        f"/producers/{closed_cycle['dairy'].id}/manage/week").status_code == 403
