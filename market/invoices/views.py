"""Where people find their invoices: households, producers (profile, mandate, invoices, VAT
summary) and the coordinator (checks, issue, downloads for the accountant)."""

import io
import zipfile
from decimal import Decimal, InvalidOperation

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from market.auth.decorators import role_required
from market.auth.models import Role
from market.catalog.access import manageable_producer
from market.catalog.models import Producer
from market.cycles.models import OrderCycle
from market.errors import DomainError
from market.extensions import db
from market.invoices import bp, commission, credits, issuing, reports, services
from market.invoices.documents import rate_text
from market.invoices.forms import (
    ConfirmForm,
    CreditForm,
    IssueForm,
    MandateForm,
    MonthForm,
    TaxProfileForm,
)
from market.invoices.models import (
    KIND_LABELS,
    VAT_REGIME_LABELS,
    Invoice,
    InvoiceKind,
    TaxProfile,
)
from market.money import InvalidAmount, parse_amount
from market.numbers import identifier
from market.timeutil import to_hub_time, utcnow
from market.web import get_or_404, refuse

staff = role_required(Role.COORDINATOR)
producers_only = role_required(Role.PRODUCER)


def month_of(values) -> str:
    """?month=YYYY-MM, or the current month of the hub's calendar."""
    month = values.get("month", "")
    if MonthForm(data={"month": month}, meta={"csrf": False}).validate():
        return month
    return to_hub_time(utcnow()).strftime("%Y-%m")


def invoice_list(query) -> list[Invoice]:
    return list(
        db.session.scalars(query.order_by(Invoice.issued_at.desc(), Invoice.id.desc()).limit(500))
    )


def pdf_response(invoice: Invoice) -> Response:
    return Response(
        invoice.document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{invoice.filename}"'},
    )


