"""The ordering journey issues a bounded number of SQL statements per request, whatever the
size of the cart. The bounds are what each request needs today: a change that adds a
statement must say why here."""

import pytest
from sqlalchemy import select

from market.orders.models import Order
from tests.conftest import BACKEND, logged_in_client
from tests.factories import HouseholdUserFactory, OfferFactory, ProductFactory
from tests.helpers import count_queries

# The user, the open cycle (with its pickups), the offer (with its product), the upsert.
ADD = 4
# The user, the cycle, the items (offers, products, producers), the household's order, its
# credit (whether it can pay from it).
CART = 5
# The user, the cycle, the items, the household's order; emptying the cart; a place at the
# collection point, the order's number, the order, one stock update per product, the lines;
# the household's people, the confirmation email (one insert that ignores it if it is
# already written); the ledger posting: one call of a database function on PostgreSQL
# (the household's account opened with the household), its accounts looked up and the
# transaction appended in six statements on SQLite. SQLite's driver also writes each line
# apart (it cannot return the ids of a batch in order).
CHECKOUT = {"postgresql": 16, "sqlite": 24}
# The user, the order (with its cycle, the cycle's pickups and their points), the lines, the
# payments, what is paid and the household's balance (one query).
ORDER_PAGE = 5


@pytest.fixture
def client_of(app, market):
    return logged_in_client(app, market["household"])


def statements(db, send) -> list[str]:
    with count_queries(db.engine) as sent:
        response = send()
    assert response.status_code in (200, 302), response.text[:500]
    return sent


def add(client, offer_id, json=False):
    headers = {"Accept": "application/json"} if json else {}
    return client.post("/cart/add", data={"offer_id": offer_id, "quantity": "1"}, headers=headers)


def fill_cart(db, client, market, extra):
    """The market's three offers and `extra` more from the same farm, in the cart."""
    farm = market["carrots"].product.producer
    offers = [market["carrots"], market["cheese"], market["cider"]] + [
        OfferFactory(cycle=market["cycle"], product=ProductFactory(producer=farm))
        for _ in range(extra)
    ]
    db.session.commit()
    for offer_id in [offer.id for offer in offers]:
        assert add(client, offer_id).status_code == 302


def place(db, client, market, extra):
    fill_cart(db, client, market, extra)
    form = {"pickup": market["pickup"].id, "payment": "pickup", "submission": "s-1"}
    return statements(db, lambda: client.post("/checkout", data=form))


@pytest.mark.parametrize("json", [False, True])
def test_adding_to_the_cart(client_of, db, market, json):
    add(client_of, market["cheese"].id)
    carrots = market["carrots"].id
    # The script's answer also sums the cart, for the shop's cart bar.
    assert len(statements(db, lambda: add(client_of, carrots, json))) == ADD + json


@pytest.mark.parametrize("extra", [0, 12])
def test_the_cart_page(client_of, db, market, extra):
    fill_cart(db, client_of, market, extra)
    assert len(statements(db, lambda: client_of.get("/cart"))) == CART


@pytest.fixture
def warm(app, db, market):
    """One order already placed: the ledger's head and the hub's and producers' accounts
    exist, as they do on any day but the first."""
    place(db, logged_in_client(app, HouseholdUserFactory()), market, 0)


def test_checkout(client_of, db, market, warm):
    assert len(place(db, client_of, market, 0)) == CHECKOUT[BACKEND]


def test_checkout_grows_only_by_a_stock_update_per_product(app, db, market, warm):
    small = place(db, logged_in_client(app, market["household"]), market, 0)
    large = place(db, logged_in_client(app, HouseholdUserFactory()), market, 12)
    per_line = 1 if BACKEND == "postgresql" else 2
    assert len(large) - len(small) == 12 * per_line


@pytest.mark.parametrize("extra", [0, 12])
def test_the_order_page(client_of, db, market, extra):
    place(db, client_of, market, extra)
    order_id = db.session.scalar(select(Order.id))
    assert len(statements(db, lambda: client_of.get(f"/orders/{order_id}"))) == ORDER_PAGE
