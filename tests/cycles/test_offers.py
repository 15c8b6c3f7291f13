"""Producers put products into cycles; caps, prices, carry-over and withdrawal."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.cycles import offers as offering
from market.cycles import services as cycles
from market.cycles.models import Offer
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import (
    OfferFactory,
    OrderCycleFactory,
    ProducerUserFactory,
    ProductFactory,
)


def offer_count(db):
    return db.session.scalar(select(func.count()).select_from(Offer))


@pytest.fixture
def farm(db):
    user = ProducerUserFactory()
    products = [
        ProductFactory(producer=user.producer, name=name, price_cents=price)
        for name, price in [("Carottes", 250), ("Poireaux", 300)]
    ]
    cycle = OrderCycleFactory(published_at=utcnow())
    db.session.commit()
    return user, products, cycle


def offers_url(user, cycle):
    return f"/producers/{user.producer_id}/manage/cycles/{cycle.id}"


def test_a_producer_offers_products_with_price_and_cap(app, db, farm):
    user, (carrots, leeks), cycle = farm
    client = logged_in_client(app, user)
    page = client.get(offers_url(user, cycle)).text
    assert "Carottes" in page
    assert "gardent le prix" in page  # the page says what a price change means
    response = client.post(
        offers_url(user, cycle),
        data={
            f"offer-{carrots.id}-include": "y",
            f"offer-{carrots.id}-cap": "40",
            f"offer-{leeks.id}-include": "y",
            f"offer-{leeks.id}-price": "3,20",
        },
    )
    assert response.status_code == 302
    offers = {o.product_id: o for o in db.session.scalars(select(Offer))}
    assert (offers[carrots.id].price_cents, offers[carrots.id].cap) == (250, 40)
    assert (offers[leeks.id].price_cents, offers[leeks.id].cap) == (320, None)


def test_bad_values_are_named_per_product_and_nothing_is_saved(app, db, farm):
    user, (carrots, leeks), cycle = farm
    client = logged_in_client(app, user)
    response = client.post(
        offers_url(user, cycle),
        data={
            f"offer-{carrots.id}-include": "y",
            f"offer-{carrots.id}-price": "3,5O",
            f"offer-{leeks.id}-include": "y",
            f"offer-{leeks.id}-cap": "-2",
        },
    )
    assert response.status_code == 400
    # Each message says what to do, beside its field.
    assert "« 3,5O » n’est pas un prix : saisissez un montant" in response.text
    assert "« -2 » n’est pas un plafond : saisissez un nombre entier" in response.text
    assert f'aria-describedby="offer-{carrots.id}-price-error"' in response.text
    assert offer_count(db) == 0


def test_a_cap_cannot_go_below_what_is_ordered(db, farm):
    user, (carrots, _), cycle = farm
    offer = OfferFactory(cycle=cycle, product=carrots, cap=10, ordered_quantity=6)
    db.session.commit()
    with pytest.raises(offering.OfferRefused, match="6 déjà commandés"):
        offering.offer_product(user.producer, cycle, carrots, utcnow(), cap=5)
    db.session.rollback()
    offering.offer_product(user.producer, cycle, carrots, utcnow(), cap=6)
    assert offer.cap == 6
    offering.offer_product(user.producer, cycle, carrots, utcnow(), cap=50)
    assert offer.cap == 50


def test_the_database_refuses_a_cap_below_the_ordered_quantity(db, farm):
    from sqlalchemy.exc import IntegrityError

    _, (carrots, _), cycle = farm
    OfferFactory(cycle=cycle, product=carrots, cap=10, ordered_quantity=6)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(Offer.__table__.update().values(cap=3))
    db.session.rollback()


def test_no_offer_in_a_closed_cycle(app, db, farm):
    user, (carrots, _), _ = farm
    closed = OrderCycleFactory(
        opens_at=utcnow() - timedelta(days=5),
        closes_at=utcnow() - timedelta(hours=1),
        published_at=utcnow(),
    )
    closed.pickups[0].starts_at = utcnow() + timedelta(days=1)
    closed.pickups[0].ends_at = utcnow() + timedelta(days=1, hours=2)
    db.session.commit()
    client = logged_in_client(app, user)
    response = client.post(offers_url(user, closed), data={f"offer-{carrots.id}-include": "y"})
    assert response.status_code == 400
    assert "est clos" in response.text
    assert offer_count(db) == 0


def test_a_producer_cannot_offer_another_producers_product(app, db, farm):
    user, _, cycle = farm
    stranger = ProductFactory(name="Miel d'un autre")
    db.session.commit()
    with pytest.raises(offering.NotYourProduct):
        offering.offer_product(user.producer, cycle, stranger, utcnow())
    # Through the page, another producer's product id in the form is simply not there.
    client = logged_in_client(app, user)
    client.post(offers_url(user, cycle), data={f"offer-{stranger.id}-include": "y"})
    assert offer_count(db) == 0
    other_farm = f"/producers/{stranger.producer_id}/manage/cycles/{cycle.id}"
    assert client.post(other_farm, data={f"offer-{stranger.id}-include": "y"}).status_code == 403
    assert offer_count(db) == 0


def test_an_ordered_offer_cannot_be_removed_by_unticking(app, db, farm):
    user, (carrots, _), cycle = farm
    OfferFactory(cycle=cycle, product=carrots, ordered_quantity=2)
    db.session.commit()
    client = logged_in_client(app, user)
    response = client.post(offers_url(user, cycle), data={})
    assert response.status_code == 400
    assert "a déjà été commandé" in response.text
    assert offer_count(db) == 1


def test_next_week_carries_offers_over_for_confirmation(app, db, farm):
    user, (carrots, leeks), cycle = farm
    OfferFactory(cycle=cycle, product=carrots, price_cents=260, cap=30, ordered_quantity=12)
    OfferFactory(cycle=cycle, product=leeks, withdrawn_at=utcnow(), withdrawal_reason="gel")
    following = cycles.prepare_next_week()
    db.session.commit()
    [carried] = db.session.scalars(select(Offer).where(Offer.cycle_id == following.id)).all()
    assert (carried.product_id, carried.price_cents, carried.cap) == (carrots.id, 260, 30)
    assert carried.ordered_quantity == 0
    assert carried.confirmed is False
    client = logged_in_client(app, user)
    assert "à confirmer" in client.get(offers_url(user, following)).text
    client.post(
        offers_url(user, following),
        data={
            f"offer-{carrots.id}-include": "y",
            f"offer-{carrots.id}-price": "2,60",
            f"offer-{carrots.id}-cap": "25",
        },
    )
    assert carried.confirmed is True
    assert carried.cap == 25


def test_a_product_can_be_offered_in_two_overlapping_cycles(db, farm):
    user, (carrots, _), cycle = farm
    following = OrderCycleFactory(opens_at=cycle.closes_at - timedelta(days=1))
    offering.offer_product(user.producer, cycle, carrots, utcnow())
    offering.offer_product(user.producer, following, carrots, utcnow(), price_cents=270)
    assert offer_count(db) == 2


def test_the_coordinator_withdraws_an_offer_with_a_reason(coordinator_client, db):
    offer = OfferFactory()
    db.session.commit()
    page = coordinator_client.get(f"/coordination/cycles/{offer.cycle_id}/offers").text
    assert offer.product.name in page
    refused = coordinator_client.post(
        f"/coordination/offers/{offer.id}/withdraw", data={"reason": ""}, follow_redirects=True
    )
    assert "Indiquez la raison" in refused.text
    assert offer.withdrawn_at is None
    coordinator_client.post(
        f"/coordination/offers/{offer.id}/withdraw", data={"reason": "Grêle sur les fraises"}
    )
    assert offer.withdrawal_reason == "Grêle sur les fraises"
    assert offer.on_sale is False


def test_the_producer_page_says_where_their_products_are_collected(client, db, farm):
    user, (carrots, _), cycle = farm
    OfferFactory(cycle=cycle, product=carrots)
    db.session.commit()
    page = client.get(f"/producers/{user.producer_id}").text
    assert "Où retirer leurs produits" in page
    assert cycle.pickups[0].collection_point.name in page


def test_withdrawing_an_ordered_offer_adjusts_the_orders_and_tells_the_households(
    coordinator_client, db, farm
):
    from market.ledger.verify import verify
    from market.orders import services as orders
    from tests.factories import HouseholdUserFactory
    from tests.helpers import outbox

    _, (carrots, leeks), cycle = farm
    cycle.opens_at = utcnow() - timedelta(hours=1)
    carrot_offer = OfferFactory(cycle=cycle, product=carrots)
    leek_offer = OfferFactory(cycle=cycle, product=leeks)
    first, second = HouseholdUserFactory(), HouseholdUserFactory()
    db.session.commit()
    pickup = cycle.pickups[0].id
    both = orders.place(
        first,
        cycle,
        utcnow(),
        items={carrot_offer.id: 2, leek_offer.id: 1},
        pickup_id=pickup,
        payment="pickup",
    )
    only = orders.place(
        second, cycle, utcnow(), items={carrot_offer.id: 1}, pickup_id=pickup, payment="pickup"
    )
    db.session.commit()
    coordinator_client.post(
        f"/coordination/offers/{carrot_offer.id}/withdraw",
        data={"reason": "Grêle sur les carottes"},
    )
    assert [line.product_name for line in both.lines] == ["Poireaux"]
    assert only.is_cancelled
    assert carrot_offer.ordered_quantity == 0
    told = {m.recipient: m.body for m in outbox(db) if "retiré" in m.subject}
    assert set(told) == {first.email, second.email}
    assert "Grêle sur les carottes" in told[first.email]
    assert verify().ok
