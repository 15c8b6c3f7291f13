"""Contracts, subscribing, absences, ending; each refusal changes nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from market.ledger.models import LedgerTransaction
from market.ledger.verify import verify
from market.orders.models import Order, OrderLine
from market.subscriptions import services as subscriptions
from market.subscriptions.errors import NotYourContract, SubscriptionRefused
from market.subscriptions.models import Absence, Contract, Delivery, Subscription
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import CollectionPointFactory, ProducerFactory, ProductFactory


def counts(db) -> tuple:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Subscription, Absence, Delivery, Order, OrderLine, LedgerTransaction)
    )


def test_a_producer_defines_a_contract(db, season):
    farmer = season["farmer"].producer
    contract = subscriptions.create_contract(
        farmer,
        season["basket"],
        name="Œufs tous les quinze jours",
        quantity=6,
        unit_price_cents=40,
        every_cycles=2,
        first_delivery=date(2027, 4, 2),
        last_delivery=date(2027, 5, 14),
        point_ids=[season["point"].id],
        cap=20,
        absences_allowed=1,
    )
    assert contract.price_cents == 240
    assert contract.deliveries == [date(2027, 4, d) for d in (2, 16, 30)] + [date(2027, 5, 14)]
    assert contract.serves(season["point"].id)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name": " "}, "Donnez un nom au contrat."),
        ({"quantity": 0}, "Une livraison compte de 1 à 1000 unités."),
        ({"every_cycles": 3}, "Un contrat livre à chaque cycle ou un cycle sur deux."),
        (
            {"last_delivery": date(2027, 3, 1)},
            "La dernière livraison ne peut pas précéder la première.",
        ),
        ({"cap": 0}, "Un plafond d’abonnés doit être d’au moins 1."),
        ({"point_ids": []}, "Choisissez au moins un point de retrait actif."),
        ({"point_ids": [999_999]}, "Choisissez au moins un point de retrait actif."),
        (
            {"payment_terms": "instalments", "instalments": 13},
            "Une saison se paie en 2 à 12 échéances.",
        ),
        (
            {"payment_terms": "instalments", "instalments": 1},
            "Une saison se paie en 2 à 12 échéances.",
        ),
        (
            {"payment_terms": "instalments", "instalments": 3, "unit_price_cents": 0},
            "Un contrat payé d’avance doit avoir un prix.",
        ),
        ({"payment_terms": "cheques"}, "Choisissez comment le contrat est payé."),
    ],
)
def test_a_contract_that_cannot_be_is_refused(db, season, change, message):
    fields = {
        "name": "Panier",
        "quantity": 1,
        "unit_price_cents": 1500,
        "every_cycles": 1,
        "first_delivery": date(2027, 4, 2),
        "last_delivery": date(2027, 10, 29),
        "point_ids": [season["point"].id],
    } | change
    with pytest.raises(SubscriptionRefused) as refused:
        subscriptions.create_contract(season["farmer"].producer, season["basket"], **fields)
    assert str(refused.value) == message
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 1


def test_another_producers_product_is_refused(db, season):
    with pytest.raises(NotYourContract):
        subscriptions.create_contract(
            ProducerFactory(),
            season["basket"],
            name="Panier",
            quantity=1,
            unit_price_cents=1500,
            every_cycles=1,
            first_delivery=date(2027, 4, 2),
            last_delivery=date(2027, 10, 29),
            point_ids=[season["point"].id],
        )


def test_the_producer_opens_a_contract_from_its_page(app, db, season):
    client = logged_in_client(app, season["farmer"])
    form = {
        "name": "Panier d’été",
        "product": str(season["basket"].id),
        "quantity": "1",
        "unit_price": "15,00",
        "every_cycles": "2",
        "first_delivery": "2027-04-02",
        "last_delivery": "2027-10-29",
        "points": [str(season["point"].id)],
        "cap": "30",
        "absences_allowed": "2",
    }
    assert client.post("/producer/contracts", data=form).status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.name == "Panier d’été"))
    assert (contract.unit_price_cents, contract.every_cycles, contract.cap) == (1500, 2, 30)
    page = client.get("/producer/contracts")
    assert "Panier d’été" in page.text
    refused = client.post("/producer/contracts", data=form | {"unit_price": "quinze"})
    assert refused.status_code == 400
    assert "Saisissez le prix comme un montant" in refused.text
    other = ProductFactory()
    db.session.commit()
    assert (
        client.post("/producer/contracts", data=form | {"product": str(other.id)}).status_code
        == 403
    )
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 2


def test_subscribing_puts_the_delivery_in_the_households_order(app, db, season):
    client = logged_in_client(app, season["household"])
    response = client.post(
        f"/contracts/{season['contract'].id}/subscribe", data={"point": season["point"].id}
    )
    assert response.status_code == 302
    subscription = db.session.scalar(select(Subscription))
    assert subscription.household_id == season["household"].household_id
    assert season["contract"].subscribers == 1
    [delivery] = subscription.deliveries
    assert delivery.status == "delivered"
    order = db.session.get(Order, delivery.order_id)
    [line] = order.lines
    assert (line.product_name, line.quantity, line.unit_price_cents) == (
        "Panier de légumes",
        1,
        1500,
    )
    assert line.from_contract and line.subscription_id == subscription.id
    assert subscription.total_cents == 12 * 1500
    assert len(subscription.calendar) == 12
    page = client.get("/contracts")
    assert page.status_code == 200
    assert "Panier de la saison" in page.text
    assert "180,00" in page.text  # the season's total
    assert verify().ok


def test_each_refusal_is_clear_and_changes_nothing(app, db, season):
    contract, point = season["contract"], season["point"]
    client = logged_in_client(app, season["household"])
    client.post(f"/contracts/{contract.id}/subscribe", data={"point": point.id})
    before = counts(db)

    twice = client.post(f"/contracts/{contract.id}/subscribe", data={"point": point.id})
    assert twice.status_code == 409
    assert "déjà abonné" in twice.text

    neighbour = logged_in_client(app, season["neighbour"])
    elsewhere = CollectionPointFactory()
    db.session.commit()
    not_served = neighbour.post(f"/contracts/{contract.id}/subscribe", data={"point": elsewhere.id})
    assert not_served.status_code == 400
    garbage = neighbour.post(f"/contracts/{contract.id}/subscribe", data={"point": "x"})
    assert garbage.status_code == 400

    contract.cap = 1
    db.session.commit()
    full = neighbour.post(f"/contracts/{contract.id}/subscribe", data={"point": point.id})
    assert full.status_code == 409

    contract.cap = None
    contract.last_delivery = contract.first_delivery
    db.session.commit()
    late = subscriptions.hub_today(utcnow()) + timedelta(days=60)
    with pytest.raises(SubscriptionRefused, match="saison"):
        subscriptions.subscribe(
            season["neighbour"].household_id, contract, point.id, late_now(late)
        )
    db.session.rollback()
    assert counts(db) == before
    assert season["contract"].subscribers == 1


def late_now(day: date):
    from datetime import datetime, time

    from market.timeutil import from_hub_wall_clock

    assert isinstance(day, date) and not isinstance(day, datetime)
    return from_hub_wall_clock(day, time(12))


def test_absences_up_to_the_allowance_are_not_delivered_nor_charged(app, db, season):
    contract = season["contract"]
    client = logged_in_client(app, season["household"])
    client.post(f"/contracts/{contract.id}/subscribe", data={"point": season["point"].id})
    subscription = db.session.scalar(select(Subscription))
    days = subscription.calendar
    for day in days[1:3]:
        answer = client.post(
            f"/subscriptions/{subscription.id}/absences", data={"day": day.isoformat()}
        )
        assert answer.status_code == 302
    before = counts(db)
    too_many = client.post(
        f"/subscriptions/{subscription.id}/absences", data={"day": days[3].isoformat()}
    )
    assert too_many.status_code == 400
    again = client.post(
        f"/subscriptions/{subscription.id}/absences", data={"day": days[1].isoformat()}
    )
    assert again.status_code == 409
    made = client.post(
        f"/subscriptions/{subscription.id}/absences", data={"day": days[0].isoformat()}
    )
    assert made.status_code == 400  # already in this week's order
    not_a_day = client.post(
        f"/subscriptions/{subscription.id}/absences", data={"day": "2027-02-30"}
    )
    assert not_a_day.status_code == 400
    off = client.post(
        f"/subscriptions/{subscription.id}/absences",
        data={"day": (days[4] + timedelta(days=1)).isoformat()},
    )
    assert off.status_code == 400
    assert counts(db) == before
    db.session.expire_all()
    assert subscription.total_cents == 10 * 1500
    # Somebody else's subscription is not found.
    other = logged_in_client(app, season["neighbour"])
    assert other.post(f"/subscriptions/{subscription.id}/end").status_code == 404


def test_ending_stops_deliveries_and_frees_a_place(app, db, season):
    client = logged_in_client(app, season["household"])
    client.post(f"/contracts/{season['contract'].id}/subscribe", data={"point": season["point"].id})
    subscription = db.session.scalar(select(Subscription))
    assert client.post(f"/subscriptions/{subscription.id}/end").status_code == 302
    db.session.expire_all()
    assert subscription.status == "ended"
    assert season["contract"].subscribers == 0
    assert client.post(f"/subscriptions/{subscription.id}/end").status_code == 409
    assert len(subscription.calendar) == 1  # the delivery already in this week's order
