"""Totals of an order and its VAT per rate: the one function every page, email and export uses.

Prices include VAT. Each line's VAT is computed once, from the line's amount, rounded half up
to the cent:  vat = round(amount × rate / (10 000 + rate))  with the rate in basis points.
The order's VAT per rate is the sum of its lines' VAT at that rate, never recomputed from a
total, so the sum of the parts always equals what the lines say.
"""

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PricedLine:
    amount_cents: int
    vat_basis_points: int


@dataclass(frozen=True)
class Totals:
    total_cents: int = 0
    vat_by_rate: dict[int, int] = field(default_factory=dict)

    @property
    def vat_cents(self) -> int:
        return sum(self.vat_by_rate.values())

    @property
    def excluding_vat_cents(self) -> int:
        return self.total_cents - self.vat_cents


def line_amount(
    unit_price_cents: int,
    quantity: int,
    sold_by_weight: bool = False,
    weight_grams_per_piece: int | None = None,
) -> int:
    """Price × quantity; by weight, the price per kg × the estimated weight, half up."""
    if not sold_by_weight:
        return unit_price_cents * quantity
    if weight_grams_per_piece is None:
        raise ValueError("a product sold by weight needs its estimated weight per piece")
    return (unit_price_cents * weight_grams_per_piece * quantity + 500) // 1000


def vat_included(amount_cents: int, vat_basis_points: int) -> int:
    """The VAT inside an amount that includes it, rounded half up (mirrored for negatives)."""
    sign = -1 if amount_cents < 0 else 1
    numerator = 2 * abs(amount_cents) * vat_basis_points
    denominator = 2 * (10_000 + vat_basis_points)
    return sign * ((numerator + denominator // 2) // denominator)


def order_totals(lines) -> Totals:
    vat_by_rate: dict[int, int] = defaultdict(int)
    total = 0
    for line in lines:
        total += line.amount_cents
        vat_by_rate[line.vat_basis_points] += vat_included(line.amount_cents, line.vat_basis_points)
    return Totals(total, dict(sorted(vat_by_rate.items())))
