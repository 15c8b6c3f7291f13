"""Paying online against the local fake Stripe: every case of the issue, each ending with
`ledger verify` passing and the household's balance as a person computes it.

The market: carrots 2.50 €, cheese 12.00 €. The household orders 2 carrots and 1 cheese:
17.00 € (1700 cents). Its account is debited 1700 when it orders (it owes 17 €, balance +1700)
and credited by what it pays: paid in full, its balance is 0.
"""

import time

import pytest
from sqlalchemy import func, select

from market.ledger.accounts import household_key
from market.ledger.models import LedgerTransaction
from market.ledger.statements import account_balance
from market.ledger.verify import verify
from market.orders.models import Order
from market.payments.models import Payment, StripeEvent
from tests.conftest import logged_in_client
from tests.payments.conftest import WEBHOOK

ORDER_TOTAL = 2 * 250 + 1200


@pytest.fixture
def shopper(app, market):
    return logged_in_client(app, market["household"])


def order_online(client, market, submission="s-1"):
    client.post("/cart/add", data={"offer_id": market["carrots"].id, "quantity": "2"})
    client.post("/cart/add", data={"offer_id": market["cheese"].id, "quantity": "1"})
    return client.post(
        "/checkout",
        data={"pickup": market["pickup"].id, "payment": "online", "submission": submission},
    )


def the_order(db) -> Order:
    return db.session.scalar(select(Order))


def payments(db) -> list[Payment]:
    return list(db.session.scalars(select(Payment).order_by(Payment.id)))


def balance(market) -> int:
    return account_balance(household_key(market["household"].household_id))


def payment_postings(db, kind="payment.received") -> int:
    return db.session.scalar(
        select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == kind)
    )


def checked_out(db, shopper, market, fake_stripe) -> str:
    """Order online; the household is sent to the fake's page. Returns the session id."""
    response = order_online(shopper, market)
    assert response.status_code == 303
    (payment,) = payments(db)
    assert response.headers["Location"] == f"{fake_stripe.base_url}/pay/{payment.stripe_session_id}"
    return payment.stripe_session_id


def assert_books(expected_balance: int, market) -> None:
    assert verify().ok
    assert balance(market) == expected_balance


def test_online_payment_is_not_offered_without_both_settings(app, db, shopper, market):
    app.config.update(STRIPE_SECRET_KEY="sk_test_only_one", STRIPE_WEBHOOK_SECRET=None)
    shopper.post("/cart/add", data={"offer_id": market["carrots"].id, "quantity": "1"})
    page = shopper.get("/cart").text
    assert 'value="online"' not in page and 'value="pickup"' in page
    response = shopper.post(
        "/checkout", data={"pickup": market["pickup"].id, "payment": "online", "submission": "x"}
    )
    assert response.status_code == 400
    assert "Choose how you will pay." in response.text or "Choisissez" in response.text
    assert the_order(db) is None and payments(db) == []
    assert verify().ok


def test_a_good_payment(db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    (payment,) = payments(db)
    method, path, params, key = fake_stripe.calls[0]
    order = the_order(db)
    assert (method, path, key) == ("POST", "/v1/checkout/sessions", f"market-checkout-{payment.id}")
    assert params["customer_email"] == "famille@example.org"
    assert params["metadata[order_id]"] == str(order.id)
    assert params["metadata[order_version]"] == "1"
    assert params["line_items[0][price_data][currency]"] == "eur"
    assert (
        params["line_items[0][price_data][unit_amount]"],
        params["line_items[0][quantity]"],
    ) == ("250", "2")
    assert params["line_items[1][price_data][product_data][name]"] == "Tomme de brebis"
    assert fake_stripe.sessions[session_id]["amount_total"] == ORDER_TOTAL

    # The browser comes back before Stripe confirmed: the page says so and marks nothing paid.
    returned = shopper.get(f"/payments/{payment.id}/returned")
    assert returned.status_code == 200
    assert "confirm" in returned.text
    assert payments(db)[0].status == "pending" and payment_postings(db) == 0
    assert_books(ORDER_TOTAL, market)

    fake_stripe.complete(session_id)
    response = fake_stripe.send_session_event("checkout.session.completed", session_id)
    assert response.status_code == 200 and response.json["outcome"] == "paid"
    assert payments(db)[0].status == "paid"
    assert payment_postings(db) == 1
    assert account_balance("cash:stripe") == ORDER_TOTAL
    assert_books(0, market)  # 1700 ordered − 1700 paid
    assert "Cette commande est payée." in shopper.get(f"/orders/{order.id}").text


def test_a_bad_signature_is_refused_and_changes_nothing(db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id)
    event = fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id])
    response = fake_stripe.send(event, secret="whsec_someone_else")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0
    assert payments(db)[0].status == "pending" and payment_postings(db) == 0
    assert_books(ORDER_TOTAL, market)


