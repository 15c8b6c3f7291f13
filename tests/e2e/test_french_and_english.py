"""French as a French reader expects it, English as an English reader does, on a phone."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from market.timeutil import utcnow
from tests.e2e.helpers import PHONE
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProductFactory,
)


def test_french_plurals_spaces_and_agreement(page, db):
    now = utcnow()
    cycle = OrderCycleFactory(opens_at=now - timedelta(days=1), published_at=now)
    OfferFactory(
        cycle=cycle,
        product=ProductFactory(
            name="Potimarron",
            unit="kg",
            price_cents=300,
            sold_by_weight=True,
            estimated_weight_grams=1200,
            category=CategoryFactory(name="Légumes"),
        ),
    )
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto("/shop")
    # Numbers and times keep their unit on the same line; the grams are grouped.
    expect(page.locator(".offer-card")).to_contain_text("pour 1\u202f200\u00a0g")
    expect(page.locator(".cycle-line summary")).to_contain_text(re.compile("\\d\u00a0h"))
    page.get_by_text("Plus de filtres").click()
    expect(page.get_by_label("Catégorie")).to_have_value("")
    expect(page.get_by_label("Catégorie").locator("option").first).to_have_text("Toutes")
    expect(page.get_by_label("Producteur").locator("option").first).to_have_text("Tous")
    expect(page.locator("p.status[role=status]")).to_have_text("1\u00a0produit")
    # Online payment is not configured: the home page does not promise it.
    page.goto("/")
    expect(page.get_by_text("payez avec votre avoir ou sur place")).to_be_visible()
    expect(page.get_by_text("en ligne, avec votre avoir")).to_have_count(0)
    # A favicon.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).status == 200


def test_english_percent_and_colons(page, db):
    now = utcnow()
    cycle = OrderCycleFactory(opens_at=now - timedelta(days=1), published_at=now)
    product = ProductFactory(name="Carrots", vat_basis_points=550)
    OfferFactory(cycle=cycle, product=product)
    HouseholdUserFactory(email="amaia@example.org", locale="en")
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"/products/{product.id}")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("VAT 5.5% included")).to_be_visible()
    log_in_english(page)
    page.goto("/account")
    expect(page.get_by_text("Email address: amaia@example.org")).to_be_visible()


def log_in_english(page) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill("amaia@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
