"""Order totals and VAT per rate, computed once per line."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from market.pricing import PricedLine, order_totals, vat_included

RATES = st.sampled_from([550, 1000, 2000])
LINES = st.lists(st.builds(PricedLine, st.integers(0, 10**7), RATES), max_size=30)


def test_known_values():
    assert vat_included(1055, 550) == 55  # 10,55 € at 5,5 % holds 0,55 €
    assert vat_included(1200, 2000) == 200
    assert vat_included(110, 1000) == 10
    assert vat_included(1, 550) == 0


def test_an_order_with_three_rates():
    totals = order_totals(
        [
            PricedLine(1055, 550),
            PricedLine(2110, 550),
            PricedLine(1200, 2000),
            PricedLine(550, 1000),
        ]
    )
    assert totals.total_cents == 4915
    assert totals.vat_by_rate == {550: 55 + 110, 1000: 50, 2000: 200}
    assert totals.excluding_vat_cents == 4915 - 415


@given(st.integers(0, 10**9), RATES)
def test_vat_matches_exact_decimal_rounding(amount, rate):
    exact = Decimal(amount) * rate / (10_000 + rate)
    assert vat_included(amount, rate) == int(exact.quantize(Decimal(1), ROUND_HALF_UP))


@given(st.integers(-(10**9), 10**9), RATES)
def test_a_negative_line_mirrors_a_positive_one(amount, rate):
    assert vat_included(-amount, rate) == -vat_included(amount, rate)


@given(LINES)
def test_parts_add_up_and_stay_within_bounds(lines):
    totals = order_totals(lines)
    assert totals.total_cents == sum(line.amount_cents for line in lines)
    assert totals.vat_cents + totals.excluding_vat_cents == totals.total_cents
    for rate, vat in totals.vat_by_rate.items():
        at_rate = sum(line.amount_cents for line in lines if line.vat_basis_points == rate)
        assert 0 <= vat <= at_rate
