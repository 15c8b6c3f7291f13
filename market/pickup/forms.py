"""The pickup screen's forms. They read what the volunteer sent; the services check it, so
that each refusal names its field in words a volunteer with a queue understands."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField


class StatusForm(FlaskForm):
    """Collected, undo, not collected: the button is the whole form."""


class LineForm(FlaskForm):
    line_id = HiddenField()


class MissingForm(LineForm):
    missing = StringField()


class WeightForm(LineForm):
    weight = StringField()


class PaymentForm(FlaskForm):
    amount = StringField()
    method = StringField()
    # A one-time token per page: the same payment sent twice is recorded once.
    submission = HiddenField()
