"""Forms of closing an account and erasing it."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import InputRequired, Length

REQUIRED = InputRequired(message=_l("This field is required."))


class CloseAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[REQUIRED, Length(max=200)])
    confirm = BooleanField(
        _l("I ask the hub to erase my household's account"),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that erasing cannot be undone"),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )
