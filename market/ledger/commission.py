"""How a sale line splits between the producer, the hub's commission and its VAT.

The hub is a transparent intermediary: the household pays the producer's price; the hub keeps
a commission that includes VAT at 20 % on the commission. Rounding, once per line, in integer
cents, halves away from zero:

    commission_incl_vat = round(amount × commission_bp / 10 000)
    commission_excl_vat = round(commission_incl_vat × 10 000 / (10 000 + 2 000))
    commission_vat      = commission_incl_vat − commission_excl_vat
    producer_share      = amount − commission_incl_vat

so the three parts always add up to the line's amount exactly. 30,00 € at 10 % → producer
27,00 €, commission 2,50 €, VAT 0,50 €. A negative amount splits as the mirror of its
absolute value, so undoing a line undoes exactly what placing it did.
"""

COMMISSION_VAT_BASIS_POINTS = 2000


def divide_rounded(numerator: int, denominator: int) -> int:
    """numerator / denominator for numerator ≥ 0, rounded half up, in integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def split_line(
    amount: int, commission_bp: int, vat_bp: int = COMMISSION_VAT_BASIS_POINTS
) -> tuple[int, int, int]:
    """(producer share, commission excluding VAT, VAT on the commission)."""
    sign = -1 if amount < 0 else 1
    gross = abs(amount)
    incl_vat = divide_rounded(gross * commission_bp, 10_000)
    excl_vat = divide_rounded(incl_vat * 10_000, 10_000 + vat_bp)
    return sign * (gross - incl_vat), sign * excl_vat, sign * (incl_vat - excl_vat)
