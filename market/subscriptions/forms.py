"""Reading the subscriptions' forms: plain fields, each refused with a precise message."""

from datetime import date

from flask_babel import lazy_gettext as _l

from market.money import parse_amount
from market.subscriptions.errors import SubscriptionRefused


def whole_number(text: str | None, message, *, optional: bool = False) -> int | None:
    text = (text or "").strip()
    if not text and optional:
        return None
    if not text.isdigit() or len(text) > 6:
        raise SubscriptionRefused(message)
    return int(text)


def day(text: str | None, message) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise SubscriptionRefused(message) from None


def contract_fields(form) -> dict:
    """The contract form's values, checked for shape (the service checks the rules)."""
    try:
        unit_price_cents = parse_amount(form.get("unit_price", ""))
    except ValueError:
        raise SubscriptionRefused(_l("Enter the price as an amount, e.g. 15,00.")) from None
    return {
        "name": form.get("name", ""),
        "quantity": whole_number(form.get("quantity"), _l("Enter the quantity as a whole number.")),
        "unit_price_cents": unit_price_cents,
        "every_cycles": whole_number(
            form.get("every_cycles"), _l("A contract delivers every cycle or every other cycle.")
        ),
        "first_delivery": day(form.get("first_delivery"), _l("Enter the first delivery date.")),
        "last_delivery": day(form.get("last_delivery"), _l("Enter the last delivery date.")),
        "point_ids": [
            whole_number(value, _l("Choose at least one active collection point."))
            for value in form.getlist("points")
        ],
        "cap": whole_number(
            form.get("cap"),
            _l("Enter the cap as a whole number, or leave it empty."),
            optional=True,
        ),
        "absences_allowed": whole_number(
            form.get("absences_allowed") or "0", _l("Enter the absences allowed as a whole number.")
        ),
        "payment_terms": form.get("payment_terms") or "per_delivery",
        "instalments": whole_number(
            form.get("instalments") or "1", _l("Enter the number of instalments as a whole number.")
        ),
    }
