"""Paying online: the household is sent to a Checkout Session for what its order owes."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.errors import DomainError
from market.extensions import db
from market.orders.models import Order
from market.payments import services, stripe_checkout
from market.payments.errors import PaymentUnavailable
from market.web import refuse


def order_page(order: Order):
    return redirect(url_for("orders.order_page", order_id=order.id))


def start_online(order: Order):
    """Send the household to a Checkout Session for what the order owes.

    The order is committed first: whatever happens with Stripe, it is kept, and its payment
    stays due. This is one of the few places that commit before the request ends.
    """
    db.session.commit()
    if not stripe_checkout.stripe_configured():
        flash(_("Online payment is not offered: pay at pickup."), "error")
        return order_page(order), 409
    try:
        payment, url = services.online_payment_for(order)
        if url is None:
            db.session.commit()  # on record before Stripe is asked: its id keys the call
            url = stripe_checkout.open_session(payment, current_user.email)
    except PaymentUnavailable as error:
        flash(error.message, "error")  # the attempt stays on record as unavailable
        return order_page(order)
    except DomainError as error:
        refuse(error, order_page, order)
    return redirect(url, 303)
