"""Webhooks delivered at the same moment: a payment is counted once (PostgreSQL)."""

import threading

import pytest
from sqlalchemy import func, select

from market.extensions import db as _db
from market.ledger.accounts import household_key
from market.ledger.models import LedgerTransaction
from market.ledger.statements import account_balance
from market.ledger.verify import verify
from market.payments.models import Payment
from tests.conftest import logged_in_client
from tests.payments.conftest import WEBHOOK


@pytest.mark.postgres_only
def test_simultaneous_deliveries_post_one_payment(app, db, market, fake_stripe):
    shopper = logged_in_client(app, market["household"])
    shopper.post("/cart/add", data={"offer_id": market["carrots"].id, "quantity": "2"})
    shopper.post("/cart/add", data={"offer_id": market["cheese"].id, "quantity": "1"})
    shopper.post(
        "/checkout", data={"pickup": market["pickup"].id, "payment": "online", "submission": "s"}
    )
    session_id = db.session.scalar(select(Payment.stripe_session_id))
    db.session.commit()
    session = fake_stripe.complete(session_id)
    completed = fake_stripe.signed(fake_stripe.event("checkout.session.completed", session))
    succeeded = fake_stripe.signed(
        fake_stripe.event("checkout.session.async_payment_succeeded", session)
    )
    deliveries = [completed] * 4 + [succeeded] * 4  # duplicates and distinct events
    barrier = threading.Barrier(len(deliveries), timeout=30)
    statuses = []

    def deliver(payload, header):
        with app.app_context():  # the test client expires this thread's session afterwards
            client = app.test_client()
            barrier.wait()
            response = client.post(
                WEBHOOK,
                data=payload,
                headers={"Stripe-Signature": header},
                content_type="application/json",
            )
            statuses.append(response.status_code)
            _db.session.remove()

    threads = [threading.Thread(target=deliver, args=delivery) for delivery in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * len(deliveries)
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "payment.received")
        )
        == 1
    )
    assert verify().ok
    assert account_balance(household_key(market["household"].household_id)) == 0
