"""A household on a 390×844 phone: every add is answered where the thumb is, and the cart
orders exactly what it shows."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from market.orders.models import Order
from market.timeutil import utcnow
from tests.e2e.helpers import log_in
from tests.factories import HouseholdUserFactory, OfferFactory, OrderCycleFactory, ProductFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shop(db):
    """An open cycle with enough products that the last ones are far below the first
    screen, and a household."""
    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 48", opens_at=now - timedelta(days=1), published_at=now - timedelta(days=2)
    )
    cycle.pickups[0].collection_point.name = "Salle des fêtes d’Ondres"
    offers = [
        OfferFactory(
            cycle=cycle, product=ProductFactory(name=f"Confiture n° {number:02d}", price_cents=450)
        )
        for number in range(12)
    ]
    offers.append(
        OfferFactory(cycle=cycle, product=ProductFactory(name="Tomme de brebis", price_cents=1200))
    )
    HouseholdUserFactory(email="amaia@example.org", name="Famille Iriart")
    db.session.commit()
    return {"cycle": cycle, "offers": offers, "cheese": offers[-1]}


def in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """selector => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight;
    }""",
        selector,
    )


def test_the_cart_bar_answers_each_add_in_place_and_counts_units(page, shop):
    page.set_viewport_size(PHONE)
    log_in(page, "amaia@example.org")
    page.goto("/shop")
    cheese = shop["cheese"]
    page.locator(f"#quantity-{cheese.id}").fill("2")
    page.get_by_role("button", name="Ajouter Tomme de brebis").click()
    bar = page.locator(".cart-bar")
    expect(bar).to_contain_text("« Tomme de brebis » × 2 ajouté à votre panier.")
    expect(page.get_by_role("link", name="Mon panier 2 articles · 24,00 €")).to_be_visible()
    assert in_viewport(page, ".cart-bar")
    assert in_viewport(page, f"#offer-{cheese.id}")  # the page did not jump
    page.get_by_role("button", name="Ajouter Confiture n° 00").click()
    expect(page.get_by_role("link", name="Mon panier 3 articles · 28,50 €")).to_be_visible()


def test_without_script_an_add_comes_back_to_the_product(browser, live_server, shop):
    context = browser.new_context(
        base_url=live_server, locale="fr-FR", java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    log_in(page, "amaia@example.org")
    page.goto("/shop")
    cheese = shop["cheese"]
    page.get_by_role("button", name="Ajouter Tomme de brebis").click()
    expect(page).to_have_url(f"{live_server}/shop?#offer-{cheese.id}")
    expect(page.locator(".cart-bar")).to_contain_text("ajouté à votre panier")
    expect(page.get_by_role("link", name="Mon panier 1 article · 12,00 €")).to_be_visible()
    assert in_viewport(page, f"#offer-{cheese.id}")
    assert in_viewport(page, ".cart-bar")
    context.close()


def test_confirming_the_cart_orders_the_quantities_shown(page, db, shop):
    page.set_viewport_size(PHONE)
    log_in(page, "amaia@example.org")
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter Tomme de brebis").click()
    page.get_by_role("button", name="Ajouter Confiture n° 03").click()
    expect(page.get_by_role("link", name="Mon panier 2 articles")).to_be_visible()
    page.get_by_role("link", name="Mon panier 2 articles").click()
    cheese_row = page.get_by_role("row", name="Tomme de brebis")
    expect(cheese_row).to_contain_text("12,00 €")
    page.get_by_label("Quantité de Tomme de brebis").fill("3")
    page.get_by_label("Quantité de Confiture n° 03").fill("0")
    page.get_by_label("Salle des fêtes d’Ondres", exact=False).check()
    page.get_by_role("button", name="Confirmer ma commande").click()
    expect(page.get_by_text("Merci ! Votre commande")).to_be_visible()
    order = db.session.scalar(select(Order))
    assert [(line.product_name, line.quantity) for line in order.lines] == [("Tomme de brebis", 3)]
    expect(page.get_by_text("36,00 €").first).to_be_visible()


def test_the_cart_shows_each_line_total_and_updates_them(page, shop):
    page.set_viewport_size(PHONE)
    log_in(page, "amaia@example.org")
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter Tomme de brebis").click()
    expect(page.get_by_role("link", name="Mon panier 1 article")).to_be_visible()
    page.goto("/cart")
    page.get_by_label("Quantité de Tomme de brebis").fill("2")
    page.get_by_role("button", name="Mettre à jour les quantités").click()
    expect(page.get_by_text("Votre panier est à jour.")).to_be_visible()
    expect(page.get_by_role("row", name="Tomme de brebis")).to_contain_text("24,00 €")


def box(locator) -> dict:
    return locator.bounding_box()


def test_radio_buttons_sit_beside_their_labels_and_errors_show(page, shop):
    page.set_viewport_size(PHONE)
    log_in(page, "amaia@example.org")
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter Tomme de brebis").click()
    expect(page.get_by_role("link", name="Mon panier 1 article")).to_be_visible()
    page.goto("/cart")
    for radio in page.get_by_role("radio").all():
        label = page.locator(f"label[for='{radio.get_attribute('id')}']")
        button, text = box(radio), box(label)
        assert text["x"] >= button["x"] + button["width"], "the label is beside its button"
        assert text["y"] < button["y"] + button["height"] and button["y"] < text["y"] + 24

    # Sent without a collection point (the browser's own check set aside): the server's
    # message says what to do, and the group is marked.
    page.locator("form.cart-form").evaluate("form => { form.noValidate = true; }")
    page.get_by_role("button", name="Confirmer ma commande").click()
    group = page.get_by_role("group", name="Point de retrait")
    expect(group).to_contain_text("Choisissez un point de retrait.")
    expect(group.get_by_role("radio").first).to_have_attribute("aria-invalid", "true")


def test_an_invalid_field_has_the_error_border(page, shop):
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.get_by_role("button", name="Se connecter").click()
    email = page.get_by_label("Adresse e-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_css("border-top-color", "rgb(164, 22, 26)")


def test_the_first_product_is_on_the_first_screen_grouped_by_category(page, db, shop):
    from tests.factories import CategoryFactory

    vegetables = CategoryFactory(name="Légumes", position=1)
    cheese_category = CategoryFactory(name="Fromages", position=2)
    shop["cheese"].product.category = cheese_category
    for offer in shop["offers"][:3]:
        offer.product.category = vegetables
    for offer in shop["offers"][3:-1]:
        offer.product.category = None
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "amaia@example.org")
    page.goto("/shop")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 160, "a compact header"
    first = page.locator(".offer-card").first.bounding_box()
    assert first["y"] + 60 < PHONE["height"], "a product begins on the first screen"
    # Categories in the hub's order, those without one last; a jump list to each.
    headings = page.locator(".category > h2").all_inner_texts()
    assert headings == ["Légumes", "Fromages", "Autres produits"]
    page.get_by_role("navigation", name="Catégories").get_by_role("link", name="Fromages").click()
    assert in_viewport(page, f"#offer-{shop['cheese'].id}")
    # The cycle in one line, its pickups one tap away.
    page.get_by_text("Semaine 48").click()
    expect(page.get_by_text("Salle des fêtes d’Ondres")).to_be_visible()


# Every position the page scrolls to, in order, from the document's first instant.
RECORD_SCROLLS = """window.scrolls = [];
addEventListener("scroll", () => window.scrolls.push(Math.round(window.scrollY)), {passive: true});
"""


def scrolled_only_down(page) -> list[int]:
    scrolls = page.evaluate("window.scrolls")
    assert scrolls == sorted(scrolls), f"the page went back up: {scrolls}"
    return scrolls


def test_from_the_home_page_to_a_confirmed_order_without_going_back_to_the_top(page, db, shop):
    """The household reads down the page and never has to come back up: the add answers
    where the thumb is, the cart bar is under it, and the cart's button is below its lines."""
    page.set_viewport_size(PHONE)
    log_in(page, "amaia@example.org")
    page.context.add_init_script(RECORD_SCROLLS)
    page.goto("/")
    page.get_by_role("link", name="Aller à la boutique").click()
    cheese = shop["cheese"]
    page.locator(f"#quantity-{cheese.id}").scroll_into_view_if_needed()
    page.locator(f"#quantity-{cheese.id}").fill("2")
    page.get_by_role("button", name="Ajouter Tomme de brebis").click()
    expect(page.locator(".cart-bar")).to_contain_text("« Tomme de brebis » × 2 ajouté")
    page.get_by_role("button", name="Ajouter Confiture n° 11").click()
    expect(page.get_by_role("link", name="Mon panier 3 articles")).to_be_visible()
    assert page.evaluate("window.scrollY") > 0  # still down by the products
    assert scrolled_only_down(page)[-1] > 0
    page.get_by_role("link", name="Mon panier 3 articles").click()
    expect(page.get_by_role("row", name="Tomme de brebis")).to_contain_text("24,00 €")
    page.get_by_label("Salle des fêtes d’Ondres", exact=False).check()
    page.get_by_role("button", name="Confirmer ma commande").scroll_into_view_if_needed()
    scrolled_only_down(page)
    page.get_by_role("button", name="Confirmer ma commande").click()
    expect(page.get_by_text("Merci ! Votre commande")).to_be_visible()
    scrolled_only_down(page)
    order = db.session.scalar(select(Order))
    assert sorted((line.product_name, line.quantity) for line in order.lines) == [
        ("Confiture n° 11", 1),
        ("Tomme de brebis", 2),
    ]
