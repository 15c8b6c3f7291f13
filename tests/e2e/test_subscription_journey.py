"""A household subscribes to a seasonal basket, declares an absence, adds weekly extras to the
order the contract made, and collects it at pickup."""

# ruff: noqa: F811 - fixtures imported from other tests are parameters here

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from market.orders.models import Order
from market.subscriptions.models import Subscription
from market.timeutil import utcnow
from tests.e2e.helpers import assert_accessible_on_both_screens, log_in, log_out
from tests.factories import UserFactory
from tests.subscriptions.conftest import season  # noqa: F401 - the fixture

PHONE = {"width": 390, "height": 844}


def open_at_pickup(page, db, season, email: str) -> None:
    """Pickup day: the cycle has closed; `email` opens the household's order on the pickup
    screen."""
    season["cycle"].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    log_out(page)
    log_in(page, email)
    page.goto(f"/pickup/{season['pickup'].id}")
    page.get_by_role("link", name=season["household"].household.name).click()


def test_subscribe_miss_a_week_add_extras_and_collect(page, db, season):
    UserFactory(role="coordinator", email="benevole@example.org")
    season["point"].name = "Salle des fêtes d'Ondres"
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "famille@example.org")

    page.get_by_role("link", name="Contrats de saison").first.click()
    expect(page.get_by_role("heading", name="Panier de la saison", exact=False)).to_be_visible()
    page.get_by_label("Point de retrait").select_option(label="Salle des fêtes d'Ondres")
    page.get_by_role("button", name="S’abonner").click()
    expect(page.get_by_text("Vous êtes abonné à « Panier de la saison »")).to_be_visible()
    expect(page.get_by_text("Total de la saison : 180,00 €")).to_be_visible()
    expect(page.get_by_role("cell", name="dans la commande")).to_be_visible()

    # Away for the second delivery.
    subscription = db.session.scalar(select(Subscription))
    second = subscription.calendar[1]
    page.get_by_label("Livraison que je manquerai").select_option(second.isoformat())
    page.get_by_role("button", name="Déclarer l’absence").click()
    expect(page.get_by_text("Votre absence est enregistrée")).to_be_visible()
    expect(page.get_by_text("Total de la saison : 165,00 €")).to_be_visible()

    # Eggs this week, into the order the contract made.
    page.goto("/shop")
    page.get_by_role("button", name="Ajouter Œufs").click()
    page.get_by_role("link", name="Mon panier", exact=False).click()
    page.get_by_label("Salle des fêtes d'Ondres", exact=False).check()
    page.get_by_role("button", name="Confirmer ma commande").click()
    expect(page.get_by_text("Panier de légumes (contrat)")).to_be_visible()
    expect(page.get_by_text("19,20 €").first).to_be_visible()
    order = db.session.scalar(select(Order))
    db.session.refresh(order)
    assert sorted((line.product_name, line.from_contract) for line in order.lines) == [
        ("Panier de légumes", True),
        ("Œufs", False),
    ]

    # Pickup day: a volunteer hands the order over.
    open_at_pickup(page, db, season, "benevole@example.org")
    expect(page.locator(".pickup-lines")).to_contain_text("Panier de légumes (contrat)")
    page.get_by_role("button", name="Payé et retiré").click()
    expect(page.get_by_text("Payée et retirée.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Order, order.id).collected_at is not None


def test_a_basket_paid_by_instalments_from_the_cheque_to_the_pickup(page, db, season):
    """The household subscribes to a basket paid in three instalments, the coordinator
    records its first cheque, the household's statement shows it, and at pickup nothing is
    asked for the basket."""
    season["contract"].payment_terms, season["contract"].instalments = "instalments", 3
    UserFactory(role="coordinator", email="coordination@example.org")
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "famille@example.org")
    page.goto("/contracts")
    expect(page.get_by_text("Payé pour la saison en 3 échéances mensuelles.")).to_be_visible()
    page.get_by_role("button", name="S’abonner").click()
    schedule = page.get_by_role("table", name="Échéances")
    expect(schedule.get_by_role("row")).to_have_count(4)  # the header and three instalments
    expect(schedule).to_contain_text("60,00 €")
    expect(page.get_by_text("Livré au-delà de ce qui a été payé : 15,00 €")).to_be_visible()
    assert_accessible_on_both_screens(page)

    log_out(page)
    log_in(page, "coordination@example.org")
    page.goto(f"/producer/contracts/{season['contract'].id}")
    assert_accessible_on_both_screens(page)  # the instalments' forms
    page.get_by_label("Payée par").first.select_option(label="Chèque")
    page.get_by_role("button", name="Enregistrer comme payée").first.click()
    expect(page.get_by_text("L’échéance est enregistrée comme payée.")).to_be_visible()
    expect(page.get_by_text("Payé d’avance sur le contrat : 45,00 €")).to_be_visible()

    log_out(page)
    log_in(page, "famille@example.org")
    page.goto("/ledger/statement")
    section = page.get_by_role("region", name="Contrats payés d’avance")
    expect(section.get_by_role("row").nth(1)).to_contain_text("payée")
    expect(section).to_contain_text("Payé d’avance sur le contrat : 45,00 €")
    assert_accessible_on_both_screens(page)

    open_at_pickup(page, db, season, "coordination@example.org")
    expect(page.locator(".pickup-money")).to_contain_text("Déjà payé15,00 €")
    expect(page.get_by_role("button", name="Payé et retiré")).to_have_count(0)
    page.get_by_role("button", name="Marquer comme retirée").click()
    order = db.session.scalar(select(Order))
    db.session.refresh(order)
    assert order.collected_at is not None