def zip_response(invoices: list[Invoice], name: str, extra=()) -> Response:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            archive.writestr(invoice.filename, invoice.document)
        for filename, content in extra:
            archive.writestr(filename, content)
    return Response(
        out.getvalue(),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def with_documents(query) -> list[Invoice]:
    return list(
        db.session.scalars(
            query.options(undefer(Invoice.document)).order_by(Invoice.series, Invoice.number)
        )
    )


# --- every role: one invoice's PDF -----------------------------------------------------------


@bp.route("/invoices/<int:invoice_id>.pdf")
@role_required(Role.HOUSEHOLD, Role.PRODUCER, Role.COORDINATOR)
def download(invoice_id: int):
    invoice = get_or_404(Invoice, invoice_id)
    allowed = (
        current_user.is_staff
        or (current_user.role == Role.PRODUCER and current_user.producer_id == invoice.producer_id)
        or (
            current_user.role == Role.HOUSEHOLD
            and invoice.household_id is not None
            and current_user.household_id == invoice.household_id
        )
    )
    if not allowed:
        abort(404)
    return pdf_response(invoice)


# --- households ----------------------------------------------------------------------------


@bp.route("/account/invoices")
@role_required(Role.HOUSEHOLD)
def household_invoices():
    query = select(Invoice).where(Invoice.household_id == current_user.household_id)
    order_id = identifier(request.args.get("order"))
    if order_id is not None:
        query = query.where(Invoice.order_id == order_id)
    return render_template(
        "invoices/household.html", invoices=invoice_list(query), kinds=KIND_LABELS
    )


# --- producers -----------------------------------------------------------------------------


def producer_page(producer: Producer, profile_form=None, mandate_form=None, status=200):
    profile = services.tax_profile(producer.id)
    if profile_form is None:
        profile_form = TaxProfileForm(
            obj=profile,
            data=None
            if profile
            else {
                "legal_name": producer.name,
                "address": producer.address,
                "postcode": producer.postcode,
                "town": producer.town,
                "siret": producer.siret,
                "vat_regime": "normal",
            },
        )
    month = month_of(request.args)
    found = invoice_list(select(Invoice).where(Invoice.producer_id == producer.id))
    return render_template(
        "invoices/producer.html",
        producer=producer,
        profile=profile,
        form=profile_form,
        mandate=services.active_mandate(producer.id),
        mandate_form=mandate_form or MandateForm(version=services.MANDATE_VERSION),
        mandate_text=services.mandate_text(),
        withdraw_form=ConfirmForm(),
        invoices=found,
        kinds=KIND_LABELS,
        month=month,
        vat=reports.producer_vat_summary(month, producer.id),
        rate_text=rate_text,
        months=sorted(
            {to_hub_time(invoice.issued_at).strftime("%Y-%m") for invoice in found}, reverse=True
        ),
    ), status


def own_producer() -> Producer:
    if current_user.producer_id is None:
        abort(403)
    return manageable_producer(current_user.producer_id)


@bp.route("/producer/invoices")
@producers_only
def producer_invoices():
    return producer_page(own_producer())


@bp.route("/producer/invoices/profile", methods=["POST"])
@producers_only
def save_profile():
    producer = own_producer()
    form = TaxProfileForm()
    if not form.validate():
        return producer_page(producer, profile_form=form, status=400)
    try:
        services.save_tax_profile(
            producer,
            legal_name=form.legal_name.data or "",
            address=form.address.data or "",
            postcode=form.postcode.data or "",
            town=form.town.data or "",
            siret_text=form.siret.data or "",
            vat_number=form.vat_number.data or "",
            vat_regime=form.vat_regime.data,
            now=utcnow(),
        )
    except DomainError as error:
        refuse(error, producer_page, producer, form, None, error.status)
    flash(_("Your tax profile is saved: the coordinator checks it before any invoice."), "success")
    return redirect(url_for("invoices.producer_invoices"))


@bp.route("/producer/invoices/mandate", methods=["POST"])
@producers_only
def accept_mandate():
    producer = own_producer()
    form = MandateForm()
    version = form.version.data or ""
    if not form.validate() or not version.isdigit():
        return producer_page(producer, mandate_form=form, status=400)
    try:
        services.accept_mandate(producer, current_user.id, int(version), utcnow())
    except DomainError as error:
        refuse(error, producer_page, producer, None, None, error.status)
    flash(_("The invoicing mandate is accepted."), "success")
    return redirect(url_for("invoices.producer_invoices"))


@bp.route("/producer/invoices/mandate/withdraw", methods=["POST"])
@producers_only
def withdraw_mandate():
    producer = own_producer()
    if not ConfirmForm().validate():
        return producer_page(producer, status=400)
    try:
        services.withdraw_mandate(producer, current_user.id, utcnow())
    except DomainError as error:
        refuse(error, producer_page, producer, None, None, error.status)
    flash(
        _("The invoicing mandate is withdrawn: no invoice is issued in your name from now on."),
        "success",
    )
    return redirect(url_for("invoices.producer_invoices"))


@bp.route("/producer/invoices/<month>.zip")
@producers_only
def producer_month_zip(month: str):
    producer = own_producer()
    try:
        start, end = reports.month_bounds(month)
    except DomainError:
        abort(404)
    found = with_documents(
        select(Invoice).where(
            Invoice.producer_id == producer.id, Invoice.issued_at >= start, Invoice.issued_at < end
        )
    )
    return zip_response(found, f"factures-{month}.zip")


# --- the coordinator -----------------------------------------------------------------------


def coordination_page(issue_form=None, month_form=None, outcome=None, status=200):
    month = month_of(request.values)
    producers = db.session.scalars(
        select(Producer).where(Producer.status == "approved").order_by(Producer.name)
    ).all()
    profiles = {profile.producer_id: profile for profile in db.session.scalars(select(TaxProfile))}
    mandates = services.mandates_in_force()
    settled = db.session.scalars(
        select(OrderCycle)
        .where(OrderCycle.settled_at.is_not(None))
        .order_by(OrderCycle.opens_at.desc())
        .limit(20)
    ).all()
    return render_template(
        "invoices/coordination.html",
        producers=producers,
        profiles=profiles,
        mandates=mandates,
        regimes=VAT_REGIME_LABELS,
        settled=settled,
        issue_form=issue_form or IssueForm(),
        month_form=month_form or MonthForm(month=month),
        check_form=ConfirmForm(),
        outcome=outcome,
        month=month,
        hub_vat=reports.hub_commission_summary(month),
        rate_text=rate_text,
        producers_vat=reports.vat_by_producer(month),
        issued_counts=dict(
            db.session.execute(
                select(Invoice.cycle_id, func.count(Invoice.id))
                .where(Invoice.cycle_id.in_([cycle.id for cycle in settled]))
                .group_by(Invoice.cycle_id)
            ).all()
        ),
    ), status


@bp.route("/coordination/invoices")
@staff
def coordination():
    return coordination_page()


@bp.route("/coordination/invoices/profiles/<int:producer_id>/check", methods=["POST"])
@staff
def check_profile(producer_id: int):
    get_or_404(Producer, producer_id)
    if not ConfirmForm().validate():
        return coordination_page(status=400)
    try:
        services.check_tax_profile(producer_id, current_user.id, utcnow())
    except DomainError as error:
        refuse(error, coordination_page, None, None, None, error.status)
    flash(_("The tax profile is checked."), "success")
    return redirect(url_for("invoices.coordination"))


@bp.route("/coordination/invoices/issue", methods=["POST"])
@staff
def issue():
    form = IssueForm()
    if not form.validate() or form.cycle.data is None:
        return coordination_page(issue_form=form, status=400)
    try:
        outcome = issuing.issue_cycle(form.cycle.data, utcnow())
    except DomainError as error:
        refuse(error, coordination_page, form, None, None, error.status)
    flash(_("%(count)d invoices and credit notes issued.", count=len(outcome.issued)), "success")
    return coordination_page(outcome=outcome)


@bp.route("/coordination/invoices/commission", methods=["POST"])
@staff
def issue_commission():
    form = MonthForm()
    if not form.validate():
        return coordination_page(month_form=form, status=400)
    try:
        issued = commission.issue_month(form.month.data or "", utcnow())
    except DomainError as error:
        refuse(error, coordination_page, None, form, None, error.status)
    flash(_("%(count)d commission invoices issued.", count=len(issued)), "success")
    return redirect(url_for("invoices.coordination", month=form.month.data))


@bp.route("/coordination/invoices/<month>.zip")
@staff
def month_zip(month: str):
    try:
        start, end = reports.month_bounds(month)
        register = reports.register_csv(month)
    except DomainError:
        abort(404)
    found = with_documents(
        select(Invoice).where(Invoice.issued_at >= start, Invoice.issued_at < end)
    )
    return zip_response(
        found, f"factures-{month}.zip", extra=[(f"registre-{month}.csv", register.encode())]
    )


@bp.route("/coordination/invoices/<month>.csv")
@staff
def register(month: str):
    try:
        text = reports.register_csv(month)
    except DomainError:
        abort(404)
    return Response(
        text.encode(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="registre-{month}.csv"'},
    )


# --- the coordinator: a settled cycle's invoices, partial credit notes -----------------------


def cycle_page(cycle: OrderCycle, status=200):
    """Whether the cycle's invoices are issued, what is not invoiced and why, and every
    invoice and credit note of the cycle."""
    outcome = None
    if cycle.settled_at is not None:
        outcome = issuing.issue_cycle(cycle.id, utcnow(), looking=True)
    names = dict(db.session.execute(select(Producer.id, Producer.name)).all())
    return render_template(
        "invoices/cycle.html",
        cycle=cycle,
        outcome=outcome,
        names=names,
        invoices=invoice_list(select(Invoice).where(Invoice.cycle_id == cycle.id)),
        kinds=KIND_LABELS,
        issue_form=IssueForm(cycle=cycle.id),
    ), status


@bp.route("/coordination/invoices/cycles/<int:cycle_id>")
@staff
def cycle_invoices(cycle_id: int):
    return cycle_page(get_or_404(OrderCycle, cycle_id))


def credit_page(invoice: Invoice, form=None, status=200):
    notes = credits.notes_on(invoice)
    return render_template(
        "invoices/credit.html",
        invoice=invoice,
        form=form or CreditForm(),
        left=credits.remaining_by_line(invoice, notes),
        notes=notes,
        rate_text=rate_text,
        values=request.form,
    ), status


def wanted_lines(invoice: Invoice, values) -> dict[int, credits.Wanted]:
    """Each line's quantity and amount as typed; a line left blank is not credited."""
    wanted = {}
    for index, line in enumerate(invoice.content["lines"]):
        quantity_text = (values.get(f"quantity-{index}") or "").strip().replace(",", ".")
        amount_text = (values.get(f"amount-{index}") or "").strip()
        if not quantity_text and not amount_text:
            continue
        want = credits.Wanted()
        if quantity_text:
            try:
                want.quantity = Decimal(quantity_text)
            except InvalidOperation:
                raise credits.CreditInvalid(
                    _("« %(line)s »: the quantity is a number.", line=line["description"])
                ) from None
            if not want.quantity.is_finite():
                raise credits.CreditInvalid(
                    _("« %(line)s »: the quantity is a number.", line=line["description"])
                )
        if amount_text:
            try:
                want.amount_cents = parse_amount(amount_text)
            except InvalidAmount:
                raise credits.CreditInvalid(
                    _("« %(line)s »: the amount is in euros, e.g. 2,50.", line=line["description"])
                ) from None
        wanted[index] = want
    return wanted


@bp.route("/coordination/invoices/<int:invoice_id>/credit", methods=["GET", "POST"])
@staff
def credit(invoice_id: int):
    invoice = get_or_404(Invoice, invoice_id)
    if request.method == "GET":
        if invoice.kind != InvoiceKind.SALE:  # only a sales invoice has a credit page
            abort(404)
        return credit_page(invoice)
    form = CreditForm()
    if not form.validate():
        return credit_page(invoice, form, 400)
    try:
        note = credits.issue_partial_credit(
            invoice.id, wanted_lines(invoice, request.form), form.reason.data or "", utcnow()
        )
    except DomainError as error:
        refuse(error, credit_page, invoice, form, error.status)
    flash(_("Credit note %(reference)s issued.", reference=note.reference), "success")
    return redirect(url_for("invoices.cycle_invoices", cycle_id=invoice.cycle_id))
