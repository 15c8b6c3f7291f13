"""Account forms. Labels and messages go through gettext."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import (
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

PHONE = Regexp(r"^\+?[0-9 .\-()]{6,20}$", message=_l("Enter a phone number, e.g. 06 12 34 56 78."))
REQUIRED = InputRequired(message=_l("This field is required."))
POSTCODE = Regexp(r"^\d{5}$", message=_l("A French postcode has 5 digits, e.g. 40440."))
EMAIL = Email(message=_l("Enter a valid email address, e.g. nom@exemple.fr."))


def stripped(value):
    return value.strip() if isinstance(value, str) else value


def email_field():
    return EmailField(
        _l("Email address"), validators=[REQUIRED, EMAIL, Length(max=254)], filters=[stripped]
    )


LOCALES = [
    SelectChoice("", _l("Automatic (browser)")),
    SelectChoice("fr", "Français"),
    SelectChoice("en", "English"),
]


def name_field(label):
    return StringField(label, validators=[REQUIRED, Length(max=120)], filters=[stripped])


def new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[REQUIRED, Length(max=200)],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[REQUIRED, EqualTo("password", message=_l("The two passwords differ."))],
    )
    return password, confirm


class RegisterForm(FlaskForm):
    name = name_field(_l("Name of the household"))
    email = email_field()
    phone = TelField(_l("Phone"), validators=[REQUIRED, PHONE])
    second_collector = StringField(
        _l("Second person allowed to collect (optional)"),
        validators=[Optional(), Length(max=120)],
        description=_l("First and last name of someone who may collect your orders."),
    )
    password, confirm = new_password_fields()


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[REQUIRED, Length(max=254)], filters=[stripped]
    )
    password = PasswordField(_l("Password"), validators=[REQUIRED, Length(max=200)])
    remember = BooleanField(_l("Stay logged in on this device"))


class ConfirmSignupForm(FlaskForm):
    """The emailed link's button: CSRF only."""


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[REQUIRED, Length(max=200)])
    password, confirm = new_password_fields()


class ProfileForm(FlaskForm):
    name = name_field(_l("Name"))
    phone = TelField(_l("Phone"), validators=[Optional(), PHONE])
    second_collector = StringField(
        _l("Second person allowed to collect (optional)"), validators=[Optional(), Length(max=120)]
    )
    address = StringField(
        _l("Street address (optional: printed on your invoices)"),
        validators=[Optional(), Length(max=200)],
        filters=[stripped],
    )
    postcode = StringField(_l("Postcode"), validators=[Optional(), POSTCODE], filters=[stripped])
    town = StringField(
        _l(
            "Commune where you live (optional: counted only together with "
            "others, on the public observatory)"
        ),
        validators=[Optional(), Length(max=120)],
    )

    def validate_address(self, field) -> None:
        """A street means nothing on an invoice without its postcode and town."""
        if field.data and not (self.postcode.data and (self.town.data or "").strip()):
            raise ValidationError(_l("Give the postcode and the commune with the street address."))

    locale = SelectField(_l("Language"), choices=LOCALES, validators=[Optional()])
    reminders = BooleanField(
        _l("Remind me by email the day before a cycle closes and the day before pickup")
    )


class InvitationForm(FlaskForm):
    email = email_field()
    # Choices are checked by the service, which explains an unknown role precisely.
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("producer", _l("Producer")),
            SelectChoice("coordinator", _l("Coordinator")),
        ],
        validate_choice=False,
    )
    # Choices are the approved producers, set by the view; 0 means none.
    producer = SelectField(
        _l("Producer (for a producer's user)"), coerce=int, validators=[Optional()]
    )


class AcceptInvitationForm(FlaskForm):
    name = name_field(_l("Your name"))
    phone = TelField(_l("Phone"), validators=[Optional(), PHONE])
    password, confirm = new_password_fields()
