"""axe-core on the pages each role reaches, in their empty, filled and error states, at a
phone's 390×844 and a laptop's 1366×900: no WCAG 2.1 A or AA violation."""

from datetime import timedelta

import pytest
from flask import url_for

from market.orders import services as orders
from market.timeutil import utcnow
from tests import factories
from tests.access_matrix import MATRIX, ROLES
from tests.e2e.helpers import (
    PHONE,
    assert_accessible_on_both_screens,
    assert_error_states_accessible,
    log_in,
)
from tests.exports.conftest import closed_cycle  # noqa: F401 - the fixture
from tests.factories import (
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerUserFactory,
    ProductFactory,
    UserFactory,
)


def check(page, path: str, seen: set[str]) -> None:
    """The page filled, at both sizes, then each of its forms sent empty (its error state)."""
    page.goto(path)
    assert_accessible_on_both_screens(page)
    assert_error_states_accessible(page, path, seen)  # from the page just checked


@pytest.fixture
def open_market(db):
    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 48", opens_at=now - timedelta(days=1), published_at=now - timedelta(days=2)
    )
    offers = [
        OfferFactory(cycle=cycle, product=ProductFactory(name=name, price_cents=price))
        for name, price in [("Carottes", 250), ("Tomme de brebis", 1200)]
    ]
    household = HouseholdUserFactory(email="amaia@example.org")
    db.session.commit()
    return {"cycle": cycle, "offers": offers, "household": household}


def test_a_visitor_s_pages(page, open_market):
    seen: set[str] = set()
    for path in ("/", "/shop", "/producers", "/login", "/register", "/privacy"):
        check(page, path, seen)


def test_a_household_s_pages(page, db, open_market):
    log_in(page, "amaia@example.org")
    seen: set[str] = set()
    check(page, "/cart", seen)  # empty
    check(page, "/shop", seen)
    page.get_by_role("button", name="Ajouter Carottes").click()
    page.get_by_text("ajouté à votre panier").wait_for()
    assert_accessible_on_both_screens(page)  # the cart bar answering
    check(page, "/cart", seen)  # filled, then sent without a pickup: the error state
    order = orders.place(
        open_market["household"],
        open_market["cycle"],
        utcnow(),
        pickup_id=open_market["cycle"].pickups[0].id,
        payment="pickup",
        items={open_market["offers"][1].id: 1},
    )
    db.session.commit()
    for path in (
        f"/orders/{order.id}",
        f"/orders/{order.id}/cancel",
        "/orders",
        "/ledger/statement",
        "/account",
    ):
        check(page, path, seen)


def test_a_coordinator_s_and_a_volunteer_s_pages(page, db, closed_cycle):  # noqa: F811
    UserFactory(role="coordinator", email="coordination@example.org")
    db.session.commit()
    log_in(page, "coordination@example.org")
    cycle = closed_cycle["cycle"]
    order = closed_cycle["orders"]["martin"]
    pickup = f"/pickup/{order.pickup_id}"
    seen: set[str] = set()
    for path in (
        "/coordination",
        "/coordination/cycles",
        f"/coordination/cycles/{cycle.id}/lists",
        f"/coordination/cycles/{cycle.id}/summary",
        f"/coordination/cycles/{cycle.id}/offers",
        f"/coordination/cycles/{cycle.id}/settle",
        "/ledger/",
        "/ledger/movements",
        "/pickup",
        pickup,
        f"{pickup}?q=zzz",
        f"{pickup}/orders/{order.id}",
        f"{pickup}/orders/{order.id}/absent",
        f"/payments/orders/{order.id}/record",
    ):
        check(page, path, seen)


def test_a_producer_s_pages(page, db, open_market):
    offer = open_market["offers"][0]
    producer = offer.product.producer
    ProducerUserFactory(email="ferme@example.org", producer=producer)
    db.session.commit()
    log_in(page, "ferme@example.org")
    manage = f"/producers/{producer.id}/manage"
    seen: set[str] = set()
    for path in (
        "/producer",
        manage,
        f"{manage}/products/{offer.product_id}",
        f"{manage}/products/{offer.product_id}/active",
        f"{manage}/cycles",
        f"{manage}/cycles/{offer.cycle_id}",
        f"{manage}/lists",
    ):
        check(page, path, seen)


def own_pages(app, role: str, user) -> list[str]:
    """A producer's own pages, which the access table names only for someone else's farm."""
    if role != "producer":
        return []
    product = ProductFactory(producer=user.producer, name="Carottes")
    cycle = OrderCycleFactory()
    arguments = {"producer_id": user.producer_id}
    with app.test_request_context():
        return [
            url_for("catalog.manage", **arguments),
            url_for("catalog.edit_profile", **arguments),
            url_for("catalog.new_product", **arguments),
            url_for("catalog.edit_product", product_id=product.id, **arguments),
            url_for("catalog.confirm_archive", product_id=product.id, **arguments),
            url_for("catalog.import_catalogue", **arguments),
            url_for("cycles.producer_cycles", **arguments),
            url_for("cycles.producer_offers", cycle_id=cycle.id, **arguments),
            url_for("exports.producer_lists", **arguments),
            url_for("exports.producer_list_page", cycle_id=cycle.id, **arguments),
        ]


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_every_page_a_role_reaches_in_an_empty_hub(request, page, app, db, role_index):
    """Each page the access table lets this role see, in a hub with nothing in it yet (no
    cycle, no offer, no order, an empty cart), as the role sees it at 390×844 and 1366×900;
    then each of its forms sent empty, and the answer with its errors."""
    role = ROLES[role_index]
    paths = []
    if role != "anonymous":
        user = request.getfixturevalue(f"{role}_user")
        user.email = f"{role}@example.org"
        paths = own_pages(app, role, user)
        db.session.commit()
        log_in(page, user.email)
    page.set_viewport_size(PHONE)
    for endpoint, (method, arguments, expected) in sorted(MATRIX.items()):
        if method != "GET" or expected[role_index] != "ok":
            continue
        if callable(arguments):
            arguments = arguments(factories)
            db.session.commit()
        with app.test_request_context():
            paths.append(url_for(endpoint, **arguments))
    # Asked first through the page's own cookies, once everything named exists: a download
    # would stop the page.
    paths = [
        path
        for path in paths
        if "text/html" in page.request.get(path).headers.get("content-type", "")
    ]
    seen: set[str] = set()
    sent = 0
    for path in paths:
        page.goto(path)
        assert_accessible_on_both_screens(page)
        sent += assert_error_states_accessible(page, path, seen)
    assert len(paths) >= 5
    assert sent >= 1
