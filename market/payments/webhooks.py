"""Stripe's webhook: verify, deduplicate on the event id, re-fetch, act idempotently.

The event body is only a hint of what happened: the handler asks Stripe for the session as it
is now, so duplicate, late or out-of-order events all converge on the same state.
"""

import json
import logging

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from market.extensions import db
from market.numbers import identifier
from market.payments import services, stripe_checkout
from market.payments.errors import BadWebhook, PaymentUnavailable, WebhookNotConfigured
from market.payments.models import Payment, StripeEvent

log = logging.getLogger(__name__)
# Stripe's own default: an event signed more than five minutes ago is refused (replays).
TOLERANCE_SECONDS = 300
SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


def verified_event(payload: bytes, signature: str | None) -> dict:
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise WebhookNotConfigured(_l("Online payment is not configured."))
    try:
        event = stripe.Webhook.construct_event(
            payload, signature or "", secret, tolerance=TOLERANCE_SECONDS
        )
    except (ValueError, stripe.SignatureVerificationError) as error:
        log.warning("Stripe webhook refused: %s", error)
        raise BadWebhook(_l("Invalid signature.")) from error
    return event.to_dict()


def already_handled(payload: bytes) -> bool:
    """After a conflict: was this (already verified) event recorded by another delivery?"""
    return db.session.get(StripeEvent, json.loads(payload)["id"]) is not None


def handle(payload: bytes, signature: str | None) -> str:
    """Handle one delivery; returns what was done. Raises BadWebhook on a bad signature."""
    event = verified_event(payload, signature)
    if db.session.get(StripeEvent, event["id"]) is not None:
        return "duplicate"
    # Recorded in the same transaction as its effects: a failure leaves it unrecorded, and
    # Stripe's retry is handled afresh. A concurrent duplicate fails on the primary key.
    db.session.add(StripeEvent(id=event["id"], type=event["type"]))
    db.session.flush()
    obj = event["data"]["object"]
    try:
        if event["type"] in SESSION_EVENTS:
            if not is_ours(obj):
                log.info("Stripe session %s is not one of ours: acknowledged", obj.get("id"))
                return "not ours"
            return handle_session(stripe_checkout.fetch_session(obj["id"]), event["type"])
        if event["type"] == "charge.refunded":
            return handle_refund(obj)
    except stripe.InvalidRequestError as error:
        # Stripe does not know it (a deleted or test object): retrying would never help.
        log.warning("Stripe event %s names an object Stripe does not know: %s", event["id"], error)
        return "unknown"
    except stripe.StripeError as error:
        # Unreachable or failing: nothing is recorded, and Stripe delivers the event again.
        log.error("Stripe could not be reached for event %s: %s", event["id"], error)
        raise PaymentUnavailable(_l("Stripe could not be reached; deliver again later.")) from error
    return "ignored"


def is_ours(session: dict) -> bool:
    """Whether we created this Checkout Session, known without asking Stripe: we hold its
    id, or its metadata names one of our payments."""
    if db.session.scalar(select(Payment.id).where(Payment.stripe_session_id == session["id"])):
        return True
    payment_id = identifier((session.get("metadata") or {}).get("payment_id"))
    return payment_id is not None and db.session.get(Payment, payment_id) is not None


def handle_session(session: dict, event_type: str | None) -> str:
    payment = stripe_checkout.payment_of_session(session)
    if payment is None:
        log.warning(
            "Stripe session %s (metadata %s) matches no payment of ours",
            session["id"],
            session.get("metadata"),
        )
        return "unknown"
    was_paid = payment.is_paid
    stripe_checkout.sync_session(payment, session, event_type)
    if payment.is_paid and not was_paid:
        # Paid for an order that has shrunk or was cancelled meanwhile, or paid twice.
        services.settle_overpayment(payment.order)
    return payment.status


def handle_refund(charge: dict) -> str:
    intent = charge.get("payment_intent")
    payment = (
        db.session.scalar(select(Payment).where(Payment.stripe_payment_intent == intent))
        if intent
        else None
    )
    if payment is None:
        log.warning("Stripe refund on charge %s matches no payment of ours", charge.get("id"))
        return "unknown"
    stripe_checkout.sync_refunds(payment)
    return "refunded"
