"""A household browses, adds products, logs in midway, checks out for a collection point, edits
the order, and repeats it the next week."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from market.orders.models import Order
from market.timeutil import utcnow
from tests.factories import (
    PASSWORD,
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProductFactory,
)


def test_browse_order_edit_and_repeat_next_week(page, db):
    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 48", opens_at=now - timedelta(days=1), published_at=now - timedelta(days=2)
    )
    cycle.pickups[0].collection_point.name = "Salle des fêtes d’Ondres"
    carrots = OfferFactory(cycle=cycle, product=ProductFactory(name="Carottes", price_cents=250))
    cheese = OfferFactory(
        cycle=cycle, product=ProductFactory(name="Tomme de brebis", price_cents=1200)
    )
    HouseholdUserFactory(email="amaia@example.org", name="Famille Iriart")
    db.session.commit()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/shop")
    page.get_by_label("Rechercher").fill("carot")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("heading", name="Tomme de brebis")).to_have_count(0)
    page.get_by_label("Quantité").fill("3")
    page.get_by_role("button", name="Ajouter Carottes").click()

    # Asked to log in midway; the choice is kept.
    expect(page.get_by_text("vous est gardé")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill("amaia@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mon panier")).to_be_visible()
    expect(page.get_by_label("Quantité de Carottes")).to_have_value("3")

    page.goto("/shop")
    page.get_by_role("button", name="Ajouter Tomme de brebis").click()
    page.get_by_role("link", name="Mon panier 4 articles").click()
    page.get_by_label("Salle des fêtes d’Ondres", exact=False).check()
    page.get_by_role("button", name="Confirmer ma commande").click()
    expect(page.get_by_text("Merci ! Votre commande")).to_be_visible()
    expect(page.get_by_text("19,50 €").first).to_be_visible()

    page.get_by_label("Quantité de Carottes").fill("1")
    page.get_by_label("Quantité de Tomme de brebis").fill("0")
    page.get_by_role("button", name="Enregistrer mes modifications").click()
    expect(page.get_by_text("Votre commande est modifiée.")).to_be_visible()
    order = db.session.scalar(select(Order))
    db.session.refresh(order)
    assert [(line.product_name, line.quantity) for line in order.lines] == [("Carottes", 1)]

    # The next week: the cycle has closed and a new one is open with carrots only.
    cycle.closes_at = utcnow() - timedelta(minutes=1)
    following = OrderCycleFactory(
        name="Semaine 49", opens_at=utcnow() - timedelta(minutes=5), published_at=utcnow()
    )
    OfferFactory(cycle=following, product=carrots.product)
    db.session.commit()
    page.goto("/orders")
    page.get_by_role("button", name="Renouveler ma dernière commande").click()
    expect(page.get_by_label("Quantité de Carottes")).to_have_value("1")
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Confirmer ma commande").click()
    expect(page.get_by_text("Merci ! Votre commande")).to_be_visible()
    assert cheese.ordered_quantity == 0
