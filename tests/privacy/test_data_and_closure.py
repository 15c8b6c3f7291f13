"""A household takes its data and asks to close its account; the privacy page says what is
kept, why and for how long, in French and in English."""

import csv
import io
import json

from market.auth.models import Household
from market.extensions import db as _db
from market.ledger import builders
from tests import factories
from tests.conftest import logged_in_client
from tests.helpers import count_queries, outbox
from tests.privacy.conftest import ADDRESS, PERSON


def test_a_household_downloads_everything_the_hub_holds_about_it(app, db, lived):
    response = lived["client"].get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert 'attachment; filename="market-data-' in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["household"]["name"] == PERSON["name"]
    assert data["household"]["second_collector"] == PERSON["second_collector"]
    assert {key: data["household"][key] for key in ADDRESS} == ADDRESS
    [person] = data["people"]
    assert (person["email"], person["phone"], person["role"]) == (
        PERSON["email"],
        PERSON["phone"],
        "household",
    )
    [order] = data["orders"]
    assert order["reference"] == lived["order"].reference
    assert order["collection_point"] == lived["order"].pickup.collection_point.name
    assert order["collected_at"] is not None
    assert sorted(
        (line["product"], line["quantity"], line["amount_cents"]) for line in order["lines"]
    ) == [("Carottes", 2, 500), ("Tomme de brebis", 1, 1200)]
    assert order["total_cents"] == 1700
    [payment] = data["payments"]
    assert (payment["method"], payment["amount_cents"]) == ("cash", 1700)
    kinds = [line["kind"] for line in data["statement"]["lines"]]
    assert kinds == ["order.placed", "payment.received"]
    assert data["statement"]["balance_cents"] == 0
    # The address confirmation, the welcome, the reset link and the order confirmation.
    subjects = [message["subject"] for message in data["emails"]]
    assert len(subjects) == 4 and all(
        message["to"] == PERSON["email"] for message in data["emails"]
    )
    assert [attempt["succeeded"] for attempt in data["login_attempts"]] == [False, True]
    # Nobody else's data.
    assert "famille@example.org" not in response.get_data(as_text=True)
    statement = lived["client"].get("/ledger/statement.csv")
    rows = list(csv.reader(io.StringIO(statement.get_data(as_text=True))))
    assert [row[2] for row in rows[1:]] == kinds


def test_the_download_takes_a_bounded_number_of_queries(app, db, market):
    def queries_for(household_user) -> int:
        client = logged_in_client(app, household_user)
        with count_queries(_db.engine) as statements:
            assert client.get("/account/data.json").status_code == 200
        return len(statements)

    few, many = factories.HouseholdUserFactory(), factories.HouseholdUserFactory()
    for household_user, orders in ((few, 1), (many, 6)):
        for _ in range(orders):
            order = factories.OrderFactory(household_id=household_user.household_id)
            factories.OrderLineFactory(order=order)
            factories.OrderLineFactory(order=order)
            factories.OutboxMessageFactory(recipient=household_user.email)
    db.session.commit()
    assert queries_for(few) == queries_for(many) <= 16


def test_only_a_household_downloads_its_data(app, db, client, coordinator_client):
    assert client.get("/account/data.json").status_code == 302
    assert coordinator_client.get("/account/data.json").status_code == 403


def test_asking_to_close_needs_the_password_and_the_box_ticked(app, db, lived):
    client = lived["client"]
    household_id = lived["user"].household_id
    before = len(outbox(db))
    wrong = client.post("/account/close", data={"password": "not-mine-at-all", "confirm": "y"})
    assert wrong.status_code == 401
    unticked = client.post("/account/close", data={"password": PERSON["password"]})
    assert unticked.status_code == 400
    assert "Cochez la case pour confirmer." in unticked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Household, household_id).closure_requested_at is None
    assert len(outbox(db)) == before

    asked = client.post("/account/close", data={"password": PERSON["password"], "confirm": "y"})
    assert asked.status_code == 302 and asked.location.endswith("/account")
    household = db.session.get(Household, household_id)
    requested_at = household.closure_requested_at
    assert requested_at is not None
    [notice] = outbox(db)[before:]
    assert notice.recipient == app.config["HUB_EMAIL"]
    assert f"H{household_id:05d}" in notice.body and "/privacy/requests" in notice.body
    assert PERSON["name"] not in notice.body and PERSON["email"] not in notice.body

    # Asking again changes nothing and tells the hub once.
    assert "Vous avez demandé la fermeture" in client.get("/account/close").get_data(as_text=True)
    client.post("/account/close", data={"password": PERSON["password"], "confirm": "y"})
    db.session.expire_all()
    assert household.closure_requested_at == requested_at
    assert len(outbox(db)) == before + 1
    assert "demandé le" in client.get("/account").get_data(as_text=True)


def test_the_close_page_says_what_is_still_due(app, db, market):
    household = market["household"]
    factories.OrderLineFactory(
        order=factories.OrderFactory(cycle=market["cycle"], household_id=household.household_id)
    )
    builders.post_order_placed(
        household.household_id,
        "S48-0001",
        [(market["carrots"].product.producer_id, 350, 550)],
        idempotency_key="placed",
    )
    db.session.commit()
    page = logged_in_client(app, household).get("/account/close").get_data(as_text=True)
    assert "Vous devez encore 3,50" in page


def test_the_coordinator_sees_requests_in_a_bounded_number_of_queries(app, db, coordinator_client):
    def ask(count):
        for _ in range(count):
            user = factories.HouseholdUserFactory()
            user.household.closure_requested_at = user.created_at
        db.session.commit()

    ask(1)
    with count_queries(_db.engine) as one:
        assert coordinator_client.get("/privacy/requests").status_code == 200
    ask(5)
    with count_queries(_db.engine) as six:
        page = coordinator_client.get("/privacy/requests")
    assert len(one) == len(six)
    assert page.get_data(as_text=True).count("Je comprends que l’effacement est définitif") == 6


def test_the_privacy_page_in_french_and_english(app, db, client):
    french = client.get("/privacy").get_data(as_text=True)
    assert "<h1>Confidentialité</h1>" in french
    assert "dix ans" in french and "L123-22" in french and "CNIL" in french
    assert "SIREN 732829320" in french
    english = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Privacy</h1>" in english
    assert "ten years" in english and "What we keep, and why" in english
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
