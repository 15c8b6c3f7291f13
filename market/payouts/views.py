"""The coordinator pays the producers: what is owed, confirmed once, the transfer file."""

from datetime import date, timedelta
from uuid import uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.auth.decorators import role_required
from market.auth.models import Role
from market.errors import DomainError
from market.payouts import bp
from market.payouts import services as payouts
from market.payouts.models import PayoutBatch
from market.timeutil import to_hub_time, utcnow
from market.web import download, get_or_404, refuse

staff = role_required(Role.COORDINATOR)


def period(values) -> tuple[list, str]:
    """The cycles chosen by ?cycle=ID or ?month=YYYY-MM, and their label."""
    now = utcnow()
    if values.get("cycle", "").isdigit():
        cycles = payouts.closed_cycle(int(values["cycle"]), now)
        return cycles, cycles[0].name
    if values.get("month"):
        return payouts.cycles_of_month(values["month"], now), values["month"]
    raise payouts.PayoutRefused(_("Choose a closed cycle or a month."))


def page(values, status: int = 200):
    try:
        cycles, label = period(values)
    except DomainError as error:
        flash(error.message, "error")
        return render_template(
            "payouts/owed.html",
            owed=[],
            cycles=[],
            label="",
            values=values,
            key="",
            execution_date="",
        ), error.status
    owed = payouts.owed(cycles)
    execution_date = (to_hub_time(utcnow()) + timedelta(days=1)).date()
    return render_template(
        "payouts/owed.html",
        owed=owed,
        cycles=cycles,
        label=label,
        values=values,
        key=uuid4().hex,
        execution_date=execution_date.isoformat(),
    ), status


@bp.route("/coordination/payouts")
@staff
def owed_page():
    return page(request.args)


@bp.route("/coordination/payouts", methods=["POST"])
@staff
def confirm():
    form = request.form
    key = form.get("key", "")
    try:
        cycles, label = period(form)
        when = date.fromisoformat(form.get("execution_date", ""))
        if not 8 <= len(key) <= 64 or not key.isalnum():
            raise payouts.PayoutRefused(_("The form had expired: please confirm again."))
        batch = payouts.confirm(
            cycles, label=label, execution_date=when, key=key, created_by_id=current_user.id
        )
    except ValueError:
        refuse(payouts.PayoutRefused(_("Enter the execution date as YYYY-MM-DD.")), page, form, 400)
    except DomainError as error:
        refuse(error, page, form, error.status)
    flash(_("The payouts are recorded: give the transfer file to the bank."), "success")
    return redirect(url_for("payouts.batch_page", batch_id=batch.id))


@bp.route("/coordination/payouts/<int:batch_id>")
@staff
def batch_page(batch_id: int):
    batch = get_or_404(PayoutBatch, batch_id)
    totals: dict[int, int] = {}
    for line in batch.lines:
        totals[line.producer_id] = totals.get(line.producer_id, 0) + line.amount_cents
    producers = {item.id: item for item in payouts.producers_by_id(list(totals))}
    return render_template("payouts/batch.html", batch=batch, totals=totals, producers=producers)


@bp.route("/coordination/payouts/<int:batch_id>.xml")
@staff
def batch_file(batch_id: int):
    batch = get_or_404(PayoutBatch, batch_id)
    if not batch.sepa_xml:
        abort(404)
    return download(batch.sepa_xml, f"virements-{batch.id}.xml", "application/xml")
