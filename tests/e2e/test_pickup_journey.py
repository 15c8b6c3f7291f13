"""Pickup day on a phone: find a household, record a missing item and a cash payment, hand the
order over."""

# ruff: noqa: F811 - fixtures imported from other tests are parameters here

from playwright.sync_api import expect

from market.ledger.accounts import household_key
from market.ledger.statements import account_balance
from market.orders.models import Order
from market.payments.services import paid_cents
from tests.e2e.helpers import log_in
from tests.exports.conftest import closed_cycle  # noqa: F401 - the fixture
from tests.factories import PASSWORD, UserFactory

PHONE = {"width": 390, "height": 844}


def test_a_volunteer_hands_out_an_order_on_a_phone(page, db, closed_cycle):
    UserFactory(role="coordinator", email="benevole@example.org")
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("benevole@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.goto("/pickup")
    page.get_by_role("link", name="Bourg — Semaine 48").click()
    page.get_by_label("Nom ou numéro de commande").fill("martin")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Zoé Martin").click()
    expect(page.get_by_role("heading", name="Zoé Martin")).to_be_visible()
    expect(page.get_by_text("21,50 €").first).to_be_visible()

    # The cheese did not come: one missing.
    cheese = page.locator(".pickup-lines li", has_text="Tomme de brebis")
    cheese.get_by_text("Manquant ou poids").click()
    cheese.get_by_label("Unités manquantes de Tomme de brebis (sur 1)").fill("1")
    cheese.get_by_role("button", name="Enregistrer le manquant").click()
    expect(page.get_by_text("Produit manquant enregistré.")).to_be_visible()

    # She pays what is left in cash.
    expect(page.get_by_label("Montant reçu")).to_have_value("9,50")
    page.get_by_label("espèces").check()
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.get_by_text("Paiement enregistré.")).to_be_visible()

    page.get_by_role("button", name="Marquer comme retirée").click()
    expect(page.get_by_text("Commande marquée comme retirée.")).to_be_visible()
    expect(page.get_by_label("Nom ou numéro de commande")).to_be_visible()

    order = closed_cycle["orders"]["martin"]
    db.session.expire_all()
    assert db.session.get(Order, order.id).collected_at is not None
    assert paid_cents(order) == 950
    assert account_balance(household_key(order.household_id)) == 0


def test_a_volunteer_finds_a_name_without_its_accent_and_hands_over_in_one_tap(
    page,
    db,
    closed_cycle,
):
    UserFactory(role="coordinator", email="benevole@example.org")
    closed_cycle["orders"]["dupuy"].household.name = "Anne Barrère"
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "benevole@example.org")
    page.goto(f"/pickup/{closed_cycle['bourg'].id}")
    expect(page.locator("#pickup-progress")).to_have_text("Retirées\u00a0: 0 sur 2 commandes")
    page.get_by_label("Nom ou numéro de commande").fill("BARRERE")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("link", name="Zoé Martin")).to_have_count(0)
    page.get_by_role("link", name="Anne Barrère").click()
    expect(page.locator(".pickup-lines")).to_contain_text("1\u00a0botte · Carottes")

    page.get_by_role("button", name="Payé et retiré").click()
    expect(page.get_by_text("Payée et retirée.")).to_be_visible()
    expect(page.locator("#pickup-progress")).to_have_text("Retirées\u00a0: 1 sur 2 commandes")
    order = closed_cycle["orders"]["dupuy"]
    db.session.expire_all()
    assert db.session.get(Order, order.id).collected_at is not None
    assert paid_cents(order) == 250
