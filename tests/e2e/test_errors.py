"""A refused form on a 390×844 phone: the page's title says there is an error, the focus is
on the summary, and each message is tied to its field (aria-describedby, aria-invalid),
its section left open; the messages say what to do."""

from datetime import timedelta

from playwright.sync_api import expect

from market.timeutil import utcnow
from tests.e2e.helpers import PHONE, assert_accessible, log_in
from tests.exports.conftest import closed_cycle  # noqa: F401 - the fixture
from tests.factories import (
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerUserFactory,
    ProductFactory,
    UserFactory,
)


def described_by(page, locator) -> str:
    """The text a screen reader reads after the field's name."""
    ids = locator.get_attribute("aria-describedby").split()
    return " ".join(page.locator(f"#{identifier}").inner_text() for identifier in ids)


def test_checkout_without_a_collection_point(page, db):
    now = utcnow()
    cycle = OrderCycleFactory(opens_at=now - timedelta(days=1), published_at=now)
    OfferFactory(cycle=cycle, product=ProductFactory(name="Carottes"))
    HouseholdUserFactory(email="amaia@example.org")
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "amaia@example.org")
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter Carottes").click()
    expect(page.get_by_role("link", name="Mon panier 1 article")).to_be_visible()
    page.goto("/cart")
    page.locator("form.cart-form").evaluate("form => { form.noValidate = true; }")
    page.get_by_role("button", name="Confirmer ma commande").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title().startswith("Erreur")
    page.locator(".error-summary").get_by_role("link", name="Point de retrait").click()
    group = page.get_by_role("group", name="Point de retrait")
    assert described_by(page, group) == "Choisissez un point de retrait."
    expect(group.get_by_role("radio").first).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_a_producer_s_bad_price_is_shown_beside_it(page, db):
    now = utcnow()
    cycle = OrderCycleFactory(name="Semaine 48", opens_at=now + timedelta(days=1), published_at=now)
    producer_user = ProducerUserFactory(email="ferme@example.org")
    product = ProductFactory(producer=producer_user.producer, name="Carottes")
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "ferme@example.org")
    page.goto(f"/producers/{product.producer_id}/manage/cycles/{cycle.id}")
    page.get_by_label("Prix (€ / pièce)").fill("deux euros")
    page.get_by_role("button", name="Enregistrer mes offres").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title().startswith("Erreur")
    price = page.get_by_label("Prix (€ / pièce)")
    expect(price).to_have_attribute("aria-invalid", "true")
    assert described_by(page, price) == (
        "« deux euros » n’est pas un prix : saisissez un "
        "montant comme 3,50, ou laissez vide pour le prix "
        "du catalogue."
    )
    assert_accessible(page)


def test_a_volunteer_s_refused_missing_count_stays_open_beside_its_field(page, db, closed_cycle):  # noqa: F811
    UserFactory(role="coordinator", email="benevole@example.org")
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "benevole@example.org")
    order = closed_cycle["orders"]["martin"]
    page.goto(f"/pickup/{order.pickup_id}/orders/{order.id}")
    cheese = page.locator(".pickup-lines li", has_text="Tomme de brebis")
    cheese.get_by_text("Manquant ou poids").click()
    field = cheese.get_by_label("Unités manquantes de Tomme de brebis (sur 1)")
    field.evaluate("input => { input.removeAttribute('max'); }")
    field.fill("9")
    cheese.get_by_role("button", name="Enregistrer le manquant").click()
    assert page.title().startswith("Erreur")
    expect(page.locator(".flash-error")).to_be_focused()
    cheese = page.locator(".pickup-lines li", has_text="Tomme de brebis")
    field = cheese.get_by_label("Unités manquantes de Tomme de brebis (sur 1)")
    expect(field).to_be_visible()  # its section is open
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "Au plus 1 unités" in described_by(page, field)

    page.get_by_label("Montant reçu").fill("abc")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    amount = page.get_by_label("Montant reçu")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_value("abc")
    assert described_by(page, amount) == "Indiquez le montant reçu, par exemple 12,50."
    assert_accessible(page)
