"""Catalogue forms. Services check the rules again; forms give field-level messages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs
    BooleanField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from market.auth.forms import EMAIL, PHONE, REQUIRED, name_field, new_password_fields
from market.catalog.models import LABELS, UNIT_LABELS, VAT_LABELS
from market.forms import latitude_field, longitude_field
from market.money import MAX_PRICE_CENTS, InvalidAmount, parse_amount

# Required and not only spaces.
FILLED = DataRequired(message=_l("This field is required."))
POSTCODE = Regexp(r"^\d{5}$", message=_l("A French postcode has 5 digits, e.g. 40440."))


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AmountField(StringField):
    """Euros typed as people type them ("3,50"); `cents` holds the parsed value."""

    cents: int | None = None

    def pre_validate(self, form):
        self.cents = None
        typed = self.data or ""
        if not typed.strip():
            return
        try:
            self.cents = parse_amount(typed, MAX_PRICE_CENTS)
        except InvalidAmount:
            raise ValidationError(
                _l("« %(value)s » is not an amount, e.g. 3,50.", value=self.data)
            ) from None
        if self.cents < 0:
            raise ValidationError(_l("A price cannot be negative."))


def choices(names: dict) -> list[SelectChoice]:
    return [SelectChoice(key, name) for key, name in names.items()]


def labels_field():
    return CheckboxesField(_l("Labels"), choices=choices(LABELS), validate_choice=False)


class ProducerFields(FlaskForm):
    name = StringField(_l("Business name"), validators=[REQUIRED, Length(max=160)])
    siret = StringField(
        _l("SIRET number"),
        validators=[Length(max=20)],
        description=_l("14 digits, on your Kbis or INSEE notice."),
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), POSTCODE])
    town = StringField(_l("Town"), validators=[REQUIRED, Length(max=120)])
    phone = TelField(_l("Phone"), validators=[Optional(), PHONE])
    description = TextAreaField(
        _l("Your story"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Who you are, what you grow or make, and how."),
    )
    labels = labels_field()

    def producer_data(self) -> dict:
        return {
            key: getattr(self, key).data
            for key in (
                "name",
                "siret",
                "address",
                "postcode",
                "town",
                "phone",
                "description",
                "labels",
            )
        }


class ProducerProfileForm(ProducerFields):
    """The producer's own details, with the account the hub pays it on and where the farm
    is (how far its food travels, on the observatory)."""

    latitude = latitude_field()
    longitude = longitude_field()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and (self.latitude.data is None) != (self.longitude.data is None):
            # Not a field's own validator: an empty optional field stops its validators.
            self.longitude.errors = [
                *self.longitude.errors,
                _l("Give both the latitude and the longitude, or neither."),
            ]
            return False
        return valid

    iban = StringField(
        _l("IBAN (where the hub pays you)"),
        validators=[Optional(), Length(max=42)],
        description=_l("For example FR76 3000 6000 0112 3456 7890 189."),
    )
    bic = StringField(
        _l("BIC (optional: found from the IBAN when left empty)"),
        validators=[Optional(), Length(max=11)],
    )


class ApplicationForm(ProducerFields):
    siret = StringField(
        _l("SIRET number"),
        validators=[REQUIRED, Length(max=20)],
        description=_l("14 digits, on your Kbis or INSEE notice."),
    )
    address = StringField(_l("Address"), validators=[REQUIRED, Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[REQUIRED, POSTCODE])
    phone = TelField(_l("Phone"), validators=[REQUIRED, PHONE])
    user_name = name_field(_l("Your name"))
    email = EmailField(_l("Email address"), validators=[REQUIRED, EMAIL, Length(max=254)])
    password, confirm = new_password_fields()


class ReviewForm(FlaskForm):
    message = TextAreaField(
        _l("Message to the applicant"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Sent by email with the decision."),
    )


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[REQUIRED, Length(max=80)])
    position = IntegerField(
        _l("Position in lists"), default=0, validators=[Optional(), NumberRange(min=0, max=999)]
    )


class ProductForm(FlaskForm):
    name = StringField(_l("Name"), validators=[REQUIRED, Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    # Choices are set by the view from the coordinator's list; 0 means none.
    category = SelectField(_l("Category"), coerce=int)
    unit = SelectField(_l("Unit of sale"), choices=choices(UNIT_LABELS), validate_choice=False)
    size = StringField(
        _l("Size"),
        validators=[Optional(), Length(max=40)],
        description=_l("For example « 500 g », « botte », « 75 cl »."),
    )
    price = AmountField(
        _l("Price including VAT (€)"),
        validators=[FILLED],
        description=_l("Per unit of sale, or per kg when sold by weight."),
    )
    vat_basis_points = SelectField(
        _l("VAT rate"),
        coerce=int,
        validate_choice=False,
        choices=choices(VAT_LABELS),
        default=550,
        description=_l("5.5 percent for most food."),
    )
    sold_by_weight = BooleanField(_l("Sold by weight (price per kg, real weight at pickup)"))
    estimated_weight_grams = IntegerField(
        _l("Estimated weight of a piece (g)"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("Only for a product sold by weight: shown to households as an estimate."),
    )
    labels = labels_field()
    active = BooleanField(_l("On sale (untick to archive)"), default=True)

    def product_data(self, categories_by_id: dict) -> dict:
        return {
            "name": self.name.data,
            "description": self.description.data,
            "category": categories_by_id.get(self.category.data),
            "unit": self.unit.data,
            "size": self.size.data,
            "price_cents": self.price.cents,
            "vat_basis_points": self.vat_basis_points.data,
            "labels": self.labels.data,
            "active": self.active.data,
            "sold_by_weight": self.sold_by_weight.data,
            "estimated_weight_grams": self.estimated_weight_grams.data,
        }


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Photo"),
        validators=[FileRequired(_l("Choose a photo to send."))],
        description=_l("JPEG, PNG or WebP, up to 5 MB."),
    )


class ImportForm(FlaskForm):
    spreadsheet = FileField(
        _l("Spreadsheet"),
        validators=[FileRequired(_l("Choose a file to send."))],
        description=_l("CSV or XLSX, with the columns of the export."),
    )


class ActiveForm(FlaskForm):
    """A bare form for POST buttons: CSRF only."""
