"""The pickup screen: search, see the order, record what happens. No JavaScript needed.

Every action is a small POST form that redirects back to the order (so reloading a page sent
on a slow connection does not send it again; a payment also carries a one-time token).
"""

import secrets
from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm

from market.auth.decorators import role_required
from market.auth.models import Role
from market.cycles.models import CyclePickup
from market.errors import DomainError
from market.ledger.statements import household_credit_cents
from market.money import decimal_text
from market.orders.models import payment_label
from market.payments.services import PICKUP_METHODS, due_cents
from market.pickup import bp
from market.pickup import services as pickup_day
from market.pickup.forms import MissingForm, PaymentForm, StatusForm, WeightForm
from market.timeutil import utcnow
from market.web import confirmation_page, refuse

staff = role_required(Role.COORDINATOR)


@bp.app_template_filter("kg")
def kilograms(grams: int) -> str:
    """1250 → 1,250 (kilograms, as a French scale shows them)."""
    return f"{grams // 1000},{grams % 1000:03d}"


def pickup_or_404(pickup_id: int) -> CyclePickup:
    return pickup_day.pickup_or_none(pickup_id) or abort(404)


@bp.route("/pickup")
@staff
def choose_point():
    return render_template("pickup/choose.html", pickups=pickup_day.recent_pickups(utcnow()))


@bp.route("/pickup/<int:pickup_id>")
@staff
def point_page(pickup_id: int):
    pickup = pickup_or_404(pickup_id)
    query = request.args.get("q", "")[:100]
    collected, total = pickup_day.progress(pickup)
    return render_template(
        "pickup/point.html",
        pickup=pickup,
        query=query,
        orders=pickup_day.search(pickup, query),
        collected=collected,
        total=total,
    )


def order_context(pickup, order) -> dict:
    amount = pickup_day.order_amount(order)
    due = due_cents(order)  # credit orders: what the household's credit already covers is paid
    phones = [user.phone for user in order.household.users if user.phone]
    return {
        "pickup": pickup,
        "order": order,
        "amount": amount,
        "paid": amount - due,
        "due": due,
        "credit": household_credit_cents(order.household_id),
        "phone": phones[0] if phones else "",
        "methods": PICKUP_METHODS,
        "payment_choice": payment_label(order.payment_choice),
        "submission": secrets.token_hex(16),
        "due_text": decimal_text(due),
    }


@bp.route("/pickup/<int:pickup_id>/orders/<int:order_id>")
@staff
def order_page(pickup_id: int, order_id: int, status: int = 200, failed: dict | None = None):
    """`failed`: the field a refused form was about, its line and message, shown beside it."""
    pickup = pickup_or_404(pickup_id)
    order = pickup_day.order_at(pickup, order_id) or abort(404)
    return render_template(
        "pickup/order.html", failed=failed or {}, **order_context(pickup, order)
    ), status


def record_missing(order, form: MissingForm, now):
    pickup_day.mark_missing(order, form.line_id.data, form.missing.data or "", now)


def record_weight(order, form: WeightForm, now):
    pickup_day.record_weight(order, form.line_id.data, form.weight.data or "", now)


def record_payment(order, form: PaymentForm, now):
    pickup_day.record_payment(
        order, form.amount.data or "", form.method.data or "", form.submission.data or "", now
    )


def pay_and_collect(order, form: PaymentForm, now):
    """The common case in one tap: the household pays what is due and takes its order."""
    pickup_day.pay_and_collect(
        order, form.amount.data or "", form.method.data or "", form.submission.data or "", now
    )


# Each action: its form, what it does, what the volunteer is told.
ACTIONS: dict[str, tuple[type[FlaskForm], Callable, LazyString]] = {
    "collected": (
        StatusForm,
        lambda order, form, now: pickup_day.mark_collected(order, now),
        _l("Marked as collected."),
    ),
    "absent": (
        StatusForm,
        lambda order, form, now: pickup_day.mark_no_show(order, now),
        _l("Marked as not collected."),
    ),
    "undo": (
        StatusForm,
        lambda order, form, now: pickup_day.undo_status(order),
        _l("Status cleared."),
    ),
    "missing": (MissingForm, record_missing, _l("Missing item recorded.")),
    "weight": (WeightForm, record_weight, _l("Weight recorded.")),
    "payment": (PaymentForm, record_payment, _l("Payment recorded.")),
    "paid-collected": (PaymentForm, pay_and_collect, _l("Paid and collected.")),
}
# After these the volunteer is ready for the next household.
TO_THE_NEXT = ("collected", "paid-collected")


@bp.route("/pickup/<int:pickup_id>/orders/<int:order_id>/absent")
@staff
def confirm_no_show(pickup_id: int, order_id: int):
    """A no-show emails the household and, as the hub chose, cancels or charges the order:
    it asks first."""
    pickup = pickup_or_404(pickup_id)
    order = pickup_day.order_at(pickup, order_id) or abort(404)
    policy = (
        _("The order is cancelled and the household owes nothing for it.")
        if pickup_day.no_show_policy() == "cancel"
        else _("The order stays due.")
    )
    return confirmation_page(
        question=_(
            "Has nobody collected the order %(reference)s (%(name)s)?",
            reference=order.reference,
            name=order.household.name,
        ),
        consequences=[policy, _("The household is told by email.")],
        action=url_for(
            "pickup.order_action", pickup_id=pickup.id, order_id=order.id, action="absent"
        ),
        confirm=_("Yes, not collected"),
        back=url_for("pickup.order_page", pickup_id=pickup.id, order_id=order.id),
        back_label=_("No, go back"),
    )


@bp.route(
    "/pickup/<int:pickup_id>/orders/<int:order_id>/"
    "<any(collected, absent, undo, missing, weight, payment, 'paid-collected'):action>",
    methods=["POST"],
)
@staff
def order_action(pickup_id: int, order_id: int, action: str):
    pickup = pickup_or_404(pickup_id)
    order = pickup_day.order_at(pickup, order_id, lock=True) or abort(404)
    form_class, operation, message = ACTIONS[action]
    form = form_class()
    if not form.validate_on_submit():
        abort(400)
    try:
        operation(order, form, utcnow())
    except DomainError as error:
        failed = {
            "field": getattr(error, "field", None),
            "message": error.message,
            "line_id": getattr(form, "line_id", None) and form.line_id.data,
            "amount": getattr(form, "amount", None) and form.amount.data,
        }
        refuse(error, order_page, pickup_id, order_id, status=error.status, failed=failed)
    flash(message, "success")
    if action in TO_THE_NEXT:
        flash(_("Next household?"), "info")
        return redirect(url_for("pickup.point_page", pickup_id=pickup_id))
    return redirect(url_for("pickup.order_page", pickup_id=pickup_id, order_id=order_id))
