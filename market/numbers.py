"""Whole numbers read from forms, addresses and files: ASCII digits only, within bounds the
database can hold.

`str.isdigit()` says yes to "²" and "٣", which `int()` then refuses or reads; `int()` refuses
more than 4,300 digits with an error of its own. Every whole number typed by someone goes
through `parse_whole_number`, and every `<int:…>` in a route through the converter below.
"""

import re

from werkzeug.routing import IntegerConverter

# The largest value of the database's Integer columns (PostgreSQL int4).
INT4_MAX = 2**31 - 1
DIGITS = re.compile(r"[0-9]+")


class InvalidNumber(ValueError):
    """Text that is not a whole number within the bounds asked."""


def parse_whole_number(text, *, lowest: int = 0, highest: int = INT4_MAX) -> int:
    """The number `text` writes in ASCII digits, between `lowest` and `highest`."""
    text = str(text if text is not None else "").strip()
    if len(text) > len(str(highest)) or not DIGITS.fullmatch(text):
        raise InvalidNumber(text)
    value = int(text)
    if not lowest <= value <= highest:
        raise InvalidNumber(text)
    return value


def identifier(text) -> int | None:
    """A row id as a form or a query string gives it; None when it cannot be one."""
    try:
        return parse_whole_number(text, lowest=1)
    except InvalidNumber:
        return None


class DatabaseIntegerConverter(IntegerConverter):
    """`<int:…>` in routes: ids beyond what the database holds answer 404, not 500."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=INT4_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
