"""Households order: cart, checkout, one order per cycle, changes, cancellation, ledger."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.cycles.models import Offer
from market.ledger.models import LedgerTransaction
from market.ledger.verify import verify
from market.money import format_cents
from market.orders.models import CartItem, Order
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.helpers import outbox


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def client_of(app, market):
    return logged_in_client(app, market["household"])


def add(client, offer, quantity="1"):
    return client.post("/cart/add", data={"offer_id": offer.id, "quantity": quantity})


def checkout(client, pickup, payment="pickup", submission="s-1"):
    return client.post(
        "/checkout", data={"pickup": pickup.id, "payment": payment, "submission": submission}
    )


def the_order(db):
    return db.session.scalar(select(Order))


def test_a_household_orders_and_is_told(client_of, db, market):
    add(client_of, market["carrots"], "3")
    add(client_of, market["cheese"], "1")
    response = checkout(client_of, market["pickup"])
    assert response.status_code == 302
    order = the_order(db)
    assert order.reference == f"{market['cycle'].id}-001"
    assert [(line.product_name, line.quantity, line.unit_price_cents) for line in order.lines] == [
        ("Carottes", 3, 250),
        ("Tomme de brebis", 1, 1200),
    ]
    assert db.session.get(Offer, market["carrots"].id).ordered_quantity == 3
    assert count(db, CartItem) == 0
    confirmation = outbox(db)[-1]
    assert order.reference in confirmation.subject
    assert "3 × Carottes" in confirmation.body
    assert "19,50" in confirmation.body
    assert market["pickup"].collection_point.name in confirmation.body
    page = client_of.get(f"/orders/{order.id}").text
    assert "19,50" in page


def test_placing_posts_to_the_ledger_once(client_of, db, market):
    add(client_of, market["carrots"], "2")
    checkout(client_of, market["pickup"])
    checkout(client_of, market["pickup"])  # the same form sent twice
    assert count(db, LedgerTransaction) == 1
    assert verify().ok


def test_ordering_again_adds_to_the_same_order(client_of, db, market):
    add(client_of, market["carrots"], "2")
    checkout(client_of, market["pickup"], submission="a")
    add(client_of, market["carrots"], "1")
    add(client_of, market["cider"], "1")
    checkout(client_of, market["pickup"], submission="b")
    assert count(db, Order) == 1
    quantities = {line.product_name: line.quantity for line in the_order(db).lines}
    assert quantities == {"Carottes": 3, "Cidre": 1}
    assert count(db, LedgerTransaction) == 2


def test_lines_keep_the_price_at_which_they_were_ordered(client_of, db, market):
    add(client_of, market["carrots"], "2")
    checkout(client_of, market["pickup"])
    market["carrots"].price_cents = 400
    db.session.commit()
    assert the_order(db).lines[0].unit_price_cents == 250


def test_change_quantities_and_cancel_until_close(client_of, db, market):
    add(client_of, market["carrots"], "4")
    add(client_of, market["cheese"], "1")
    checkout(client_of, market["pickup"])
    order = the_order(db)
    response = client_of.post(
        f"/orders/{order.id}/change",
        data={
            f"quantity-{market['carrots'].id}": "1",
            f"quantity-{market['cheese'].id}": "0",
            "pickup": market["pickup"].id,
            "submission": "c",
        },
    )
    assert response.status_code == 302
    assert [(line.product_name, line.quantity) for line in order.lines] == [("Carottes", 1)]
    assert db.session.get(Offer, market["carrots"].id).ordered_quantity == 1
    client_of.post(f"/orders/{order.id}/cancel")
    assert order.is_cancelled
    assert db.session.get(Offer, market["carrots"].id).ordered_quantity == 0
    assert market["pickup"].orders_count == 0
    assert count(db, LedgerTransaction) == 3
    assert verify().ok


def test_after_close_the_order_is_read_only(client_of, db, market):
    add(client_of, market["carrots"], "2")
    checkout(client_of, market["pickup"])
    order = the_order(db)
    market["cycle"].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client_of.get(f"/orders/{order.id}").text
    assert "ne peut plus être modifiée" in page
    response = client_of.post(
        f"/orders/{order.id}/change",
        data={f"quantity-{market['carrots'].id}": "5", "pickup": market["pickup"].id},
    )
    assert response.status_code == 409
    assert order.lines[0].quantity == 2
    assert client_of.post(f"/orders/{order.id}/cancel").status_code == 409
    assert not order.is_cancelled


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "n’est pas une quantité"),
        ("0", "n’est pas une quantité"),
        ("1.5", "n’est pas une quantité"),
        ("100000", "n’est pas une quantité"),
        ("deux", "n’est pas une quantité"),
    ],
)
def test_bad_quantities_are_refused(client_of, db, market, quantity, message):
    response = add(client_of, market["carrots"], quantity)
    assert response.status_code == 400
    assert message in response.text
    assert count(db, CartItem) == 0


def test_an_offer_of_another_cycle_is_refused(client_of, db, market):
    from tests.factories import OfferFactory

    elsewhere = OfferFactory()
    db.session.commit()
    response = add(client_of, elsewhere)
    assert response.status_code == 400
    assert count(db, CartItem) == 0


def test_a_collection_point_not_in_the_cycle_is_refused(client_of, db, market):
    from tests.factories import CyclePickupFactory

    other = CyclePickupFactory()
    db.session.commit()
    add(client_of, market["carrots"], "1")
    response = checkout(client_of, other)
    assert response.status_code == 400
    assert "Choisissez un des points de retrait" in response.text
    assert count(db, Order) == 0


def test_someone_elses_order_is_not_found(app, client_of, db, market):
    from tests.factories import HouseholdUserFactory

    add(client_of, market["carrots"], "1")
    checkout(client_of, market["pickup"])
    order = the_order(db)
    stranger = logged_in_client(app, HouseholdUserFactory())
    db.session.commit()
    assert stranger.get(f"/orders/{order.id}").status_code == 404
    response = stranger.post(f"/orders/{order.id}/cancel")
    assert response.status_code == 404
    assert not order.is_cancelled


def test_a_tampered_price_field_is_ignored(client_of, db, market):
    client_of.post(
        "/cart/add",
        data={
            "offer_id": market["carrots"].id,
            "quantity": "1",
            "price": "1",
            "unit_price_cents": "1",
        },
    )
    client_of.post(
        "/checkout",
        data={"pickup": market["pickup"].id, "payment": "pickup", "submission": "x", "price": "1"},
    )
    assert the_order(db).lines[0].unit_price_cents == 250


def test_sold_out_is_refused_and_nothing_partial_is_saved(client_of, db, market):
    market["carrots"].ordered_quantity = 9
    db.session.commit()
    add(client_of, market["cheese"], "1")
    add(client_of, market["carrots"], "2")
    response = checkout(client_of, market["pickup"])
    assert response.status_code == 409
    assert "Épuisé, ou pas assez en stock : Carottes" in response.text
    assert count(db, Order) == 0
    assert db.session.get(Offer, market["cheese"].id).ordered_quantity == 0
    assert db.session.get(Offer, market["carrots"].id).ordered_quantity == 9
    assert count(db, LedgerTransaction) == 0


def test_a_full_collection_point_is_refused(client_of, db, market):
    point = market["pickup"].collection_point
    point.capacity = 1
    market["pickup"].orders_count = 1
    db.session.commit()
    add(client_of, market["carrots"], "1")
    response = checkout(client_of, market["pickup"])
    assert response.status_code == 409
    assert "complet" in response.text
    assert count(db, Order) == 0


def test_paying_from_credit_needs_enough_credit(client_of, db, market):
    add(client_of, market["cheese"], "1")
    response = checkout(client_of, market["pickup"], payment="credit")
    assert response.status_code == 400
    assert "ne couvre pas" in response.text
    assert count(db, Order) == 0


def test_a_visitor_keeps_what_they_chose_through_log_in(app, db, market):
    from tests.factories import PASSWORD

    visitor = app.test_client()
    response = add(visitor, market["carrots"], "2")
    assert response.status_code == 302
    assert "/login" in response.location
    visitor.post("/login", data={"email": "famille@example.org", "password": PASSWORD})
    items = db.session.scalars(select(CartItem)).all()
    assert [(item.offer_id, item.quantity) for item in items] == [(market["carrots"].id, 2)]


def script_add(client, offer, quantity="1"):
    """What the shop's script sends: the same form, asking for JSON."""
    return client.post(
        "/cart/add",
        data={"offer_id": offer.id, "quantity": quantity},
        headers={"Accept": "application/json"},
    )


