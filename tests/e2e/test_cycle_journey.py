"""The coordinator prepares next week, a producer confirms offers and sets a cap, a visitor sees
the cycle on the home page."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from market.cycles.models import Offer, OrderCycle
from market.timeutil import utcnow
from tests.e2e.helpers import log_in, log_out
from tests.factories import (
    OfferFactory,
    OrderCycleFactory,
    ProducerUserFactory,
    ProductFactory,
    UserFactory,
)


def test_prepare_next_week_confirm_offers_and_announce(page, browser, live_server, db):
    now = utcnow()
    coordinator = UserFactory(role="coordinator", email="claire@example.org")
    farmer = ProducerUserFactory(email="jm@example.org", producer__name="Ferme Lafitte")
    carrots = ProductFactory(producer=farmer.producer, name="Carottes", price_cents=250)
    last_week = OrderCycleFactory(
        name="Semaine 47",
        opens_at=now - timedelta(days=6),
        closes_at=now - timedelta(hours=1),
        published_at=now,
    )
    last_week.pickups[0].starts_at = now + timedelta(days=1)
    last_week.pickups[0].ends_at = now + timedelta(days=1, hours=2)
    OfferFactory(cycle=last_week, product=carrots, cap=30)
    db.session.commit()

    log_in(page, coordinator.email)
    page.get_by_role("link", name="Cycles", exact=True).click()
    page.get_by_role("button", name="Préparer la semaine suivante").click()
    expect(page.get_by_text("est préparé en brouillon")).to_be_visible()
    page.get_by_role("link", name="Retour aux cycles").click()
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_text("Le cycle est publié.")).to_be_visible()
    log_out(page)

    log_in(page, farmer.email)
    page.get_by_role("link", name="Mon catalogue").click()
    page.get_by_role("link", name="Mes offres par cycle").click()
    next_week = db.session.scalar(select(OrderCycle).where(OrderCycle.id != last_week.id))
    page.get_by_role("link", name=next_week.name).click()
    expect(page.get_by_text("reprise de la semaine passée, à confirmer")).to_be_visible()
    page.get_by_label("Plafond (facultatif", exact=False).fill("25")
    page.get_by_role("button", name="Enregistrer mes offres").click()
    expect(page.get_by_text("sont enregistrées")).to_be_visible()
    offer = db.session.scalar(select(Offer).where(Offer.cycle_id == next_week.id))
    db.session.refresh(offer)
    assert (offer.confirmed, offer.cap) == (True, 25)
    log_out(page)

    visitor = browser.new_context(base_url=live_server, locale="fr-FR").new_page()
    visitor.goto("/")
    expect(
        visitor.get_by_role("heading", name=f"Prochaines commandes : {next_week.name}")
    ).to_be_visible()
    visitor.context.close()
