"""Paying online, coming back from Stripe, Stripe's webhook, and payments taken at pickup."""

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from market.auth.decorators import role_required
from market.auth.models import Role
from market.errors import DomainError
from market.extensions import csrf, db
from market.i18n import money
from market.orders.models import Order
from market.orders.views import shopping
from market.payments import bp, services, webhooks
from market.payments.errors import BadWebhook, PaymentUnavailable
from market.payments.forms import PickupPaymentForm
from market.payments.models import Payment
from market.payments.online import order_page, start_online
from market.web import household_row_or_404, refuse

log = logging.getLogger(__name__)
household_only = role_required(Role.HOUSEHOLD)
staff_only = role_required(Role.COORDINATOR)


@bp.route("/orders/<int:order_id>/pay", methods=["POST"])
@household_only
def pay_online(order_id: int):
    order = household_row_or_404(Order, order_id)
    if order.is_cancelled:
        flash(_("This order is cancelled: there is nothing to pay."), "error")
        return order_page(order)
    return start_online(order)


@bp.route("/orders/<int:order_id>/use-credit", methods=["POST"])
@household_only
def use_credit(order_id: int):
    order = household_row_or_404(Order, order_id)
    try:
        services.pay_from_credit(order)
    except DomainError as error:
        refuse(error, shopping.order_page, order_id, status=error.status)
    flash(_("Your credit pays this order."), "success")
    return order_page(order)


@bp.route("/<int:payment_id>/returned")
@household_only
def returned(payment_id: int):
    """Back from Stripe. Only the webhook marks a payment paid: this page tells where it is."""
    payment = household_row_or_404(Payment, payment_id)
    return render_template(
        "payments/returned.html",
        payment=payment,
        order=payment.order,
        summary=services.summary(payment.order),
    )


@bp.route("/<int:payment_id>/cancelled")
@household_only
def cancelled(payment_id: int):
    payment = household_row_or_404(Payment, payment_id)
    return render_template(
        "payments/cancelled.html",
        payment=payment,
        order=payment.order,
        summary=services.summary(payment.order),
    )


@bp.route("/webhook/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    # Commits here, not when the request ends: a concurrent delivery of the same event is
    # told apart from a real failure only by the commit's outcome.
    try:
        outcome = webhooks.handle(request.get_data(), request.headers.get("Stripe-Signature"))
        db.session.commit()
    except (BadWebhook, PaymentUnavailable) as error:
        db.session.rollback()
        return {"error": str(error.message)}, error.status
    except IntegrityError:
        db.session.rollback()
        if not webhooks.already_handled(request.get_data()):
            raise  # a real failure: answer 500, and Stripe delivers it again later
        outcome = "duplicate"  # handled at the same moment by another delivery
    return {"received": True, "outcome": outcome}, 200


def render_record(order: Order, form: PickupPaymentForm, status: int = 200):
    return render_template(
        "payments/record.html",
        order=order,
        form=form,
        totals=order.totals,
        summary=services.summary(order),
    ), status


@bp.route("/orders/<int:order_id>/record", methods=["GET", "POST"])
@staff_only
def record_payment(order_id: int):
    order = db.session.get(Order, order_id) or abort(404)
    form = PickupPaymentForm()
    if request.method == "GET":
        return render_record(order, form)
    if not form.validate_on_submit():
        return render_record(order, form, 400)
    try:
        services.record_pickup_payment(
            order, form.amount.cents, form.method.data, current_user, key=form.submission.data
        )
    except DomainError as error:
        refuse(error, render_record, order, form, error.status)
    flash(
        _(
            "Payment of %(amount)s recorded for order %(reference)s.",
            amount=money(form.amount.cents),
            reference=order.reference,
        ),
        "success",
    )
    return redirect(url_for("payments.record_payment", order_id=order.id))