def test_a_stale_timestamp_is_refused(db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id)
    event = fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id])
    response = fake_stripe.send(event, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert payments(db)[0].status == "pending" and payment_postings(db) == 0
    # The same event, signed now, is accepted: the refusal recorded nothing.
    assert fake_stripe.send(event).json["outcome"] == "paid"
    assert_books(0, market)


def test_a_missing_signature_header_is_refused(app, db, fake_stripe):
    response = app.test_client().post(WEBHOOK, data="{}", content_type="application/json")
    assert response.status_code == 400


def test_a_duplicate_delivery_changes_nothing_twice(db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id)
    event = fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id])
    assert fake_stripe.send(event).json["outcome"] == "paid"
    again = fake_stripe.send(event)
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert payment_postings(db) == 1
    assert_books(0, market)


def test_events_out_of_order_converge(db, shopper, market, fake_stripe):
    """The async success arrives before the completion, then a late, stale expiry."""
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id, asynchronous=True)
    completed = fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id])
    fake_stripe.settle(session_id, succeeded=True)
    succeeded = fake_stripe.event(
        "checkout.session.async_payment_succeeded", fake_stripe.sessions[session_id]
    )
    assert fake_stripe.send(succeeded).json["outcome"] == "paid"
    assert fake_stripe.send(completed).json["outcome"] == "paid"  # re-fetched: still paid
    expired = fake_stripe.event(
        "checkout.session.expired", {**fake_stripe.sessions[session_id], "status": "expired"}
    )
    assert fake_stripe.send(expired).json["outcome"] == "paid"
    assert payment_postings(db) == 1
    assert_books(0, market)


def test_async_payment_succeeds_later(db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id, asynchronous=True)
    outcome = fake_stripe.send_session_event("checkout.session.completed", session_id)
    assert outcome.json["outcome"] == "pending" and payment_postings(db) == 0
    assert_books(ORDER_TOTAL, market)
    fake_stripe.settle(session_id, succeeded=True)
    outcome = fake_stripe.send_session_event("checkout.session.async_payment_succeeded", session_id)
    assert outcome.json["outcome"] == "paid" and payment_postings(db) == 1
    assert_books(0, market)


def test_async_payment_fails(db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id, asynchronous=True)
    fake_stripe.send_session_event("checkout.session.completed", session_id)
    fake_stripe.settle(session_id, succeeded=False)
    outcome = fake_stripe.send_session_event("checkout.session.async_payment_failed", session_id)
    assert outcome.json["outcome"] == "failed" and payment_postings(db) == 0
    order = the_order(db)
    page = shopper.get(f"/orders/{order.id}").text
    assert "refusé par la banque" in page and "Payer 17,00" in page
    assert_books(ORDER_TOTAL, market)


def test_an_expired_session(db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.expire(session_id)
    outcome = fake_stripe.send_session_event("checkout.session.expired", session_id)
    assert outcome.json["outcome"] == "expired" and payment_postings(db) == 0
    # Paying again opens a new session for what is due.
    response = shopper.post(f"/payments/orders/{the_order(db).id}/pay")
    assert response.status_code == 303
    assert len(payments(db)) == 2 and payments(db)[1].amount_cents == ORDER_TOTAL
    assert_books(ORDER_TOTAL, market)


def test_the_browser_never_comes_back(db, shopper, market, fake_stripe):
    """Paid, tab closed: the webhook alone records the payment."""
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id)
    fake_stripe.send_session_event("checkout.session.completed", session_id)
    assert payments(db)[0].status == "paid" and payment_postings(db) == 1
    assert_books(0, market)


