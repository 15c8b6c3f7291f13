"""The privacy page, a household's data, closing its account; the coordinator's erasures."""

import json

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.auth.decorators import role_required
from market.auth.models import Household, Role
from market.company_numbers import valid_siren
from market.errors import DomainError
from market.ledger.accounts import household_key
from market.ledger.statements import account_balance
from market.privacy import bp
from market.privacy import services as privacy
from market.privacy.export import household_data
from market.privacy.forms import CloseAccountForm, EraseForm
from market.timeutil import to_hub_time, utcnow
from market.web import download, form_status, get_or_404, refuse


@bp.route("/privacy")
def policy():
    siren = valid_siren(current_app.config["HUB_SIREN"])
    return render_template("privacy/policy.html", siren=siren)


@bp.route("/account/data.json")
@role_required(Role.HOUSEHOLD)
def download_data():
    data = household_data(current_user.household)
    name = f"market-data-{to_hub_time(utcnow()).date().isoformat()}.json"
    return download(json.dumps(data, ensure_ascii=False, indent=2), name, "application/json")


def close_page(form, status: int = 200):
    balance = account_balance(household_key(current_user.household_id))
    return render_template(
        "privacy/close.html", form=form, household=current_user.household, balance=balance
    ), status


@bp.route("/account/close", methods=["GET", "POST"])
@role_required(Role.HOUSEHOLD)
def close_account():
    form = CloseAccountForm()
    if not form.validate_on_submit():
        return close_page(form, form_status(form))
    try:
        privacy.request_closure(current_user, form.password.data or "")
    except DomainError as error:
        refuse(error, close_page, form, error.status)
    flash(
        _(
            "Your request is recorded: the hub will erase your account and tell you if "
            "anything is still to be settled."
        ),
        "success",
    )
    return redirect(url_for("auth.profile"))


def requests_page(status: int = 200):
    return render_template(
        "privacy/requests.html",
        requests=privacy.closure_requests(),
        erased=privacy.recent_erasures(),
    ), status


@bp.route("/privacy/requests")
@role_required(Role.COORDINATOR)
def requests():
    return requests_page()


@bp.route("/privacy/requests/<int:household_id>/erase", methods=["POST"])
@role_required(Role.COORDINATOR)
def erase(household_id: int):
    get_or_404(Household, household_id)
    if not EraseForm().validate_on_submit():
        flash(_("Tick the box to confirm that erasing cannot be undone."), "error")
        return requests_page(400)
    try:
        household = privacy.erase_household(household_id)
    except DomainError as error:
        refuse(error, requests_page, error.status)
    flash(
        _("The household's details are erased; it is now %(name)s.", name=household.name), "success"
    )
    return redirect(url_for("privacy.requests"))
