"""Shop, cart, checkout and the household's orders: thin views around the services."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, user_logged_in
from flask_wtf.csrf import generate_csrf
from wtforms import SelectChoice  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs

from market.auth.decorators import role_required
from market.auth.models import Role
from market.cycles import current
from market.cycles import services as cycles
from market.errors import DomainError
from market.i18n import money
from market.ledger.statements import household_credit_cents
from market.orders import bp, cart, paying
from market.orders import services as orders
from market.orders import shop as catalogue
from market.orders.forms import CheckoutForm
from market.orders.models import Order, PaymentChoice
from market.pricing import order_totals
from market.timeutil import utcnow
from market.web import confirmation_page, households_own, is_local_path, refuse, wants_json

household_only = role_required(Role.HOUSEHOLD)


def back_to(default: str) -> str:
    target = request.form.get("next")
    return target if is_local_path(target) else default


@user_logged_in.connect
def merge_visitor_cart(app, user):
    if (
        user.household_id
        and request.method == "POST"
        and cart.merge_visitor_cart(user.household_id, current.moment().open_cycle)
    ):
        flash(_("What you chose before logging in is in your cart."), "info")


@bp.route("/shop")
def shop(status: int = 200):
    moment = current.moment()
    cycle = moment.open_cycle
    filters = catalogue.ShopFilters.from_args(request.args)
    context: dict[str, object] = {"cycle": cycle, "upcoming": moment.upcoming}
    if cycle:
        context.update(
            catalogue=catalogue.catalogue_page(cycle, filters, generate_csrf(), request.full_path),
            in_cart=in_cart(cycle),
        )
    return render_template("orders/shop.html", **context), status


def in_cart(cycle) -> cart.Summary:
    """How many units the cart holds and for how much, the visitor's or the household's."""
    household_id = current_user.household_id if current_user.is_authenticated else None
    return cart.summary(household_id, cycle)


def added(message, status: int = 200, location: str | None = None):
    """The answer to an add made by the shop's script: the message and the cart bar's new
    units and total, so the page updates in place."""
    cycle = current.moment().open_cycle
    units = total = None
    if cycle:
        summary = in_cart(cycle)
        units = ngettext("%(num)d item", "%(num)d items", summary.units)
        total = money(summary.total_cents)
    return jsonify(message=str(message), units=units, total=total, location=location), status


@bp.route("/cart/add", methods=["POST"])
def add_to_cart():
    if current_user.is_authenticated and not current_user.household_id:
        abort(403)  # only households order
    cycle = current.moment().open_cycle
    try:
        offer = cart.offer_for_sale(request.form.get("offer_id", ""), cycle)
        quantity = cart.parse_quantity(request.form.get("quantity", "1"))
        name = offer.product.name
        if not current_user.is_authenticated:
            cart.add_for_visitor(offer, quantity)
            return visitor_added(name)
        cart.add(current_user.household_id, offer, quantity)
    except DomainError as error:
        if wants_json():  # an answer of 400 or more: the request's changes are rolled back
            return added(error.message, error.status)
        refuse(error, shop, error.status)
    message = _("« %(name)s » × %(quantity)d added to your cart.", name=name, quantity=quantity)
    if wants_json():
        return added(message)
    flash(message, "success")
    return redirect(back_to(url_for("orders.shop")))


def visitor_added(name: str):
    flash(
        _("« %(name)s » is kept for you: log in or create your account to order.", name=name),
        "info",
    )
    login = url_for("auth.login", next=url_for("orders.cart_page"))
    return added("", location=login) if wants_json() else redirect(login)


def pickup_choices(cycle) -> list[SelectChoice]:
    choices = []
    for pickup in cycle.pickups:
        point = pickup.collection_point
        window = cycles.format_window(pickup.starts_at, pickup.ends_at)
        choices.append(SelectChoice(str(pickup.id), f"{point.name}, {point.town} — {window}"))
    return choices


def full_points(cycle, current_pickup_id=None) -> dict[str, str]:
    """{pickup id: why it cannot be chosen} for the points that are full (but the order's
    own)."""
    return {
        str(pickup.id): _("Full for this cycle.")
        for pickup in cycle.pickups
        if pickup.is_full and pickup.id != current_pickup_id
    }


def unpayable(credit_cents: int, total_cents: int) -> dict[str, str]:
    """{payment choice: why it cannot succeed}: credit that does not cover the cart."""
    if credit_cents >= total_cents:
        return {}
    if credit_cents <= 0:
        return {PaymentChoice.CREDIT.value: _("You have no credit.")}
    return {PaymentChoice.CREDIT.value: _("Your credit does not cover this order.")}


def render_cart(cycle, form=None, status=200):
    household_id = current_user.household_id
    items = cart.items(household_id, cycle)
    order = orders.household_order(household_id, cycle.id) if cycle else None
    form = form or CheckoutForm()
    lines = [(item, orders.cart_line(item)) for item in items]
    totals = order_totals(line.priced() for _item, line in lines)
    credit = household_credit_cents(household_id)
    context = {"full_points": {}, "unpayable": unpayable(credit, totals.total_cents)}
    if cycle:
        current_pickup = order.pickup_id if order else None
        form.pickup.choices = pickup_choices(cycle)
        context["full_points"] = full_points(cycle, current_pickup)
        if not form.pickup.data and order:
            form.pickup.data = str(order.pickup_id)
    # A refused form shows the quantities as they were typed, not as they were stored.
    typed = request.form if request.method == "POST" else {}
    return render_template(
        "orders/cart.html",
        cycle=cycle,
        lines=lines,
        form=form,
        totals=totals,
        order=order,
        credit=credit,
        typed=typed,
        **context,
    ), status


@bp.route("/cart")
@household_only
def cart_page():
    return render_cart(current.moment().open_cycle)


def keep_typed_quantities(cycle) -> None:
    """The cart takes the quantities its form shows (0 removes a product): confirming sends
    what the household sees, never the quantities stored before they typed."""
    if not any(name.startswith("quantity-") for name in request.form):
        return
    for item in cart.items(current_user.household_id, cycle):
        field = f"quantity-{item.offer_id}"
        if field in request.form:
            quantity = cart.parse_quantity(request.form[field], allow_zero=True)
            if quantity != item.quantity:
                cart.set_quantity(current_user.household_id, item.offer_id, quantity)


@bp.route("/cart/update", methods=["POST"])
@household_only
def update_cart():
    cycle = current.moment().open_cycle
    try:
        keep_typed_quantities(cycle)
    except DomainError as error:
        refuse(error, render_cart, cycle, status=error.status)
    flash(_("Your cart is updated."), "success")
    return redirect(url_for("orders.cart_page"))


@bp.route("/checkout", methods=["POST"])
@household_only
def checkout():
    moment = current.moment()
    now, cycle = moment.now, moment.open_cycle
    form = CheckoutForm()
    if cycle is None:
        flash(_("Orders are closed at the moment."), "error")
        return shop(409)
    try:
        keep_typed_quantities(cycle)
    except DomainError as error:
        refuse(error, render_cart, cycle, form, error.status)
    if not form.validate_on_submit():
        return render_cart(cycle, form, 400)
    try:
        order = orders.checkout(
            current_user,
            cycle,
            now,
            pickup_id=form.pickup.data,
            payment=form.payment.data,
            submission=form.submission.data,
        )
    except DomainError as error:
        refuse(error, render_cart, cycle, form, error.status)
    flash(
        _("Thank you! Your order %(reference)s is recorded.", reference=order.reference), "success"
    )
    return paying.provider_for(order.payment_choice).after_checkout(order) or redirect(
        url_for("orders.order_page", order_id=order.id)
    )


@bp.route("/orders")
@household_only
def my_orders(status: int = 200):
    cycle = current.moment().open_cycle
    household_id = current_user.household_id
    repeatable = cycle is not None and orders.previous_order(household_id, cycle) is not None
    this_cycle = (
        orders.household_order(household_id, cycle.id) if cycle is not None and repeatable else None
    )
    return render_template(
        "orders/orders.html",
        orders=orders.household_orders(household_id),
        repeatable=repeatable,
        this_cycle=this_cycle,
    ), status


def owned(order_id: int) -> Order:
    return households_own(orders.order_for_page(order_id))


@bp.route("/orders/<int:order_id>")
@household_only
def order_page(order_id: int, form=None, status=200):
    order = owned(order_id)
    editable = order.is_editable(utcnow())
    form = form or CheckoutForm()
    form.pickup.choices = pickup_choices(order.cycle)
    form.pickup.data = form.pickup.data or str(order.pickup_id)
    return render_template(
        "orders/order.html",
        order=order,
        totals=order.totals,
        editable=editable,
        form=form,
        full_points=full_points(order.cycle, order.pickup_id),
        payment=paying.payments().panel(order),
    ), status


@bp.route("/orders/<int:order_id>/change", methods=["POST"])
@household_only
def change_order(order_id: int):
    order = owned(order_id)
    form = CheckoutForm()
    try:
        quantities = {
            line.offer_id: cart.parse_quantity(
                request.form.get(f"quantity-{line.offer_id}", line.quantity), allow_zero=True
            )
            for line in order.lines
        }
        orders.change(
            current_user,
            order,
            utcnow(),
            quantities=quantities,
            pickup_id=form.pickup.data or order.pickup_id,
            submission=form.submission.data,
        )
        paying.payments().settle_overpayment(order)
    except DomainError as error:
        refuse(error, order_page, order_id, form, error.status)
    flash(
        _("Your order is updated.") if not order.is_cancelled else _("Your order is cancelled."),
        "success",
    )
    return redirect(url_for("orders.order_page", order_id=order.id))


@bp.route("/orders/<int:order_id>/cancel")
@household_only
def confirm_cancel_order(order_id: int):
    order = owned(order_id)
    return confirmation_page(
        question=_("Cancel the order %(reference)s?", reference=order.reference),
        consequences=[
            _("Its products go back on sale for other households."),
            _(
                "Anything already paid for it stays on your account as credit, or "
                "goes back to your card as the hub decides."
            ),
            _("You can order again until the cycle closes."),
        ],
        action=url_for("orders.cancel_order", order_id=order.id),
        confirm=_("Yes, cancel my order"),
        back=url_for("orders.order_page", order_id=order.id),
        back_label=_("No, keep it"),
    )


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@household_only
def cancel_order(order_id: int):
    order = owned(order_id)
    try:
        orders.cancel(current_user, order, utcnow())
        paying.payments().settle_overpayment(order)
    except DomainError as error:
        refuse(error, order_page, order_id, status=error.status)
    flash(_("Your order is cancelled."), "success")
    return redirect(url_for("orders.order_page", order_id=order.id))


@bp.route("/orders/repeat", methods=["POST"])
@household_only
def repeat_order():
    cycle = current.moment().open_cycle
    try:
        if cycle is None:
            raise orders.CycleNotOpen(_("Orders are closed at the moment."))
        added, missing = orders.repeat_previous(current_user, cycle)
    except DomainError as error:
        refuse(error, my_orders, error.status)
    flash(_("%(count)d products of your last order are in your cart.", count=added), "success")
    if missing:
        flash(_("Not on sale this week: %(names)s.", names=", ".join(missing)), "info")
    return redirect(url_for("orders.cart_page"))
