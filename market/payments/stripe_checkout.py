"""Stripe Checkout: sessions, their state as Stripe tells it, and refunds.

Every write call to Stripe carries an idempotency key made of our own ids, so a retry (ours or
the SDK's) never charges or refunds twice; every ledger posting is keyed on Stripe's ids, so a
webhook, a return to the site and the reconciliation may all see the same payment and it is
counted once.
"""

import logging
from typing import TYPE_CHECKING

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from market.extensions import db
from market.ledger.builders import post_payment_received, post_refund
from market.numbers import identifier
from market.orders.models import Order
from market.payments.errors import PaymentRefused, PaymentUnavailable
from market.payments.models import Payment, PaymentStatus
from market.urls import external_url

if TYPE_CHECKING:
    from stripe.params import RefundCreateParams
    from stripe.params.checkout import SessionCreateParams, SessionCreateParamsLineItem

log = logging.getLogger(__name__)
CURRENCY = "eur"
METHOD = "stripe"  # market.ledger.accounts.PAYMENT_METHODS: through cash:stripe (511)


def stripe_configured() -> bool:
    """Online payment is offered only when the hub has set both Stripe keys."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def client() -> stripe.StripeClient:
    config = current_app.config
    api_base = config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=1,
    )


def unavailable() -> PaymentUnavailable:
    return PaymentUnavailable(
        _l(
            "Online payment is not available at the moment. Your order is "
            "kept and its payment is still due: try again from your "
            "order's page in a while, or pay at pickup."
        )
    )


def line_items(order: Order, amount_cents: int) -> list["SessionCreateParamsLineItem"]:
    """The order's lines when they make up the amount; else one line for what is due."""
    items = [
        (
            line.product_name,
            1 if line.sold_by_weight else line.quantity,
            line.amount_cents if line.sold_by_weight else line.unit_price_cents,
        )
        for line in order.lines
    ]  # (name, quantity, unit amount)
    if sum(quantity * unit_amount for _, quantity, unit_amount in items) != amount_cents:
        items = [
            (str(_l("Order %(reference)s: amount due", reference=order.reference)), 1, amount_cents)
        ]
    return [
        {
            "quantity": quantity,
            "price_data": {
                "currency": CURRENCY,
                "unit_amount": unit_amount,
                "product_data": {"name": name},
            },
        }
        for name, quantity, unit_amount in items
    ]


