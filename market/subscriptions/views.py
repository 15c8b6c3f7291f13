"""Contracts: households subscribe and declare absences, producers define contracts and see
their subscribers, the coordinator sees every contract with its fill."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.auth.decorators import role_required
from market.auth.models import Role
from market.catalog.models import Product
from market.cycles.services import active_collection_points
from market.errors import DomainError, found
from market.extensions import db
from market.payments.services import PICKUP_METHODS
from market.subscriptions import bp
from market.subscriptions import services as subscriptions
from market.subscriptions.errors import SubscriptionRefused
from market.subscriptions.forms import contract_fields, day
from market.subscriptions.models import BasketShare, Contract, Instalment, Subscription
from market.timeutil import utcnow
from market.web import get_or_404, household_row_or_404, refuse


def contracts_answer(status: int = 200):
    """The contracts open to subscription and, for a household, its own subscriptions."""
    now = utcnow()
    mine, shares = [], []
    if current_user.is_authenticated and current_user.household_id is not None:
        mine = subscriptions.household_subscriptions(current_user.household_id)
        shares = subscriptions.household_shares(current_user.household_id)
    subscribed = {subscription.contract_id for subscription in mine}
    return render_template(
        "subscriptions/contracts.html",
        contracts=subscriptions.contracts_open(now),
        mine=mine,
        shares=shares,
        subscribed=subscribed | {share.subscription.contract_id for share in shares},
        today=subscriptions.hub_today(now),
    ), status


@bp.route("/contracts")
def contracts_page():
    return contracts_answer()


@bp.route("/contracts/<int:contract_id>/subscribe", methods=["POST"])
@role_required(Role.HOUSEHOLD)
def subscribe(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    try:
        subscriptions.subscribe(
            current_user.household_id, contract, request.form.get("point", ""), utcnow()
        )
    except DomainError as error:
        refuse(error, contracts_answer, error.status)
    flash(_("You are subscribed to « %(name)s ».", name=contract.name), "success")
    return redirect(url_for("subscriptions.contracts_page"))


@bp.route("/subscriptions/<int:subscription_id>/absences", methods=["POST"])
@role_required(Role.HOUSEHOLD)
def declare_absence(subscription_id: int):
    subscription = household_row_or_404(Subscription, subscription_id)
    try:
        when = day(request.form.get("day"), _("Choose one of the contract’s delivery days."))
        subscriptions.declare_absence(subscription, when, utcnow())
    except DomainError as error:
        refuse(error, contracts_answer, error.status)
    flash(_("Your absence is recorded: that delivery will not be made or charged."), "success")
    return redirect(url_for("subscriptions.contracts_page"))


@bp.route("/subscriptions/<int:subscription_id>/end", methods=["POST"])
@role_required(Role.HOUSEHOLD)
def end(subscription_id: int):
    subscription = household_row_or_404(Subscription, subscription_id)
    try:
        subscriptions.end(subscription, utcnow())
    except DomainError as error:
        refuse(error, contracts_answer, error.status)
    flash(_("Your subscription has ended: no more deliveries after today."), "success")
    return redirect(url_for("subscriptions.contracts_page"))


@bp.route("/subscriptions/<int:subscription_id>/share", methods=["POST"])
@role_required(Role.HOUSEHOLD)
def invite_share(subscription_id: int):
    subscription = household_row_or_404(Subscription, subscription_id)
    try:
        share = subscriptions.invite_share(subscription, request.form.get("email", ""), utcnow())
    except DomainError as error:
        refuse(error, contracts_answer, error.status)
    flash(
        _("%(household)s is invited to share the basket.", household=share.household.name),
        "success",
    )
    return redirect(url_for("subscriptions.contracts_page"))


@bp.route("/shares/<int:share_id>/<any(accept, decline):answer>", methods=["POST"])
@role_required(Role.HOUSEHOLD)
def answer_share(share_id: int, answer: str):
    share = household_row_or_404(BasketShare, share_id)
    try:
        subscriptions.answer_share(share, answer == "accept", utcnow())
    except DomainError as error:
        refuse(error, contracts_answer, error.status)
    if answer == "accept":
        flash(_("You share the basket: deliveries alternate from the next one."), "success")
    else:
        flash(_("You declined to share the basket."), "success")
    return redirect(url_for("subscriptions.contracts_page"))


def producer_answer(values=None, status: int = 200):
    producer = current_user.producer
    contracts = subscriptions.producer_contracts(producer.id)
    products = sorted(
        (product for product in producer.products if product.active), key=lambda p: p.name
    )
    return render_template(
        "subscriptions/producer.html",
        contracts=contracts,
        products=products,
        points=active_collection_points(),
        values=values or {},
    ), status


@bp.route("/producer/contracts")
@role_required(Role.PRODUCER)
def producer_page():
    return producer_answer()


@bp.route("/producer/contracts", methods=["POST"])
@role_required(Role.PRODUCER)
def create_contract():
    form = request.form
    try:
        fields = contract_fields(form)
        product_id = form.get("product", "")
        product = db.session.get(Product, int(product_id)) if product_id.isdigit() else None
        if product is None:
            raise SubscriptionRefused(_("Choose one of your products."))
        subscriptions.create_contract(current_user.producer, product, **fields)
    except DomainError as error:
        refuse(error, producer_answer, form, error.status)
    flash(_("The contract is open to subscription."), "success")
    return redirect(url_for("subscriptions.producer_page"))


@bp.route("/producer/contracts/<int:contract_id>")
@role_required(Role.PRODUCER, Role.COORDINATOR, Role.ADMIN)
def contract_page(contract_id: int):
    return contract_answer(contract_id)


def contract_answer(contract_id: int, status: int = 200):
    contract = found(db.session.get(Contract, contract_id))
    if current_user.role == Role.PRODUCER and contract.producer_id != current_user.producer_id:
        found(None)
    by_point = subscriptions.subscribers_by_point(contract)
    names = subscriptions.household_names(
        subscription.household_id for _point, rows in by_point for subscription in rows
    )
    return render_template(
        "subscriptions/contract.html",
        contract=contract,
        by_point=by_point,
        names=names,
        by_day=subscriptions.deliveries_by_day(contract),
        today=subscriptions.hub_today(utcnow()),
        can_record=current_user.is_staff,
        methods=PICKUP_METHODS,
    ), status


@bp.route("/coordination/instalments/<int:instalment_id>/paid", methods=["POST"])
@role_required(Role.COORDINATOR, Role.ADMIN)
def record_instalment(instalment_id: int):
    """The coordinator records an instalment received (a cheque handed in, a transfer)."""
    instalment = get_or_404(Instalment, instalment_id)
    contract_id = instalment.subscription.contract_id
    try:
        subscriptions.record_instalment(
            instalment, request.form.get("method", ""), current_user, utcnow()
        )
    except DomainError as error:
        refuse(error, contract_answer, contract_id, error.status)
    flash(_("The instalment is recorded as paid."), "success")
    return redirect(url_for("subscriptions.contract_page", contract_id=contract_id))


def coordination_answer(values=None, status: int = 200):
    return render_template(
        "subscriptions/coordination.html",
        contracts=subscriptions.all_contracts(),
        products=subscriptions.products_for_contracts(),
        points=active_collection_points(),
        values=values or {},
    ), status


@bp.route("/coordination/contracts")
@role_required(Role.COORDINATOR, Role.ADMIN)
def coordination_page():
    return coordination_answer()


@bp.route("/coordination/contracts", methods=["POST"])
@role_required(Role.COORDINATOR, Role.ADMIN)
def create_contract_for_producer():
    """The coordinator opens a contract on a producer's behalf: the product names the
    producer, and the same rules apply as when the producer opens it."""
    form = request.form
    try:
        fields = contract_fields(form)
        product_id = form.get("product", "")
        product = db.session.get(Product, int(product_id)) if product_id.isdigit() else None
        if product is None or not product.active:
            raise SubscriptionRefused(_("Choose one of the producers’ products."))
        subscriptions.create_contract(product.producer, product, **fields)
    except DomainError as error:
        refuse(error, coordination_answer, form, error.status)
    flash(
        _("The contract is open to subscription for %(producer)s.", producer=product.producer.name),
        "success",
    )
    return redirect(url_for("subscriptions.coordination_page"))


def open_contracts_count(producer_id: int | None = None) -> int:
    """How many contracts a household may still subscribe to (a producer's, or all): the
    shop and the producers' pages link to them only when there are some."""
    return subscriptions.count_contracts_open(utcnow(), producer_id)


bp.add_app_template_global(open_contracts_count, "open_contracts_count")