def test_paying_twice_reuses_the_open_session(db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    response = shopper.post(f"/payments/orders/{the_order(db).id}/pay")
    assert response.headers["Location"].endswith(session_id)
    assert len(payments(db)) == 1


def test_stripe_down_at_checkout_keeps_the_order(db, shopper, market, fake_stripe):
    fake_stripe.down = True
    response = order_online(shopper, market)
    order = the_order(db)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    assert [p.status for p in payments(db)] == ["unavailable"]
    page = shopper.get(f"/orders/{order.id}").text
    assert "paiement en ligne n’est pas disponible" in page or "Payer 17,00" in page
    assert payment_postings(db) == 0
    assert_books(ORDER_TOTAL, market)  # the order is kept, its payment due
    # Stripe is back: the household pays from its order's page.
    fake_stripe.down = False
    response = shopper.post(f"/payments/orders/{order.id}/pay")
    assert response.status_code == 303
    session_id = payments(db)[1].stripe_session_id
    fake_stripe.complete(session_id)
    fake_stripe.send_session_event("checkout.session.completed", session_id)
    assert_books(0, market)


def test_stripe_unreachable_at_checkout(app, db, shopper, market, fake_stripe):
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    response = order_online(shopper, market)
    assert response.status_code == 302
    assert the_order(db) is not None
    assert [p.status for p in payments(db)] == ["unavailable"]
    assert_books(ORDER_TOTAL, market)


def paid_order(db, shopper, market, fake_stripe) -> str:
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id)
    fake_stripe.send_session_event("checkout.session.completed", session_id)
    return session_id


def test_a_partial_refund_to_the_card(app, db, shopper, market, fake_stripe):
    app.config["HUB_REFUND_POLICY"] = "card"
    session_id = paid_order(db, shopper, market, fake_stripe)
    order = the_order(db)
    response = shopper.post(
        f"/orders/{order.id}/change",
        data={
            f"quantity-{market['carrots'].id}": "2",
            f"quantity-{market['cheese'].id}": "0",
            "pickup": market["pickup"].id,
            "submission": "change-1",
        },
    )
    assert response.status_code == 302
    (refund,) = fake_stripe.refunds.values()
    assert refund["amount"] == 1200
    refund_call = next(call for call in fake_stripe.calls if call[1] == "/v1/refunds")
    assert refund_call[3] == f"market-refund-{payments(db)[0].id}-v2-1200"
    assert payments(db)[0].refunded_cents == 1200
    assert payment_postings(db, "refund") == 1
    # Stripe's charge.refunded arrives: already posted, nothing changes.
    fake_stripe.send(fake_stripe.event("charge.refunded", fake_stripe.charge_of(session_id)))
    assert payment_postings(db, "refund") == 1
    assert account_balance("cash:stripe") == 500
    assert_books(0, market)  # 1700 ordered − 1200 taken back − 1700 paid + 1200 refunded


def test_a_full_refund_when_cancelled(app, db, shopper, market, fake_stripe):
    app.config["HUB_REFUND_POLICY"] = "card"
    paid_order(db, shopper, market, fake_stripe)
    response = shopper.post(f"/orders/{the_order(db).id}/cancel")
    assert response.status_code == 302
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [ORDER_TOTAL]
    assert account_balance("cash:stripe") == 0
    assert_books(0, market)


def test_cancelled_with_the_credit_policy_leaves_credit(app, db, shopper, market, fake_stripe):
    paid_order(db, shopper, market, fake_stripe)
    shopper.post(f"/orders/{the_order(db).id}/cancel")
    assert fake_stripe.refunds == {} and payment_postings(db, "refund") == 0
    assert_books(-ORDER_TOTAL, market)  # 17 € of credit for the next order


def test_refund_through_stripe_failing_changes_nothing(app, db, shopper, market, fake_stripe):
    app.config["HUB_REFUND_POLICY"] = "card"
    paid_order(db, shopper, market, fake_stripe)
    fake_stripe.down = True
    response = shopper.post(f"/orders/{the_order(db).id}/cancel")
    assert response.status_code == 503
    assert not the_order(db).is_cancelled
    assert_books(0, market)


def test_a_refund_made_on_the_dashboard_is_posted(db, shopper, market, fake_stripe):
    session_id = paid_order(db, shopper, market, fake_stripe)
    fake_stripe.refund_on_dashboard(session_id, 300)
    event = fake_stripe.event("charge.refunded", fake_stripe.charge_of(session_id))
    assert fake_stripe.send(event).json["outcome"] == "refunded"
    assert fake_stripe.send(event).json["outcome"] == "duplicate"
    assert payments(db)[0].refunded_cents == 300
    assert_books(300, market)  # 1700 − 1700 + 300 given back: 3 € owed again


