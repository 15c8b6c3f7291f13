"""`flask --app market payments reconcile`: what a lost webhook missed, found and fixed."""

import logging
import time

import click
import stripe
from flask import current_app
from flask.cli import AppGroup

from market.extensions import db
from market.payments import stripe_checkout, webhooks

log = logging.getLogger(__name__)
payments_cli = AppGroup("payments", help="Online payments.")


def reconcile(days: int) -> dict:
    """Compare the Checkout Sessions of the last days with our payments and fix ours."""
    since = int(time.time()) - days * 86400
    sessions = stripe_checkout.client().v1.checkout.sessions.list(
        {"created": {"gte": since}, "limit": 100}
    )
    counts = {"seen": 0, "fixed": 0, "unknown": 0}
    for item in sessions.auto_paging_iter():
        session = item.to_dict()
        counts["seen"] += 1
        payment = stripe_checkout.payment_of_session(session)
        if payment is None:
            log.warning("Stripe session %s matches no payment of ours", session["id"])
            counts["unknown"] += 1
            continue
        before = (payment.status, payment.refunded_cents)
        webhooks.handle_session(session, None)
        if payment.stripe_payment_intent and payment.is_paid:
            stripe_checkout.sync_refunds(payment)
        if (payment.status, payment.refunded_cents) != before:
            counts["fixed"] += 1
    return counts


@payments_cli.command("reconcile")
@click.option(
    "--days", default=3, show_default=True, type=click.IntRange(min=1), help="How far back to look."
)
def reconcile_command(days: int) -> None:
    """Fix payments whose webhook never arrived, from Stripe's recent Checkout Sessions."""
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise click.ClickException("Online payment is not configured (MARKET_STRIPE_SECRET_KEY).")
    try:
        counts = reconcile(days)
    except stripe.StripeError as error:
        db.session.rollback()
        raise click.ClickException(
            f"Stripe answered: {error.user_message or error}".splitlines()[0]
        ) from None
    db.session.commit()
    click.echo(
        f"{counts['seen']} sessions seen, {counts['fixed']} payments fixed, "
        f"{counts['unknown']} sessions unknown."
    )