def new_payment(order: Order, amount_cents: int) -> Payment:
    if amount_cents <= 0:
        raise PaymentRefused(_l("Nothing is due on this order."))
    payment = Payment(
        order_id=order.id,
        household_id=order.household_id,
        provider="stripe",
        method=METHOD,
        amount_cents=amount_cents,
        order_version=order.version,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def open_session(payment: Payment, email: str) -> str:
    """Create the payment's Checkout Session and return the address to send the household to.

    The caller commits the Payment row first: its id makes the idempotency key, and a session
    created just before a crash is still found through its metadata.
    """
    order = payment.order
    params: SessionCreateParams = {
        "mode": "payment",
        "line_items": line_items(order, payment.amount_cents),
        "customer_email": email,
        "client_reference_id": order.reference,
        "metadata": {
            "order_id": str(order.id),
            "order_version": str(payment.order_version),
            "payment_id": str(payment.id),
            "reference": order.reference,
        },
        "payment_intent_data": {
            "metadata": {"order_id": str(order.id), "payment_id": str(payment.id)}
        },
        "success_url": external_url("payments.returned", payment_id=payment.id),
        "cancel_url": external_url("payments.cancelled", payment_id=payment.id),
    }
    try:
        session = client().v1.checkout.sessions.create(
            params, options={"idempotency_key": f"market-checkout-{payment.id}"}
        )
    except stripe.StripeError as error:
        log.warning("Checkout Session for payment %s not created: %s", payment.id, error)
        payment.status = PaymentStatus.UNAVAILABLE
        db.session.flush()
        raise unavailable() from error
    payment.stripe_session_id, payment.checkout_url = session.id, session.url
    db.session.flush()
    if session.url is None:  # Stripe gives every hosted Checkout Session its address
        raise unavailable()
    return session.url


def fetch_session(session_id: str) -> dict:
    return client().v1.checkout.sessions.retrieve(session_id).to_dict()


def payment_of_session(session: dict) -> Payment | None:
    payment = db.session.scalar(select(Payment).where(Payment.stripe_session_id == session["id"]))
    if payment is None:
        # Created just before our own record of it was lost: the metadata names it.
        payment_id = identifier((session.get("metadata") or {}).get("payment_id"))
        payment = db.session.get(Payment, payment_id) if payment_id else None
        if payment is not None and payment.stripe_session_id not in (None, session["id"]):
            return None
        if payment is not None:
            payment.stripe_session_id = session["id"]
    return payment


def sync_session(payment: Payment, session: dict, event_type: str | None = None) -> bool:
    """Bring the payment to the session's state as Stripe reports it; True when it changed.

    A paid payment never goes back; its posting is keyed on the session id, so seeing the
    same paid session again (duplicate or late events, reconciliation) posts nothing more.
    """
    before = payment.status
    if session["status"] == "complete" and session["payment_status"] in (
        "paid",
        "no_payment_required",
    ):
        mark_paid(payment, session)
    elif payment.is_paid:
        pass
    elif session["status"] == "expired":
        payment.status = PaymentStatus.EXPIRED
    elif event_type == "checkout.session.async_payment_failed":
        payment.status = PaymentStatus.FAILED
    db.session.flush()
    return payment.status != before


def mark_paid(payment: Payment, session: dict) -> None:
    amount = int(session["amount_total"])
    if amount != payment.amount_cents:
        log.warning(
            "Session %s took %s cents for payment %s of %s cents",
            session["id"],
            amount,
            payment.id,
            payment.amount_cents,
        )
        payment.amount_cents = amount
    payment.status = PaymentStatus.PAID
    payment.stripe_payment_intent = session.get("payment_intent")
    order = payment.order
    post_payment_received(
        order.household_id,
        amount,
        METHOD,
        order.reference,
        idempotency_key=f"stripe:{session['id']}",
        order_id=order.id,
    )


def refund(payment: Payment, amount_cents: int, reason_key: str) -> None:
    """Refund part of a card payment through Stripe and post it; `reason_key` names why."""
    order = payment.order
    params: RefundCreateParams = {
        "amount": amount_cents,
        "metadata": {"order_id": str(order.id), "payment_id": str(payment.id)},
    }
    # A paid card payment has its PaymentIntent; without one, Stripe refuses the refund
    # (the SDK leaves empty parameters out), as it would any other mistake below.
    if payment.stripe_payment_intent is not None:
        params["payment_intent"] = payment.stripe_payment_intent
    try:
        created = client().v1.refunds.create(
            params, options={"idempotency_key": f"market-refund-{payment.id}-{reason_key}"}
        )
    except stripe.StripeError as error:
        log.warning("Refund of payment %s not made: %s", payment.id, error)
        raise PaymentUnavailable(
            _l(
                "The refund to your card could not be made just now, so "
                "nothing was changed: try again in a while."
            )
        ) from error
    post_stripe_refund(payment, created.id, created.amount)
    payment.refunded_cents += int(created.amount)
    db.session.flush()


def post_stripe_refund(payment: Payment, refund_id: str, amount_cents: int) -> None:
    order = payment.order
    post_refund(
        order.household_id,
        int(amount_cents),
        METHOD,
        order.reference,
        idempotency_key=f"stripe:refund:{refund_id}",
        order_id=order.id,
    )


def sync_refunds(payment: Payment) -> None:
    """Post every succeeded refund of the payment, ours or made on Stripe's dashboard."""
    intent = payment.stripe_payment_intent
    if intent is None:  # not paid through Stripe: no refund to find (and none to list)
        return
    refunds = client().v1.refunds.list({"payment_intent": intent, "limit": 100})
    total = 0
    for item in refunds.data:
        if item.status == "succeeded":
            post_stripe_refund(payment, item.id, item.amount)
            total += int(item.amount)
    payment.refunded_cents = total
    db.session.flush()


def expire(payment: Payment) -> None:
    """End an open session that must no longer be paid (it was for an earlier amount)."""
    session_id = payment.stripe_session_id
    if session_id is None:  # no session opened: none to end
        return
    try:
        try:
            session = (
                client()
                .v1.checkout.sessions.expire(
                    session_id, options={"idempotency_key": f"market-expire-{payment.id}"}
                )
                .to_dict()
            )
        except stripe.InvalidRequestError:  # completed or expired meanwhile
            session = fetch_session(session_id)
    except stripe.StripeError as error:
        log.warning("Session %s of payment %s not expired: %s", session_id, payment.id, error)
        raise unavailable() from error
    sync_session(payment, session)


def pending_payments(order: Order) -> list[Payment]:
    """The order's online payments still waiting, read in one statement: a session recorded
    by another request meanwhile is seen the same way by everything decided from it."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.order_id == order.id,
                Payment.provider == "stripe",
                Payment.status == PaymentStatus.PENDING.value,
            )
            .order_by(Payment.id)
            .execution_options(populate_existing=True)
        )
    )


def refresh(payments: list[Payment]) -> list[tuple[Payment, str]]:
    """Ask Stripe about these payments' sessions; those still open, with their address.

    Run before opening a new session, so that a payment whose webhook is late is counted
    before working out what is due, and an open session is reused rather than doubled.
    """
    still_open = []
    for payment in payments:
        if payment.stripe_session_id is None:
            continue
        try:
            session = fetch_session(payment.stripe_session_id)
        except stripe.StripeError as error:
            raise unavailable() from error
        sync_session(payment, session)
        if session["status"] == "open":
            still_open.append((payment, session["url"]))
    return still_open
