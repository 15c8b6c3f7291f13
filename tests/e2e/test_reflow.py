"""No page of the main journeys scrolls sideways at 320 CSS pixels, nor at 200 % zoom of a
1366×900 screen (683×450 CSS pixels)."""

from datetime import timedelta

import pytest

from market.orders import services as orders
from market.timeutil import utcnow
from tests.e2e.helpers import log_in
from tests.exports.conftest import closed_cycle  # noqa: F401 - the fixture
from tests.factories import (
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerUserFactory,
    ProductFactory,
    UserFactory,
)

NARROW = {"width": 320, "height": 568}
ZOOMED = {"width": 683, "height": 450}
SCREENS = pytest.mark.parametrize("screen", [NARROW, ZOOMED], ids=["320px", "zoom-200"])


def assert_no_sideways_scroll(page, path: str) -> None:
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{path} is {width} px wide"


@SCREENS
def test_a_household_s_pages_reflow(page, db, screen):
    now = utcnow()
    cycle = OrderCycleFactory(name="Semaine 48", opens_at=now - timedelta(days=1), published_at=now)
    offer = OfferFactory(
        cycle=cycle,
        product=ProductFactory(name="Confiture de figues et noix du Pays basque", size="370 g"),
    )
    user = HouseholdUserFactory(email="amaia@example.org")
    order = orders.place(
        user, cycle, now, pickup_id=cycle.pickups[0].id, payment="pickup", items={offer.id: 2}
    )
    db.session.commit()
    page.set_viewport_size(screen)
    log_in(page, "amaia@example.org")
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter Confiture", exact=False).click()
    page.get_by_text("ajouté à votre panier").wait_for()
    for path in (
        "/",
        "/shop",
        "/cart",
        f"/orders/{order.id}",
        "/orders",
        "/ledger/statement",
        "/producers",
    ):
        assert_no_sideways_scroll(page, path)


@SCREENS
def test_the_coordinator_s_pages_reflow(page, db, closed_cycle, screen):  # noqa: F811
    UserFactory(role="coordinator", email="coordination@example.org")
    db.session.commit()
    page.set_viewport_size(screen)
    log_in(page, "coordination@example.org")
    order = closed_cycle["orders"]["martin"]
    for path in (
        "/coordination/cycles",
        f"/coordination/cycles/{order.cycle_id}/lists",
        f"/pickup/{order.pickup_id}",
        f"/pickup/{order.pickup_id}/orders/{order.id}",
    ):
        assert_no_sideways_scroll(page, path)


@SCREENS
def test_a_visitor_s_pages_reflow(page, db, screen):
    OfferFactory(cycle=OrderCycleFactory(opens_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    page.set_viewport_size(screen)
    for path in ("/", "/shop", "/producers", "/login", "/register", "/producers/apply"):
        assert_no_sideways_scroll(page, path)


@SCREENS
def test_a_producer_s_pages_reflow(page, db, screen):
    now = utcnow()
    cycle = OrderCycleFactory(opens_at=now - timedelta(days=1), published_at=now)
    offer = OfferFactory(
        cycle=cycle,
        product=ProductFactory(name="Confiture de figues et noix du Pays basque", size="370 g"),
    )
    producer = offer.product.producer
    ProducerUserFactory(email="ferme@example.org", producer=producer)
    db.session.commit()
    page.set_viewport_size(screen)
    log_in(page, "ferme@example.org")
    manage = f"/producers/{producer.id}/manage"
    for path in (
        "/producer",
        manage,
        f"{manage}/products/{offer.product_id}",
        f"{manage}/cycles",
        f"{manage}/cycles/{cycle.id}",
        f"{manage}/lists",
        "/producer/figures",
        "/producer/invoices",
    ):
        assert_no_sideways_scroll(page, path)
