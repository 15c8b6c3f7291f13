"""Field checks the domains' forms share: dates within sane bounds, finite decimals."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms.validators import NumberRange, Optional, ValidationError

# Dates people may type: any later and the hub's time zone cannot place them; any earlier
# and nothing of the market existed.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def sane_date(form, field) -> None:
    """A date or date-time between the years 2000 and 2100 (or none, for optional fields)."""
    value = field.data
    if isinstance(value, date | datetime) and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _l(
                "Enter a date between the years %(first)d and %(last)d.",
                first=EARLIEST_YEAR,
                last=LATEST_YEAR,
            )
        )


class FiniteDecimalField(DecimalField):
    """A decimal number: "NaN", "sNaN" and "Infinity", which Decimal reads, are refused
    before any comparison (a signalling NaN raises when compared)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Enter a number, e.g. 43.5339."))


def latitude_field() -> FiniteDecimalField:
    """An optional latitude, in degrees (a farm's, a collection point's)."""
    return FiniteDecimalField(
        _l("Latitude (optional)"),
        places=6,
        validators=[Optional(), NumberRange(-90, 90, message=_l("Between -90 and 90."))],
    )


def longitude_field() -> FiniteDecimalField:
    return FiniteDecimalField(
        _l("Longitude (optional)"),
        places=6,
        validators=[Optional(), NumberRange(-180, 180, message=_l("Between -180 and 180."))],
    )
