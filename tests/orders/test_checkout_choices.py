"""Checkout offers only what can succeed, and says why; "repeat" only when there is an order
to repeat."""

import re
from datetime import timedelta

from market.ledger.builders import post_credit_topup
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import OfferFactory, OrderCycleFactory
from tests.orders.test_ordering import add, checkout


def radio(page: str, name: str, value) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', page).group(0)


def test_a_full_point_and_credit_without_credit_are_disabled_and_explained(app, db, market):
    client = logged_in_client(app, market["household"])
    pickup = market["pickup"]
    pickup.collection_point.capacity = 1
    pickup.orders_count = 1
    db.session.commit()
    add(client, market["cheese"], "1")
    page = client.get("/cart").text
    assert "disabled" in radio(page, "pickup", pickup.id)
    assert "Complet pour ce cycle." in page
    assert "disabled" in radio(page, "payment", "credit")
    assert "Vous n’avez pas de crédit." in page and "Votre crédit : 0,00" in page
    assert "disabled" not in radio(page, "payment", "pickup")


def test_credit_that_covers_the_cart_can_be_chosen(app, db, market):
    post_credit_topup(market["household"].household_id, 5000, "cheque", "avance", "topup-1")
    db.session.commit()
    client = logged_in_client(app, market["household"])
    add(client, market["cheese"], "1")
    page = client.get("/cart").text
    assert "Votre crédit : 50,00" in page
    assert "disabled" not in radio(page, "payment", "credit")
    add(client, market["cheese"], "4")
    page = client.get("/cart").text
    assert "disabled" in radio(page, "payment", "credit")
    assert "Votre crédit ne couvre pas cette commande." in page


def test_repeat_is_offered_only_after_an_order_and_says_it_adds(app, db, market):
    client = logged_in_client(app, market["household"])
    assert "Renouveler ma dernière commande" not in client.get("/orders").text
    add(client, market["carrots"], "2")
    checkout(client, market["pickup"])
    # The order is this cycle's: nothing earlier to repeat.
    assert "Renouveler ma dernière commande" not in client.get("/orders").text
    now = utcnow()
    market["cycle"].closes_at = now - timedelta(minutes=1)
    following = OrderCycleFactory(opens_at=now - timedelta(minutes=30), published_at=now)
    OfferFactory(cycle=following, product=market["carrots"].product)
    db.session.commit()
    page = client.get("/orders").text
    assert "Renouveler ma dernière commande" in page and "ajoute" not in page
    client.post("/orders/repeat")
    checkout(client, following.pickups[0], submission="s-2")
    page = client.get("/orders").text
    assert "les ajoute à votre commande" in page
