"""Checkout choices. Quantities are read by orders.cart.parse_quantity for precise messages."""

from uuid import uuid4

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs
from wtforms.validators import InputRequired, Length

from market.orders import paying
from market.orders.models import PaymentChoice

PAYMENT_LABELS = {
    PaymentChoice.AT_PICKUP.value: _l("At pickup (cash, cheque or card)"),
    PaymentChoice.CREDIT.value: _l("From my credit"),
    PaymentChoice.ONLINE.value: _l("Online by card, now"),
}


class CheckoutForm(FlaskForm):
    pickup = RadioField(
        _l("Collection point"),
        validators=[InputRequired(_l("Choose a collection point."))],
        validate_choice=False,
    )
    payment = RadioField(
        _l("Payment"),
        validators=[InputRequired(_l("Choose how you pay.")), Length(max=20)],
        validate_choice=False,
        choices=[SelectChoice(value, label) for value, label in PAYMENT_LABELS.items()],
        default=PaymentChoice.AT_PICKUP.value,
    )
    # A fresh token per form shown: the same form sent twice is applied once.
    submission = HiddenField(default=lambda: uuid4().hex, validators=[Length(max=64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Online payment is offered only when the hub has configured Stripe.
        self.payment.choices = [
            SelectChoice(provider.choice, PAYMENT_LABELS[provider.choice])
            for provider in paying.available_providers()
        ]
