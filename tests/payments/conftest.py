"""Fixtures: the fake Stripe server, the app pointed at it, and a market to order from."""

import pytest

from tests.orders.conftest import market, open_cycle  # noqa: F401 - shared fixtures
from tests.payments.fake_stripe import FakeStripe

SECRET_KEY = "sk_test_market_fake"
WEBHOOK_SECRET = "whsec_market_fake"
WEBHOOK = "/payments/webhook/stripe"


@pytest.fixture
def fake_stripe(app):
    """The fake started, the app configured for online payment and pointed at it.

    Events are delivered to the app's webhook through a test client of its own.
    """
    fake = FakeStripe(SECRET_KEY, WEBHOOK_SECRET).start()
    app.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake.base_url,
    )
    webhook_client = app.test_client()
    fake.deliver = lambda payload, header: webhook_client.post(
        WEBHOOK, data=payload, headers={"Stripe-Signature": header}, content_type="application/json"
    )
    yield fake
    fake.stop()
