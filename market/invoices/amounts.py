"""An invoice's lines and totals from the order lines, with the project's one VAT rule.

Prices include VAT (market/pricing.py): a line's VAT is taken out of its amount once,
rounded half up, and the totals per rate are sums of the lines, so an invoice states exactly
what the household paid for the producer's goods. Under the franchise en base and the flat-rate
farmers' scheme no VAT is invoiced: the amount paid is the amount excluding VAT.

Each line also carries the hub's commission on it, split by the ledger's own function
(market/ledger/commission.py), so the monthly commission invoice adds up to what the ledger
credited to the hub's commission and VAT accounts.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from market.catalog.models import UNIT_LABELS
from market.invoices.models import VatRegime
from market.ledger.commission import COMMISSION_VAT_BASIS_POINTS, split_line
from market.pricing import vat_included

GRAMS_PER_KG = Decimal(1000)
UNIT_PRICE_PLACES = Decimal("0.0001")


def charges_vat(regime: str) -> bool:
    return regime == VatRegime.NORMAL


def excluding_vat(cents: int, rate_bp: int) -> Decimal:
    """A unit price in euros without VAT, to four places: prices include VAT here."""
    value = Decimal(cents) * 100 / (10_000 + rate_bp)
    return value.quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)


def quantity_and_unit(line) -> tuple[Decimal, str]:
    """What was handed over: pieces, or kilograms (the real weight once weighed); the unit
    in the words of the invoice's language."""
    if not line.sold_by_weight:
        return Decimal(line.delivered_quantity), str(UNIT_LABELS.get(line.unit, line.unit))
    grams = (
        line.real_weight_grams
        if line.real_weight_grams is not None
        else line.delivered_quantity * line.estimated_weight_grams
    )
    return (Decimal(grams) / GRAMS_PER_KG).quantize(Decimal("0.001")), str(UNIT_LABELS["kg"])


def sale_line(line, regime: str, commission_bp: int) -> dict:
    amount = line.amount_cents
    rate = line.vat_basis_points if charges_vat(regime) else 0
    vat = vat_included(amount, rate)
    quantity, unit = quantity_and_unit(line)
    _share, commission_excl, commission_vat = split_line(amount, commission_bp)
    return {
        "description": line.product_name + (f" ({line.size})" if line.size else ""),
        "quantity": str(quantity),
        "unit": unit,
        "unit_price_excl_vat": str(excluding_vat(line.unit_price_cents, rate)),
        "vat_rate": rate,
        "excl": amount - vat,
        "vat": vat,
        "incl": amount,
        "commission_excl": commission_excl,
        "commission_vat": commission_vat,
    }


def commission_line(description: str, excl: int, vat: int) -> dict:
    return {
        "description": description,
        "quantity": "1",
        "unit": _("service"),
        "unit_price_excl_vat": str(Decimal(excl) / 100),
        "vat_rate": COMMISSION_VAT_BASIS_POINTS,
        "excl": excl,
        "vat": vat,
        "incl": excl + vat,
    }


def vat_summary(lines: list[dict]) -> list[dict]:
    """Totals per VAT rate: the sums of the lines at that rate."""
    by_rate: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        by_rate[line["vat_rate"]][0] += line["excl"]
        by_rate[line["vat_rate"]][1] += line["vat"]
    return [
        {"rate": rate, "excl": excl, "vat": vat, "incl": excl + vat}
        for rate, (excl, vat) in sorted(by_rate.items())
    ]


def totals(lines: list[dict]) -> tuple[int, int, int]:
    excl = sum(line["excl"] for line in lines)
    vat = sum(line["vat"] for line in lines)
    return excl, vat, excl + vat
