"""Stripe's webhook never answers 500: an event that is not ours is acknowledged without
asking Stripe, one for a session Stripe does not know is acknowledged, and when Stripe
cannot be reached for one of ours the answer is 503, so that Stripe delivers it again."""

# ruff: noqa: F811 - fixtures imported from other tests are parameters here

import logging

from sqlalchemy import func, select

from market.ledger.verify import verify
from market.payments.models import StripeEvent
from tests.payments.test_stripe import checked_out, payment_postings, payments, shopper  # noqa: F401


def events(db) -> int:
    return db.session.scalar(select(func.count()).select_from(StripeEvent))


def test_a_session_that_is_not_ours_is_acknowledged_without_asking_stripe(db, fake_stripe, caplog):
    session = {
        "id": "cs_test_another_shop",
        "object": "checkout.session",
        "metadata": {"shop": "another"},
    }
    calls = len(fake_stripe.calls)
    with caplog.at_level(logging.INFO):
        response = fake_stripe.send(fake_stripe.event("checkout.session.completed", session))
    assert response.status_code == 200 and response.json["outcome"] == "not ours"
    assert len(fake_stripe.calls) == calls
    assert "not one of ours" in caplog.text
    assert payment_postings(db) == 0 and verify().ok


def test_metadata_naming_a_payment_we_do_not_have_is_not_ours(db, fake_stripe):
    session = {
        "id": "cs_test_staging",
        "object": "checkout.session",
        "metadata": {"payment_id": "99999999999999999999"},
    }
    calls = len(fake_stripe.calls)
    response = fake_stripe.send(fake_stripe.event("checkout.session.expired", session))
    assert response.status_code == 200 and response.json["outcome"] == "not ours"
    assert len(fake_stripe.calls) == calls


def test_a_session_stripe_does_not_know_is_acknowledged(
    db,
    shopper,
    market,
    fake_stripe,
    caplog,
):
    session_id = checked_out(db, shopper, market, fake_stripe)
    session = dict(fake_stripe.sessions.pop(session_id))  # gone from Stripe (test data wiped)
    response = fake_stripe.send(fake_stripe.event("checkout.session.completed", session))
    assert response.status_code == 200 and response.json["outcome"] == "unknown"
    assert "does not know" in caplog.text
    assert [payment.status for payment in payments(db)] == ["pending"]
    assert payment_postings(db) == 0 and verify().ok


def test_stripe_unreachable_for_one_of_ours_answers_503_and_records_nothing(
    app,
    db,
    shopper,
    market,
    fake_stripe,
    caplog,
):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id)
    event = fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id])
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    response = fake_stripe.send(event)
    assert response.status_code == 503
    assert "could not be reached" in caplog.text
    assert events(db) == 0 and payment_postings(db) == 0
    # Stripe delivers it again once it can be reached: the payment is recorded then.
    app.config["STRIPE_API_BASE"] = fake_stripe.base_url
    response = fake_stripe.send(event)
    assert response.status_code == 200 and response.json["outcome"] == "paid"
    assert payment_postings(db) == 1 and verify().ok


def test_stripe_failing_for_one_of_ours_answers_503(
    db,
    shopper,
    market,
    fake_stripe,
):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.down = True
    response = fake_stripe.send_session_event("checkout.session.completed", session_id)
    assert response.status_code == 503
    assert events(db) == 0
