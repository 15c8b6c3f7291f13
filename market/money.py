"""Money is integer cents (EUR). This module formats and parses amounts."""

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency

CENTS = Decimal(100)
AMOUNT_PATTERN = re.compile(r"^-?[0-9]{1,9}([.,][0-9]{1,2})?$")
MAX_CENTS = 10**11
# What one payment may be: it fits the payments' 32-bit integer column (21 474 836,47 €).
MAX_PAYMENT_CENTS = 10**9
# A unit price: times the most one line may hold, it still fits with room to spare.
MAX_PRICE_CENTS = 10**6


class InvalidAmount(ValueError):
    """Text that is not an amount in euros."""


def format_cents(cents: int, locale: str = "fr_FR") -> str:
    """12,50 € in French, €12.50 in English."""
    if not isinstance(cents, int):
        raise TypeError("amounts are integer cents")
    return formatted_cents(int(cents), locale)


@lru_cache(maxsize=4096)
def formatted_cents(cents: int, locale: str) -> str:
    """Babel's formatting, remembered: a page shows the same prices and totals many times,
    and each call of Babel costs about as much as a database round trip."""
    return format_currency(Decimal(cents) / CENTS, "EUR", locale=locale)


def parse_amount(text: str, most: int = MAX_CENTS) -> int:
    """Parse "12,50", "12.50", "12,5 €" or "12" into cents, below `most` either way; refuse
    anything else."""
    cleaned = text.strip().replace("€", "").replace("\u00a0", "").replace("\u202f", "")
    cleaned = cleaned.replace(" ", "")
    if not AMOUNT_PATTERN.match(cleaned):
        raise InvalidAmount(text)
    try:
        cents = int(Decimal(cleaned.replace(",", ".")) * CENTS)
    except InvalidOperation as error:  # pragma: no cover - the pattern already excludes it
        raise InvalidAmount(text) from error
    if abs(cents) >= most:
        raise InvalidAmount(text)
    return cents


def decimal_text(cents: int, separator: str = ",") -> str:
    """An amount as plain text, exact and without a currency sign: 12,50 (or 12.50 for
    machines). What people type back into forms, and what spreadsheets and exports read."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), int(CENTS))
    return f"{sign}{whole}{separator}{part:02d}"