def test_the_shop_script_adds_in_place_and_is_told_the_cart_units_and_total(client_of, db, market):
    script_add(client_of, market["cheese"])
    response = script_add(client_of, market["carrots"], "2")
    assert response.status_code == 200
    total = market["cheese"].price_cents + 2 * market["carrots"].price_cents
    assert response.json == {
        "message": "« Carottes » × 2 ajouté à votre panier.",
        "units": "3 articles",
        "total": format_cents(total),
        "location": None,
    }
    items = db.session.scalars(select(CartItem).order_by(CartItem.offer_id)).all()
    assert [(item.offer_id, item.quantity) for item in items] == [
        (market["carrots"].id, 2),
        (market["cheese"].id, 1),
    ]
    # The bar counts units: the same product again is one more.
    assert script_add(client_of, market["carrots"]).json["units"] == "4 articles"


def test_the_shop_script_is_told_why_an_add_is_refused(client_of, db, market):
    response = script_add(client_of, market["carrots"], "0")
    assert response.status_code == 400
    assert "n’est pas une quantité" in response.json["message"]
    assert (response.json["units"], response.json["total"]) == ("0 article", format_cents(0))
    assert count(db, CartItem) == 0


def test_the_shop_script_sends_a_visitor_to_log_in(app, db, market):
    visitor = app.test_client()
    response = script_add(visitor, market["carrots"], "2")
    assert response.status_code == 200
    assert response.json["location"].startswith("/login")
    assert "vous est gardé" in visitor.get(response.json["location"]).text