def test_a_grown_order_owes_the_difference(db, shopper, market, fake_stripe):
    paid_order(db, shopper, market, fake_stripe)
    order = the_order(db)
    shopper.post(
        f"/orders/{order.id}/change",
        data={
            f"quantity-{market['carrots'].id}": "4",
            f"quantity-{market['cheese'].id}": "1",
            "pickup": market["pickup"].id,
            "submission": "grow",
        },
    )
    assert_books(500, market)
    assert "Payer 5,00" in shopper.get(f"/orders/{order.id}").text
    response = shopper.post(f"/payments/orders/{order.id}/pay")
    assert response.status_code == 303
    second = payments(db)[1]
    assert second.amount_cents == 500
    assert fake_stripe.sessions[second.stripe_session_id]["amount_total"] == 500
    fake_stripe.complete(second.stripe_session_id)
    fake_stripe.send_session_event("checkout.session.completed", second.stripe_session_id)
    assert_books(0, market)


def test_the_webhook_needs_no_csrf_token(app, db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    app.config["WTF_CSRF_ENABLED"] = True
    fake_stripe.complete(session_id)
    response = fake_stripe.send_session_event("checkout.session.completed", session_id)
    assert response.status_code == 200
    assert_books(0, market)


def test_reconcile_fixes_a_lost_webhook(app, db, shopper, market, fake_stripe):
    session_id = checked_out(db, shopper, market, fake_stripe)
    fake_stripe.complete(session_id)  # paid; the webhook never arrives
    assert payments(db)[0].status == "pending"
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "1 payments fixed" in result.output
    db.session.expire_all()
    assert payments(db)[0].status == "paid" and payment_postings(db) == 1
    assert_books(0, market)
    again = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert "0 payments fixed" in again.output and payment_postings(db) == 1


def test_paid_after_cancelling_goes_back_to_the_card(app, db, shopper, market, fake_stripe):
    """The session stays open after the order is cancelled; paying it is refunded at once."""
    app.config["HUB_REFUND_POLICY"] = "card"
    session_id = checked_out(db, shopper, market, fake_stripe)
    shopper.post(f"/orders/{the_order(db).id}/cancel")
    fake_stripe.complete(session_id)
    fake_stripe.send_session_event("checkout.session.completed", session_id)
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [ORDER_TOTAL]
    assert payment_postings(db) == 1 and payment_postings(db, "refund") == 1
    assert_books(0, market)  # ordered and cancelled, paid and refunded


def test_a_missing_item_at_pickup_goes_back_to_the_card(
    app, db, shopper, market, fake_stripe, coordinator_client
):
    from datetime import timedelta

    from market.timeutil import utcnow

    app.config["HUB_REFUND_POLICY"] = "card"
    paid_order(db, shopper, market, fake_stripe)
    order = the_order(db)
    market["cycle"].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    cheese = next(line for line in order.lines if line.offer_id == market["cheese"].id)
    response = coordinator_client.post(
        f"/pickup/{order.pickup_id}/orders/{order.id}/missing",
        data={"line_id": cheese.id, "missing": "1"},
    )
    assert response.status_code in (302, 303)
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [1200]
    assert_books(0, market)  # 1700 ordered − 1200 missing − 1700 paid + 1200 refunded


def test_a_session_of_an_earlier_amount_is_expired_before_another_opens(
    db, shopper, market, fake_stripe
):
    """Paying both could charge the household twice: one open session per order."""
    first = checked_out(db, shopper, market, fake_stripe)
    order = the_order(db)
    shopper.post(
        f"/orders/{order.id}/change",
        data={
            f"quantity-{market['carrots'].id}": "3",
            f"quantity-{market['cheese'].id}": "1",
            "pickup": market["pickup"].id,
            "submission": "more",
        },
    )
    again = shopper.post(f"/payments/orders/{order.id}/pay")
    assert again.status_code == 303
    second = payments(db)[-1].stripe_session_id
    assert second != first
    assert fake_stripe.sessions[first]["status"] == "expired"
    assert fake_stripe.sessions[second]["status"] == "open"
    assert [payment.status for payment in payments(db)] == ["expired", "pending"]


def test_a_payment_cut_off_before_stripe_answered_is_opened_again(db, shopper, market, fake_stripe):
    """Its row was written, then the request died before Stripe's answer was recorded: paying
    again opens that same payment with the same idempotency key, not a second one."""
    session_id = checked_out(db, shopper, market, fake_stripe)
    db.session.execute(Payment.__table__.update().values(stripe_session_id=None, checkout_url=None))
    db.session.commit()
    again = shopper.post(f"/payments/orders/{the_order(db).id}/pay")
    assert again.status_code == 303
    (payment,) = payments(db)
    assert payment.stripe_session_id == session_id
    assert list(fake_stripe.sessions) == [session_id]
