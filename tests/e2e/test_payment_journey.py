"""A household pays online against the local fake Stripe: the fake's own minimal page stands
in for Stripe's hosted page; the household comes back, and sees its order paid once the
webhook has arrived."""

import urllib.request

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.orders.conftest import market, open_cycle  # noqa: F401 - shared fixtures
from tests.payments.conftest import SECRET_KEY, WEBHOOK, WEBHOOK_SECRET
from tests.payments.fake_stripe import FakeStripe


@pytest.fixture(autouse=True)
def fake_stripe(monkeypatch):
    """Started before the served app, which reads its Stripe settings from the environment."""
    fake = FakeStripe(SECRET_KEY, WEBHOOK_SECRET).start()
    monkeypatch.setenv("MARKET_STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("MARKET_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("MARKET_STRIPE_API_BASE", fake.base_url)
    yield fake
    fake.stop()


def deliver_to(base_url: str):
    def deliver(payload: str, header: str):
        request = urllib.request.Request(  # noqa: S310 - the local test server
            base_url + WEBHOOK,
            data=payload.encode(),
            method="POST",
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status

    return deliver


def test_a_household_pays_online_and_sees_its_order_paid(page, live_server, fake_stripe, market):  # noqa: F811
    fake_stripe.deliver = deliver_to(live_server)
    fake_stripe.webhook_delay = 1.5  # Stripe's event arrives after the browser is back

    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("famille@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.goto("/shop")
    page.locator(f"#quantity-{market['carrots'].id}").fill("2")
    page.get_by_role("button", name="Ajouter Carottes").click()
    page.get_by_role("button", name="Ajouter Tomme de brebis").click()
    # The shop's script adds in place; the cart bar's units say when both are in.
    expect(page.get_by_role("link", name="Mon panier 3 articles")).to_be_visible()
    page.goto("/cart")
    page.get_by_role("group", name="Point de retrait").get_by_role("radio").first.check()
    page.get_by_label("En ligne par carte, maintenant").check()
    page.get_by_role("button", name="Confirmer ma commande").click()

    # The fake's hosted page, standing in for Stripe's.
    expect(page.get_by_role("heading", name="Fake Stripe Checkout")).to_be_visible()
    expect(page.get_by_text("17.00 EUR")).to_be_visible()
    page.get_by_role("button", name="Pay").click()

    # Back on the market before the webhook: nothing is claimed paid yet.
    expect(page.get_by_role("heading", name="Retour du paiement")).to_be_visible()
    expect(page.get_by_text("n’a pas encore confirmé votre paiement")).to_be_visible()

    page.get_by_role("link", name="Voir ma commande").click()
    for _ in range(20):
        if page.get_by_text("Cette commande est payée.").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_text("Cette commande est payée.")).to_be_visible()
    expect(page.get_by_role("cell", name="payé", exact=True)).to_be_visible()

    from market.ledger.verify import verify

    assert verify().ok
