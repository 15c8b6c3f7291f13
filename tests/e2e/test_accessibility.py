"""axe-core on the pages each role reaches, in their empty, filled and error states, at a
phone's 390×844 and a laptop's 1366×900: no WCAG 2.1 A or AA violation."""

from datetime import timedelta

import pytest
from flask import url_for

from market.orders import services as orders
from market.timeutil import utcnow
from tests import factories
from tests.access_matrix import MATRIX, ROLES
from tests.e2e.helpers import DESKTOP, PHONE, assert_accessible, log_in
from tests.exports.conftest import closed_cycle  # noqa: F401 - the fixture
from tests.factories import (
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerUserFactory,
    ProductFactory,
    UserFactory,
)

SCREENS = pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])


def check(page, path: str) -> None:
    page.goto(path)
    assert_accessible(page)


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


@SCREENS
def test_a_visitor_s_pages(page, open_market, screen):
    page.set_viewport_size(screen)
    for path in ("/", "/shop", "/producers", "/login", "/register", "/privacy"):
        check(page, path)
    page.goto("/login")
    page.get_by_role("button", name="Se connecter").click()  # the error state
    assert_accessible(page)


@SCREENS
def test_a_household_s_pages(page, db, open_market, screen):
    page.set_viewport_size(screen)
    log_in(page, "amaia@example.org")
    check(page, "/cart")  # empty
    check(page, "/shop")
    page.get_by_role("button", name="Ajouter Carottes").click()
    page.get_by_text("ajouté à votre panier").wait_for()
    assert_accessible(page)  # the cart bar answering
    check(page, "/cart")  # filled
    page.locator("form.cart-form").evaluate("form => { form.noValidate = true; }")
    page.get_by_role("button", name="Confirmer ma commande").click()
    page.locator("#pickup-error").wait_for()
    assert_accessible(page)  # the error state
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
        check(page, path)


@SCREENS
def test_a_coordinator_s_and_a_volunteer_s_pages(page, db, closed_cycle, screen):  # noqa: F811
    UserFactory(role="coordinator", email="coordination@example.org")
    db.session.commit()
    page.set_viewport_size(screen)
    log_in(page, "coordination@example.org")
    cycle = closed_cycle["cycle"]
    order = closed_cycle["orders"]["martin"]
    pickup = f"/pickup/{order.pickup_id}"
    for path in (
        "/coordination/cycles",
        f"/coordination/cycles/{cycle.id}/settle",
        "/pickup",
        pickup,
        f"{pickup}?q=zzz",
        f"{pickup}/orders/{order.id}",
        f"{pickup}/orders/{order.id}/absent",
    ):
        check(page, path)


@SCREENS
def test_a_producer_s_pages(page, db, screen):
    producer_user = ProducerUserFactory(email="ferme@example.org")
    product = ProductFactory(producer=producer_user.producer, name="Carottes")
    db.session.commit()
    page.set_viewport_size(screen)
    log_in(page, "ferme@example.org")
    manage = f"/producers/{product.producer_id}/manage"
    for path in (manage, f"{manage}/products/{product.id}/active"):
        check(page, path)


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_every_page_a_role_reaches_on_a_phone(request, page, app, db, role_index):
    """Each page the access table lets this role see, as the role sees it at 390×844."""
    role = ROLES[role_index]
    if role != "anonymous":
        user = request.getfixturevalue(f"{role}_user")
        user.email = f"{role}@example.org"
        db.session.commit()
        page.set_viewport_size(PHONE)
        log_in(page, user.email)
    page.set_viewport_size(PHONE)
    checked = []
    for endpoint, (method, arguments, expected) in sorted(MATRIX.items()):
        if method != "GET" or expected[role_index] != "ok":
            continue
        if callable(arguments):
            arguments = arguments(factories)
            db.session.commit()
        with app.test_request_context():
            path = url_for(endpoint, **arguments)
        # Asked first through the page's own cookies: a download would stop the page.
        if "text/html" not in page.request.get(path).headers.get("content-type", ""):
            continue  # a file, a JSON answer
        page.goto(path)
        assert_accessible(page)
        checked.append(endpoint)
    assert len(checked) >= 5
