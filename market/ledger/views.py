"""Ledger pages: the public head, statements, and the coordinator's books. Thin views."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs

from market.auth.decorators import role_required
from market.auth.models import Household, Role
from market.catalog.models import Producer
from market.errors import DomainError
from market.extensions import db
from market.ledger import bp, builders, fec
from market.ledger.accounts import account_by_key, household_key, producer_key
from market.ledger.closures import close_period, closures
from market.ledger.forms import (
    AdjustmentForm,
    CloseForm,
    HouseholdMoneyForm,
    PayoutForm,
    ReceiptForm,
    ReversalForm,
)
from market.ledger.labels import KIND_LABELS
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.ledger.posting import chain_now, reverse
from market.ledger.signing import public_hex, trusted_public_keys
from market.ledger.statement_sections import sections_for
from market.ledger.statements import (
    balances_by_kind,
    balances_csv,
    head,
    statement,
    statement_csv,
)
from market.ledger.verify import receipt_state
from market.numbers import InvalidNumber, parse_whole_number
from market.timeutil import to_hub_time, utcnow
from market.web import download, refuse

STAFF = (Role.COORDINATOR,)


@bp.route("/head")
def chain_head():
    """Public: the latest seq, hash and time, for anyone to keep as a receipt."""
    return jsonify(head())


@bp.route("/key")
def signing_key():
    """Public: the keys that sign closures, so that anyone can check them."""
    return jsonify(
        algorithm="Ed25519",
        encoding="hex of the 32-byte public key",
        public_keys=[public_hex(key) for key in trusted_public_keys()],
    )


@bp.route("/receipt")
def receipt():
    """Public: does the ledger still hold the state a receipt was kept of?"""
    form = ReceiptForm(request.args)
    state = None
    if request.args and form.validate():
        state = receipt_state(int(form.seq.data or ""), (form.hash.data or "").strip())
    status = 400 if form.errors else 200
    return render_template("ledger/receipt.html", form=form, state=state, head=head()), status


@bp.route("/")
@role_required(*STAFF)
def balances():
    return render_template("ledger/balances.html", groups=balances_by_kind(), head=head())


@bp.route("/balances.csv")
@role_required(*STAFF)
def balances_download():
    return download(balances_csv(), "balances.csv", "text/csv")


def own_account() -> tuple[LedgerAccount | None, str]:
    """The signed-in household's or producer's account, and who it belongs to."""
    if current_user.role == Role.HOUSEHOLD and current_user.household_id:
        return account_by_key(household_key(current_user.household_id)), "household"
    if current_user.role == Role.PRODUCER and current_user.producer_id:
        return account_by_key(producer_key(current_user.producer_id)), "producer"
    abort(403)


def render_statement(account, owner_kind: str, title: str):
    lines = statement(account) if account else []
    own_household = owner_kind == "household" and account is not None and account.household_id
    return render_template(
        "ledger/statement.html",
        account=account,
        owner_kind=owner_kind,
        lines=lines,
        balance=lines[-1].balance if lines else 0,
        title=title,
        head=head(),
        printed_at=utcnow(),
        kind_labels=KIND_LABELS,
        can_open=current_user.is_staff,
        sections=sections_for(account.household_id) if own_household else [],
    )


@bp.route("/statement")
@role_required(Role.HOUSEHOLD, Role.PRODUCER)
def my_statement():
    account, owner_kind = own_account()
    return render_statement(account, owner_kind, _("My statement"))


@bp.route("/statement.csv")
@role_required(Role.HOUSEHOLD, Role.PRODUCER)
def my_statement_csv():
    account, _kind = own_account()
    rows = statement(account) if account else []
    return download(statement_csv(rows), "statement.csv", "text/csv")


@bp.route("/accounts/<int:account_id>")
@role_required(*STAFF)
def account_statement(account_id: int):
    account = db.get_or_404(LedgerAccount, account_id)
    return render_statement(account, account.kind, account.label)


@bp.route("/accounts/<int:account_id>.csv")
@role_required(*STAFF)
def account_statement_csv(account_id: int):
    account = db.get_or_404(LedgerAccount, account_id)
    return download(statement_csv(statement(account)), f"statement-{account.id}.csv", "text/csv")


def movement_forms(payout=None, household=None, adjustment=None) -> dict:
    producers = db.session.execute(select(Producer.id, Producer.name).order_by(Producer.name)).all()
    households = db.session.execute(
        select(Household.id, Household.name).order_by(Household.name)
    ).all()
    forms = {
        "payout": payout or PayoutForm(formdata=None),
        "household": household or HouseholdMoneyForm(formdata=None),
        "adjustment": adjustment or AdjustmentForm(formdata=None),
    }
    forms["payout"].producer.choices = [SelectChoice(pid, name) for pid, name in producers]
    forms["household"].household.choices = [SelectChoice(hid, name) for hid, name in households]
    forms["adjustment"].account.choices = [
        SelectChoice(household_key(hid), name) for hid, name in households
    ] + [SelectChoice(producer_key(pid), name) for pid, name in producers]
    return forms


def movements_page(status: int = 200, **forms):
    return render_template("ledger/movements.html", **movement_forms(**forms)), status


@bp.route("/movements")
@role_required(*STAFF)
def movements():
    return movements_page()


def record(form_name: str, form, post):
    """Validate and post; or answer the page again with why."""
    movement_forms(**{form_name: form})  # the choices the submitted value must be among
    if not form.validate_on_submit():
        return movements_page(400, **{form_name: form})
    try:
        transaction = post(form)
    except DomainError as error:
        refuse(error, movements_page, error.status, **{form_name: form})
    chain_now()  # its seq, for the message
    flash(_("Recorded as transaction %(seq)s.", seq=transaction.seq), "success")
    return redirect(url_for("ledger.movements"))


@bp.route("/movements/payout", methods=["POST"])
@role_required(*STAFF)
def record_payout():
    return record(
        "payout",
        PayoutForm(),
        lambda form: builders.post_payout(
            form.producer.data,
            form.amount.cents,
            form.reference.data,
            builders.recorded_key("payout", form.idempotency_key.data),
        ),
    )


@bp.route("/movements/household", methods=["POST"])
@role_required(*STAFF)
def record_household_money():
    def post(form):
        method = (
            builders.post_credit_topup
            if form.direction.data == "topup"
            else builders.post_credit_repayment
        )
        return method(
            form.household.data,
            form.amount.cents,
            form.method.data,
            (form.reference.data or "").strip(),
            builders.recorded_key("household", form.idempotency_key.data),
        )

    return record("household", HouseholdMoneyForm(), post)


@bp.route("/movements/adjustment", methods=["POST"])
@role_required(*STAFF)
def record_adjustment():
    def post(form):
        sign = 1 if form.direction.data == "credit" else -1
        return builders.post_adjustment(
            form.account.data,
            sign * form.amount.cents,
            form.reason.data,
            builders.recorded_key("adjustment", form.idempotency_key.data),
        )

    return record("adjustment", AdjustmentForm(), post)


def closures_page(form, status: int = 200):
    return render_template(
        "ledger/closures.html", form=form, closures=closures(), year=to_hub_time(utcnow()).year
    ), status


@bp.route("/closures")
@role_required(*STAFF)
def closure_list():
    return closures_page(CloseForm(formdata=None))


@bp.route("/closures", methods=["POST"])
@role_required(*STAFF)
def close():
    form = CloseForm()
    if not form.validate_on_submit():
        return closures_page(form, 400)
    try:
        closure = close_period(form.period.data, form.day.data)
    except DomainError as error:
        refuse(error, closures_page, form, error.status)
    flash(_("Period %(label)s closed.", label=closure.label), "success")
    return redirect(url_for("ledger.closure_list"))


@bp.route("/export")
@role_required(*STAFF)
def export():
    kind = request.args.get("format", "")
    try:
        year = parse_whole_number(request.args.get("year"), lowest=2000, highest=2999)
    except InvalidNumber:
        abort(400)
    if kind not in ("csv", "fec"):
        abort(400)
    try:
        name, content, mimetype = fec.export(kind, year)
    except DomainError as error:
        refuse(error, closures_page, CloseForm(formdata=None), error.status)
    return download(content, name, mimetype)


def transaction_or_404(seq: int) -> LedgerTransaction:
    transaction = db.session.execute(
        select(LedgerTransaction)
        .where(LedgerTransaction.seq == seq)
        .options(
            selectinload(LedgerTransaction.entries)
            .joinedload(LedgerEntry.account)
            .options(joinedload(LedgerAccount.household), joinedload(LedgerAccount.producer)),
            joinedload(LedgerTransaction.reverses),
        )
    ).scalar_one_or_none()
    if transaction is None:
        abort(404)
    return transaction


def transaction_page(transaction, form, status: int = 200):
    reversed_by = db.session.execute(
        select(LedgerTransaction.seq).where(LedgerTransaction.reverses_id == transaction.id)
    ).scalar()
    return render_template(
        "ledger/transaction.html",
        transaction=transaction,
        form=form,
        reversed_by=reversed_by,
        kind_labels=KIND_LABELS,
    ), status


@bp.route("/transactions/<int:seq>")
@role_required(*STAFF)
def transaction_detail(seq: int):
    return transaction_page(transaction_or_404(seq), ReversalForm(formdata=None))


@bp.route("/transactions/<int:seq>/reverse", methods=["POST"])
@role_required(*STAFF)
def reverse_transaction(seq: int):
    """A correction: the mirror transaction, dated now, naming the one it corrects."""
    original = transaction_or_404(seq)
    form = ReversalForm()
    if not form.validate_on_submit():
        return transaction_page(original, form, 400)
    try:
        reversal = reverse(
            original,
            reason=form.reason.data or "",
            idempotency_key=builders.recorded_key("reversal", form.idempotency_key.data or ""),
        )
    except DomainError as error:
        refuse(error, transaction_page, original, form, error.status)
    chain_now()  # its seq, for the message and the address of its page
    flash(_("Reversed by transaction %(seq)s.", seq=reversal.seq), "success")
    return redirect(url_for("ledger.transaction_detail", seq=reversal.seq))
