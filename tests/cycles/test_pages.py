"""Coordinator pages for collection points and cycles; the cycle on the home page and shop."""

from datetime import timedelta

from sqlalchemy import func, select

from market.cycles.models import CollectionPoint, CycleState, OrderCycle
from market.timeutil import to_hub_time, utcnow
from tests.factories import CollectionPointFactory, OrderCycleFactory
from tests.helpers import count_queries

POINT = {
    "name": "Salle des fêtes",
    "address": "Place de la Mairie",
    "postcode": "40440",
    "town": "Ondres",
    "capacity": "60",
    "active": "y",
}


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_coordinator_adds_and_edits_a_collection_point(coordinator_client, db):
    response = coordinator_client.post("/coordination/collection-points/new", data=POINT)
    assert response.status_code == 302
    point = db.session.scalar(select(CollectionPoint))
    assert (point.town, point.capacity, point.active) == ("Ondres", 60, True)
    coordinator_client.post(
        f"/coordination/collection-points/{point.id}", data={**POINT, "capacity": "", "active": ""}
    )
    assert point.capacity is None
    assert point.active is False


def test_a_collection_point_with_bad_fields_is_refused(coordinator_client, db):
    response = coordinator_client.post(
        "/coordination/collection-points/new", data={**POINT, "postcode": "4044", "capacity": "0"}
    )
    assert response.status_code == 400
    assert "cinq chiffres" in response.text
    assert count(db, CollectionPoint) == 0


def cycle_form(point, opens="2026-12-03T18:00", closes="2026-12-07T23:59", day="2026-12-11"):
    return {
        "name": "Semaine 50",
        "opens_at": opens,
        "closes_at": closes,
        "note": "",
        "pickups-0-point_id": str(point.id),
        "pickups-0-include": "y",
        "pickups-0-day": day,
        "pickups-0-starts": "16:30",
        "pickups-0-ends": "19:00",
    }


def test_a_coordinator_creates_a_cycle_in_the_hub_time_zone(coordinator_client, db):
    point = CollectionPointFactory()
    db.session.commit()
    response = coordinator_client.post("/coordination/cycles/new", data=cycle_form(point))
    assert response.status_code == 302
    cycle = db.session.scalar(select(OrderCycle))
    assert to_hub_time(cycle.opens_at).strftime("%d/%m %H:%M") == "03/12 18:00"
    assert cycle.opens_at.utcoffset() == timedelta(0)
    assert cycle.opens_at.hour == 17  # 18:00 in Paris in winter is 17:00 UTC
    assert to_hub_time(cycle.pickups[0].starts_at).strftime("%H:%M") == "16:30"


def test_an_invalid_cycle_is_refused_with_a_precise_message(coordinator_client, db):
    point = CollectionPointFactory()
    db.session.commit()
    response = coordinator_client.post(
        "/coordination/cycles/new", data=cycle_form(point, closes="2026-12-12T12:00")
    )
    assert response.status_code == 400
    assert "doit avoir lieu après la clôture" in response.text
    assert count(db, OrderCycle) == 0
    no_point = {k: v for k, v in cycle_form(point).items() if k != "pickups-0-include"}
    response = coordinator_client.post("/coordination/cycles/new", data=no_point)
    assert "au moins un point de retrait" in response.text
    response = coordinator_client.post(
        "/coordination/cycles/new", data={**cycle_form(point), "opens_at": "demain"}
    )
    assert response.status_code == 400
    assert count(db, OrderCycle) == 0


def test_publish_close_extend_settle_from_the_list(coordinator_client, db):
    now = utcnow()
    cycle = OrderCycleFactory(opens_at=now - timedelta(hours=1))
    db.session.commit()
    coordinator_client.post(f"/coordination/cycles/{cycle.id}/publish")
    assert cycle.state(utcnow()) == CycleState.OPEN
    coordinator_client.post(f"/coordination/cycles/{cycle.id}/close")
    assert cycle.state(utcnow()) == CycleState.CLOSED
    new_close = to_hub_time(now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    coordinator_client.post(
        f"/coordination/cycles/{cycle.id}/extend", data={"closes_at": new_close}
    )
    assert cycle.state(utcnow()) == CycleState.OPEN
    response = coordinator_client.post(
        f"/coordination/cycles/{cycle.id}/settle", follow_redirects=True
    )
    assert "pas possible" in response.text
    assert cycle.settled_at is None


def test_prepare_next_week_from_the_page(coordinator_client, db):
    OrderCycleFactory()
    db.session.commit()
    response = coordinator_client.post("/coordination/cycles/prepare-next")
    assert response.status_code == 302
    assert count(db, OrderCycle) == 2


def test_the_cycle_list_issues_a_bounded_number_of_queries(app, coordinator_client, db):
    def queries_for(cycle_count):
        for _ in range(cycle_count):
            OrderCycleFactory()
        db.session.commit()
        with count_queries(db.engine) as statements:
            assert coordinator_client.get("/coordination/cycles").status_code == 200
        return len(statements)

    assert queries_for(2) == queries_for(20)


def test_home_and_shop_show_the_open_cycle_and_its_pickups(client, db):
    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 48", opens_at=now - timedelta(days=1), published_at=now - timedelta(days=2)
    )
    cycle.pickups[0].collection_point.name = "Espace Jean Bertin"
    db.session.commit()
    for page in (client.get("/").text, client.get("/shop").text):
        assert "Semaine 48" in page
        assert "Espace Jean Bertin" in page
        assert "ommandez jusqu" in page  # the shop says it in one line


def test_home_announces_when_the_next_cycle_opens(client, db):
    OrderCycleFactory(name="Semaine 49", published_at=utcnow())
    db.session.commit()
    page = client.get("/").text
    assert "Semaine 49" in page
    assert "Ouverture des commandes" in page


def test_cli_lists_and_prepares_cycles(app, db):
    OrderCycleFactory(name="Semaine 48")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cycles", "next"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["cycles", "list"]).output.splitlines()
    assert listing[0] == "id\tname\tstate\topens\tcloses"
    assert [line.split("\t")[1:3] for line in listing[1:]] == [
        ["Semaine 48", "draft"],
        [listing[2].split("\t")[1], "draft"],
    ]
    assert listing[2].split("\t")[1].startswith("Semaine ")
