"""A basket shared by two households: the subscriber invites by email, the invited household
accepts or declines, and from acceptance the deliveries alternate, each generated into one
household's order and charged to it. Each refusal is clear and changes nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.cycles import services as cycles
from market.ledger.verify import verify
from market.orders.checks import verify_orders
from market.orders.models import Order, OrderLine
from market.subscriptions import services as subscriptions
from market.subscriptions.models import BasketShare, Delivery, ShareStatus, Subscription
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import HouseholdUserFactory
from tests.orders.test_double_tap import at_once
from tests.subscriptions.conftest import week_cycle
from tests.subscriptions.test_season import balance


def counts(db) -> tuple:
    sizes = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Subscription, BasketShare, Delivery, Order, OrderLine)
    ]
    statuses = tuple(db.session.scalars(select(BasketShare.status).order_by(BasketShare.id)))
    return (*sizes, statuses, db.session.scalar(select(func.max(Order.household_id))))


def subscribed(db, season):
    subscription = subscriptions.subscribe(
        season["household"].household_id, season["contract"], season["point"].id, utcnow()
    )
    db.session.commit()
    return subscription


def next_cycles(db, season, weeks):
    """Publish `weeks` more weekly cycles (publishing generates) and return them."""
    made = []
    for week in range(1, weeks + 1):
        cycle = week_cycle(
            db,
            season["cycle"].opens_at + timedelta(weeks=week),
            point=season["point"],
            published=False,
            name=f"Semaine {20 + week}",
        )
        db.session.commit()
        cycles.publish(cycle, utcnow(), confirmed=True)
        db.session.commit()
        made.append(cycle)
    return made


def test_an_accepted_share_alternates_deliveries_between_the_two_households(app, db, season):
    subscription = subscribed(db, season)
    host = logged_in_client(app, season["household"])
    answer = host.post(
        f"/subscriptions/{subscription.id}/share", data={"email": " Voisins@Example.org "}
    )
    assert answer.status_code == 302
    guest = logged_in_client(app, season["neighbour"])
    page = guest.get("/contracts").text
    assert "vous invite à partager son panier" in page
    share = db.session.scalar(select(BasketShare))
    # Invited but not accepted: the next delivery is still the subscriber's.
    first = next_cycles(db, season, 1)[0]
    delivery = db.session.scalar(select(Delivery).where(Delivery.cycle_id == first.id))
    assert db.session.get(Order, delivery.order_id).household_id == season["household"].household_id
    assert guest.post(f"/shares/{share.id}/accept").status_code == 302
    db.session.expire_all()
    share = db.session.get(BasketShare, share.id)
    assert share.status == ShareStatus.ACCEPTED
    calendar = subscription.calendar
    assert share.starts_on == calendar[2]  # the first delivery not made yet
    later = next_cycles(db, season, 5)[1:]  # weeks 2 to 5
    db.session.expire_all()
    owners = []
    for cycle in later:
        delivery = db.session.scalar(select(Delivery).where(Delivery.cycle_id == cycle.id))
        assert delivery.status == "delivered"
        owners.append(db.session.get(Order, delivery.order_id).household_id)
    guest_id, host_id = season["neighbour"].household_id, season["household"].household_id
    assert owners == [guest_id, host_id, guest_id, host_id]
    # Each household is charged exactly its own deliveries; the books agree.
    for household_id, baskets in ((guest_id, 2), (host_id, 4)):
        lines = db.session.scalars(
            select(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.household_id == household_id, OrderLine.subscription_id.is_not(None))
        ).all()
        assert sum(line.quantity for line in lines) == baskets
        placed = db.session.scalars(select(Order).where(Order.household_id == household_id))
        assert balance(db, f"household:{household_id}") == sum(o.total_cents for o in placed)
    assert len(db.session.scalars(select(Delivery)).all()) == 6
    page = guest.get("/contracts").text
    assert "Paniers partagés avec moi" in page and "l’autre foyer" in page
    assert "Partagé avec" in host.get("/contracts").text
    assert verify().ok and verify_orders().ok


def test_a_declined_share_changes_no_delivery_and_another_can_be_invited(app, db, season):
    subscription = subscribed(db, season)
    host = logged_in_client(app, season["household"])
    host.post(f"/subscriptions/{subscription.id}/share", data={"email": "voisins@example.org"})
    share = db.session.scalar(select(BasketShare))
    guest = logged_in_client(app, season["neighbour"])
    assert guest.post(f"/shares/{share.id}/decline").status_code == 302
    db.session.expire_all()
    assert db.session.get(BasketShare, share.id).status == ShareStatus.DECLINED
    # Answering again is refused, and accepting after declining changes nothing.
    before = counts(db)
    again = guest.post(f"/shares/{share.id}/accept")
    assert again.status_code == 409
    assert "Cette invitation a déjà reçu une réponse." in again.text
    assert counts(db) == before
    cycle = next_cycles(db, season, 1)[0]
    delivery = db.session.scalar(select(Delivery).where(Delivery.cycle_id == cycle.id))
    assert db.session.get(Order, delivery.order_id).household_id == season["household"].household_id
    third = HouseholdUserFactory(email="amis@example.org")
    db.session.commit()
    answer = host.post(f"/subscriptions/{subscription.id}/share", data={"email": third.email})
    assert answer.status_code == 302


@pytest.mark.parametrize(
    "email, status, message",
    [
        ("", 400, "Saisissez l’adresse e-mail du foyer avec qui partager."),
        ("personne@example.org", 400, "Aucun foyer du réseau n’a de compte avec cette adresse"),
        ("famille@example.org", 400, "Vous ne pouvez pas partager un panier avec votre propre"),
        ("ferme@example.org", 400, "Aucun foyer du réseau n’a de compte avec cette adresse"),
    ],
)
def test_a_share_that_cannot_be_is_refused_and_changes_nothing(
    app, db, season, email, status, message
):
    subscription = subscribed(db, season)
    host = logged_in_client(app, season["household"])
    before = counts(db)
    answer = host.post(f"/subscriptions/{subscription.id}/share", data={"email": email})
    assert answer.status_code == status
    assert message in answer.text
    assert counts(db) == before


def test_sharing_with_a_subscribed_household_twice_or_someone_elses_is_refused(app, db, season):
    subscription = subscribed(db, season)
    mine = subscriptions.subscribe(
        season["neighbour"].household_id, season["contract"], season["point"].id, utcnow()
    )
    third = HouseholdUserFactory(email="amis@example.org")
    fourth = HouseholdUserFactory(email="autres@example.org")
    db.session.commit()
    host = logged_in_client(app, season["household"])
    before = counts(db)
    answer = host.post(
        f"/subscriptions/{subscription.id}/share", data={"email": "voisins@example.org"}
    )
    assert answer.status_code == 409
    assert "Ce foyer a déjà un panier de ce contrat, le sien ou partagé." in answer.text
    assert counts(db) == before
    # Another household's subscription is not found.
    assert (
        host.post(f"/subscriptions/{mine.id}/share", data={"email": third.email}).status_code == 404
    )
    assert counts(db) == before
    # Twice: an invitation is waiting, a second is refused.
    assert (
        host.post(
            f"/subscriptions/{subscription.id}/share", data={"email": third.email}
        ).status_code
        == 302
    )
    before = counts(db)
    twice = host.post(f"/subscriptions/{subscription.id}/share", data={"email": fourth.email})
    assert twice.status_code == 409
    assert "Ce panier est déjà partagé, ou une invitation attend une réponse." in twice.text
    assert counts(db) == before
    share = db.session.scalar(select(BasketShare))
    # Only the invited household answers; the subscriber cannot accept for it.
    assert host.post(f"/shares/{share.id}/accept").status_code == 404
    assert logged_in_client(app, fourth).post(f"/shares/{share.id}/accept").status_code == 404
    assert counts(db) == before
    # The invited household cannot also subscribe while invited.
    guest = logged_in_client(app, third)
    refused = guest.post(
        f"/contracts/{season['contract'].id}/subscribe", data={"point": season["point"].id}
    )
    assert refused.status_code == 409
    assert "Vous partagez un panier de ce contrat" in refused.text
    assert counts(db) == before


@pytest.mark.postgres_only
def test_an_invitation_accepted_six_times_at_once_is_accepted_once(app, db, season):
    subscription = subscribed(db, season)
    share = subscriptions.invite_share(subscription, "voisins@example.org", utcnow())
    db.session.commit()
    url = f"/shares/{share.id}/accept"
    responses = at_once(app, [(season["neighbour"].id, "POST", url, {})] * 6)
    assert sorted(response.status_code for response in responses) == [302] + [409] * 5
    db.session.expire_all()
    assert db.session.get(BasketShare, share.id).status == ShareStatus.ACCEPTED
    assert verify().ok and verify_orders().ok
