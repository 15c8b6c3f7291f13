"""Forms the coordinator records movements, closes periods and exports with."""

from uuid import uuid4

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from market.forms import sane_date
from market.ledger.personal_data import KEPT_TEXT_HINT, NoPersonalData, household_of_account
from market.money import MAX_CENTS, InvalidAmount, parse_amount

REQUIRED = InputRequired(message=_l("This field is required."))
METHODS = [
    SelectChoice("cash", _l("cash")),
    SelectChoice("cheque", _l("cheque")),
    SelectChoice("transfer", _l("bank transfer")),
]


def positive_amount(most: int = MAX_CENTS):
    """A validator turning the text into cents in field.cents, below `most`, or explaining
    what is wrong."""

    def validate(form, field) -> None:
        try:
            cents = parse_amount(field.data or "", most)
        except InvalidAmount as error:
            raise ValidationError(_l("Enter an amount in euros, e.g. 12,50.")) from error
        if cents <= 0:
            raise ValidationError(_l("The amount must be more than zero."))
        field.cents = cents

    return validate


def amount_field(most: int = MAX_CENTS):
    return StringField(
        _l("Amount (€)"),
        validators=[REQUIRED, positive_amount(most)],
        description=_l("For example 12,50"),
    )


class MovementForm(FlaskForm):
    # A fresh key per displayed form: sending the same form twice records the movement once.
    idempotency_key = HiddenField(
        default=lambda: uuid4().hex, validators=[REQUIRED, Length(min=16, max=64)]
    )


class PayoutForm(MovementForm):
    producer = SelectField(_l("Producer"), coerce=int, validators=[REQUIRED])
    amount = amount_field()
    reference = StringField(
        _l("Bank transfer reference"),
        validators=[REQUIRED, Length(max=120), NoPersonalData()],
        description=KEPT_TEXT_HINT,
    )


class HouseholdMoneyForm(MovementForm):
    household = SelectField(_l("Household"), coerce=int, validators=[REQUIRED])
    direction = SelectField(
        _l("Movement"),
        choices=[
            SelectChoice("topup", _l("credit top-up (money received)")),
            SelectChoice("repayment", _l("credit repayment (money given back)")),
        ],
        validators=[REQUIRED],
    )
    method = SelectField(_l("Paid by"), choices=METHODS, validators=[REQUIRED])
    amount = amount_field()
    reference = StringField(
        _l("Reference (cheque number, transfer…)"),
        validators=[Optional(), Length(max=120), NoPersonalData(lambda form: form.household.data)],
        description=KEPT_TEXT_HINT,
    )


class AdjustmentForm(MovementForm):
    account = SelectField(_l("Account"), validators=[REQUIRED])
    direction = SelectField(
        _l("In favour of"),
        choices=[
            SelectChoice("credit", _l("the household or producer")),
            SelectChoice("debit", _l("the hub")),
        ],
        validators=[REQUIRED],
    )
    amount = amount_field()
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            REQUIRED,
            Length(max=255),
            NoPersonalData(lambda form: household_of_account(form.account.data)),
        ],
        description=KEPT_TEXT_HINT,
    )


class CloseForm(FlaskForm):
    period = SelectField(
        _l("Period"),
        choices=[
            SelectChoice("day", _l("day")),
            SelectChoice("month", _l("month")),
            SelectChoice("year", _l("year")),
        ],
        validators=[REQUIRED],
    )
    day = DateField(
        _l("A day in the period"),
        validators=[Optional(), sane_date],
        description=_l("Leave empty to close the last period that is over."),
    )


class ReversalForm(MovementForm):
    reason = TextAreaField(
        _l("Reason for the reversal"),
        validators=[REQUIRED, Length(max=255), NoPersonalData()],
        description=KEPT_TEXT_HINT,
    )


class ReceiptForm(FlaskForm):
    """A receipt a participant kept: the seq and the hash (or its first 16 characters)."""

    class Meta:
        csrf = False  # a question asked by a link (GET): it changes nothing

    seq = StringField(
        _l("Transaction number"),
        validators=[REQUIRED, Regexp(r"^\d{1,18}$", message=_l("Enter the number, e.g. 1234."))],
    )
    hash = StringField(
        _l("Fingerprint"),
        validators=[
            REQUIRED,
            Regexp(
                r"^\s*[0-9a-fA-F]{16,64}\s*$",
                message=_l("Enter the fingerprint: its first 16 characters or more (0-9, a-f)."),
            ),
        ],
    )
