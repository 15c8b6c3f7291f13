"""Forms for collection points, cycles and offers; date-times are typed in the hub's zone."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from market.auth.forms import REQUIRED, stripped
from market.forms import latitude_field, longitude_field, sane_date
from market.money import MAX_PRICE_CENTS, InvalidAmount, parse_amount
from market.numbers import InvalidNumber, parse_whole_number

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_CAP = 100_000
DATE_MESSAGE = _l("Enter a date and time, e.g. 2026-12-03 18:00.")


def moment_field(label):
    return DateTimeLocalField(
        label, format=DATETIME_FORMAT, validators=[InputRequired(message=DATE_MESSAGE), sane_date]
    )


class CollectionPointForm(FlaskForm):
    name = StringField(_l("Name"), validators=[REQUIRED, Length(max=120)], filters=[stripped])
    address = StringField(_l("Address"), validators=[REQUIRED, Length(max=200)], filters=[stripped])
    postcode = StringField(
        _l("Postcode"),
        validators=[REQUIRED, Regexp(r"^\d{5}$", message=_l("A French postcode has five digits."))],
        filters=[stripped],
    )
    town = StringField(_l("Town"), validators=[REQUIRED, Length(max=100)], filters=[stripped])
    latitude = latitude_field()
    longitude = longitude_field()
    access_notes = TextAreaField(
        _l("Access notes (optional)"), validators=[Optional(), Length(max=2000)]
    )
    contact = StringField(_l("Contact (optional)"), validators=[Optional(), Length(max=200)])
    capacity = IntegerField(
        _l("Capacity: most orders per cycle (optional)"),
        validators=[Optional(), NumberRange(min=1, max=100000, message=_l("At least 1."))],
    )
    active = BooleanField(_l("Active"), default=True)


class PickupForm(Form):
    point_id = HiddenField()
    include = BooleanField(_l("Takes part"))
    day = DateField(_l("Pickup day"), validators=[Optional(), sane_date])
    starts = TimeField(_l("From"), validators=[Optional()])
    ends = TimeField(_l("Until"), validators=[Optional()])


class CycleForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[REQUIRED, Length(max=80)],
        filters=[stripped],
        description=_l("For example: Week 48"),
    )
    opens_at = moment_field(_l("Opens"))
    closes_at = moment_field(_l("Closes"))
    note = TextAreaField(
        _l("Note to households (optional)"), validators=[Optional(), Length(max=2000)]
    )
    pickups = FieldList(FormField(PickupForm))


class ExtendForm(FlaskForm):
    closes_at = moment_field(_l("New closing time"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason, told to the households who ordered it"),
        validators=[REQUIRED, Length(max=500)],
        filters=[stripped],
    )


@dataclass
class OfferRow:
    """What a producer asked for one product on the offers page."""

    product: object
    include: bool
    price_text: str
    cap_text: str
    price_cents: int | None = None
    cap: int | None = None
    # {"price" or "cap": what to do}, shown beside its field
    errors: dict = field(default_factory=dict)


def read_offer_rows(data, products) -> list[OfferRow]:
    """Parse the offers page: offer-<id>-include, -price (blank: catalogue price), -cap."""
    rows = []
    for product in products:
        prefix = f"offer-{product.id}-"
        row = OfferRow(
            product,
            bool(data.get(prefix + "include")),
            (data.get(prefix + "price") or "").strip(),
            (data.get(prefix + "cap") or "").strip(),
        )
        if row.price_text:
            try:
                row.price_cents = parse_amount(row.price_text, MAX_PRICE_CENTS)
            except InvalidAmount:
                row.errors["price"] = _l(
                    "« %(text)s » is not a price: enter an amount such "
                    "as 3,50, or leave it empty for the catalogue price.",
                    text=row.price_text,
                )
            else:
                if row.price_cents < 0:
                    row.errors["price"] = _l(
                        "A price cannot be negative: enter an amount such as 3,50."
                    )
        if row.cap_text:
            try:
                row.cap = parse_whole_number(row.cap_text, highest=MAX_CAP)
            except InvalidNumber:
                row.errors["cap"] = _l(
                    "« %(text)s » is not a cap: enter a whole number of "
                    "units such as 40, or leave it empty for no cap.",
                    text=row.cap_text,
                )
        rows.append(row)
    return rows