def test_a_cart_line_holds_at_most_99(client_of, db, market):
    add(client_of, market["cheese"], "60")
    add(client_of, market["cheese"], "60")
    assert db.session.scalar(select(CartItem.quantity)) == 99


def test_cart_quantities_change_in_place(client_of, db, market):
    add(client_of, market["carrots"], "1")
    add(client_of, market["cheese"], "1")
    client_of.post(
        "/cart/update",
        data={f"quantity-{market['carrots'].id}": "4", f"quantity-{market['cheese'].id}": "0"},
    )
    items = db.session.scalars(select(CartItem)).all()
    assert [(item.offer_id, item.quantity) for item in items] == [(market["carrots"].id, 4)]


def test_confirming_orders_the_quantities_typed_in_the_cart(client_of, db, market):
    add(client_of, market["carrots"], "1")
    add(client_of, market["cheese"], "1")
    response = client_of.post(
        "/checkout",
        data={
            f"quantity-{market['carrots'].id}": "3",
            f"quantity-{market['cheese'].id}": "0",
            "pickup": market["pickup"].id,
            "payment": "pickup",
            "submission": "s-1",
        },
    )
    assert response.status_code == 302
    assert [(line.product_name, line.quantity) for line in the_order(db).lines] == [("Carottes", 3)]


def test_a_refused_confirmation_keeps_the_typed_quantities_on_screen(client_of, db, market):
    add(client_of, market["carrots"], "1")
    field = f"quantity-{market['carrots'].id}"
    response = client_of.post("/checkout", data={field: "3", "payment": "pickup"})
    assert response.status_code == 400
    assert f'name="{field}" value="3"' in response.text
    assert db.session.scalar(select(CartItem.quantity)) == 1  # nothing changed
    response = client_of.post(
        "/checkout", data={field: "trois", "pickup": market["pickup"].id, "payment": "pickup"}
    )
    assert response.status_code == 400
    assert "« trois » n’est pas une quantité" in response.text
    assert f'name="{field}" value="trois"' in response.text
    assert count(db, Order) == 0


def test_repeat_the_last_order_says_what_is_missing(client_of, db, market):
    from tests.factories import OfferFactory, OrderCycleFactory

    add(client_of, market["carrots"], "2")
    add(client_of, market["cider"], "1")
    checkout(client_of, market["pickup"])
    # Next week: only carrots are on sale again.
    now = utcnow()
    market["cycle"].closes_at = now - timedelta(minutes=1)
    following = OrderCycleFactory(opens_at=now - timedelta(minutes=30), published_at=now)
    OfferFactory(cycle=following, product=market["carrots"].product)
    db.session.commit()
    response = client_of.post("/orders/repeat", follow_redirects=True)
    assert "Cidre" in response.text
    items = db.session.scalars(select(CartItem)).all()
    assert [item.quantity for item in items] == [2]


def test_the_shop_filters_and_says_sold_out(client, db, market):
    market["carrots"].ordered_quantity = 10
    db.session.commit()
    page = client.get("/shop").text
    assert "Épuisé" in page
    assert "Tomme de brebis" in page
    only_cider = client.get("/shop?q=cid").text
    assert "Cidre" in only_cider and "Tomme de brebis" not in only_cider
    dairy = market["cheese"].product.producer_id
    assert "Carottes" not in client.get(f"/shop?producer={dairy}").text


def test_the_shop_issues_the_same_queries_for_20_and_500_offers(app, client, db, open_cycle):
    from tests.factories import OfferFactory, ProducerFactory, ProductFactory
    from tests.helpers import count_queries

    farms = [ProducerFactory() for _ in range(5)]

    def queries_with(total):
        while db.session.scalar(select(func.count()).select_from(Offer)) < total:
            OfferFactory(cycle=open_cycle, product=ProductFactory(producer=farms[total % 5]))
        db.session.commit()
        with count_queries(db.engine) as statements:
            page = client.get("/shop")
        assert page.status_code == 200
        return len(statements)

    assert queries_with(20) == queries_with(500)
