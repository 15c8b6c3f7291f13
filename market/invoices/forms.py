"""Invoicing forms. The services check every rule again; forms give field-level messages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from market.catalog.forms import FILLED, POSTCODE, choices
from market.invoices.models import VAT_REGIME_LABELS
from market.numbers import INT4_MAX

MONTH = Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", message=_l("Choose a month as YYYY-MM."))


class TaxProfileForm(FlaskForm):
    legal_name = StringField(
        _l("Legal name"),
        validators=[FILLED, Length(max=160)],
        description=_l("As on the Kbis or the INSEE notice."),
    )
    address = StringField(_l("Address"), validators=[FILLED, Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[FILLED, POSTCODE])
    town = StringField(_l("Town"), validators=[FILLED, Length(max=120)])
    siret = StringField(
        _l("SIRET number"),
        validators=[FILLED, Length(max=20)],
        description=_l("14 digits, on your Kbis or INSEE notice."),
    )
    vat_number = StringField(
        _l("Intra-community VAT number"),
        validators=[Length(max=20)],
        description=_l("Required under the normal VAT regime, e.g. FR44732829320."),
    )
    vat_regime = RadioField(
        _l("VAT regime"),
        choices=choices(VAT_REGIME_LABELS),
        validators=[InputRequired(message=_l("Choose a VAT regime."))],
    )


class MandateForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    agree = BooleanField(
        _l("I accept this invoicing mandate on behalf of my business"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class IssueForm(FlaskForm):
    cycle = IntegerField(
        _l("Settled cycle"),
        validators=[
            InputRequired(message=_l("Choose a settled cycle.")),
            NumberRange(min=1, max=INT4_MAX, message=_l("Choose a settled cycle.")),
        ],
    )


class MonthForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[FILLED, MONTH])


class CreditForm(FlaskForm):
    """The reason of a partial credit note; each line's quantity and amount are read by the
    view from `quantity-N` and `amount-N` (N the line's place on the invoice)."""

    reason = TextAreaField(
        _l("Reason, printed on the credit note"),
        validators=[FILLED, Length(max=300)],
    )
