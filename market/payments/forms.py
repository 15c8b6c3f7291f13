"""The coordinator's form to record a payment taken at pickup."""

from uuid import uuid4

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs
from wtforms.validators import Length

from market.ledger.forms import REQUIRED, amount_field
from market.money import MAX_PAYMENT_CENTS
from market.payments.services import PICKUP_METHODS


class PickupPaymentForm(FlaskForm):
    amount = amount_field(MAX_PAYMENT_CENTS)
    method = RadioField(
        _l("Paid by"),
        validators=[REQUIRED],
        choices=[SelectChoice(value, label) for value, label in PICKUP_METHODS.items()],
        default="cash",
    )
    # A fresh key per displayed form: sending the same form twice records the payment once.
    submission = HiddenField(
        default=lambda: uuid4().hex, validators=[REQUIRED, Length(min=16, max=64)]
    )
