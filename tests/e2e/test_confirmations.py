"""What cannot be undone asks first, on a page that works without script, at 390×844: a
household's cancel, the coordinator's close now and settle, a producer's archive, a
volunteer's "not collected". Going back changes nothing."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from market.catalog.models import Product
from market.cycles.models import OrderCycle
from market.orders import services as orders
from market.orders.models import Order
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

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    """A phone whose browser runs no script: every confirmation is plain HTML."""
    context = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport=PHONE, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def confirm(page, link: str, question: str, button: str) -> None:
    """Tap, read the question, go back once (nothing happens), tap again and confirm."""
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(question)
    page.get_by_role("link", name="Non, revenir").click()
    page.get_by_role("link", name=link).click()
    page.get_by_role("button", name=button).click()


def test_a_household_confirms_cancelling_its_order(phone, db):
    now = utcnow()
    cycle = OrderCycleFactory(opens_at=now - timedelta(days=1), published_at=now)
    offer = OfferFactory(cycle=cycle, product=ProductFactory(name="Carottes"))
    user = HouseholdUserFactory(email="amaia@example.org")
    order = orders.place(
        user, cycle, now, pickup_id=cycle.pickups[0].id, payment="pickup", items={offer.id: 2}
    )
    db.session.commit()
    log_in(phone, "amaia@example.org")
    phone.goto(f"/orders/{order.id}")
    phone.get_by_role("link", name="Annuler ma commande").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        f"Annuler la commande {order.reference} ?"
    )
    phone.get_by_role("link", name="Non, la garder").click()
    db.session.expire_all()
    assert not db.session.get(Order, order.id).is_cancelled
    phone.get_by_role("link", name="Annuler ma commande").click()
    phone.get_by_role("button", name="Oui, annuler ma commande").click()
    expect(phone.get_by_text("Votre commande est annulée.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Order, order.id).is_cancelled


def test_the_coordinator_confirms_closing_then_settling(phone, db):
    now = utcnow()
    cycle = OrderCycleFactory(name="Semaine 48", opens_at=now - timedelta(days=1), published_at=now)
    UserFactory(role="coordinator", email="coordination@example.org")
    db.session.commit()
    log_in(phone, "coordination@example.org")
    phone.goto("/coordination/cycles")
    confirm(phone, "Clore maintenant", "Clore « Semaine 48 » maintenant ?", "Oui, clore maintenant")
    expect(phone.get_by_text("Le cycle est clos.")).to_be_visible()
    confirm(phone, "Solder", "Solder « Semaine 48 » ?", "Oui, le solder")
    expect(phone.get_by_text("Le cycle est soldé.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(OrderCycle, cycle.id).settled_at is not None


def test_a_producer_confirms_archiving_a_product(phone, db):
    producer_user = ProducerUserFactory(email="ferme@example.org")
    product = ProductFactory(producer=producer_user.producer, name="Carottes")
    db.session.commit()
    log_in(phone, "ferme@example.org")
    phone.goto(f"/producers/{product.producer_id}/manage")
    confirm(phone, "Archiver Carottes", "Archiver « Carottes » ?", "Oui, l’archiver")
    expect(phone.get_by_text("« Carottes » est archivé.")).to_be_visible()
    db.session.expire_all()
    assert not db.session.get(Product, product.id).active


def test_a_volunteer_confirms_a_no_show(phone, db, closed_cycle):  # noqa: F811
    UserFactory(role="coordinator", email="benevole@example.org")
    db.session.commit()
    order = closed_cycle["orders"]["dupuy"]
    log_in(phone, "benevole@example.org")
    phone.goto(f"/pickup/{order.pickup_id}/orders/{order.id}")
    confirm(
        phone,
        "Non retirée",
        f"Personne n’a retiré la commande {order.reference} (Anne Dupuy) ?",
        "Oui, non retirée",
    )
    expect(phone.get_by_text("Commande marquée comme non retirée.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Order, order.id).no_show_at is not None
