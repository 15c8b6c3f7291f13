"""The commission split, rounded once per line (property tests)."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from market.ledger.commission import split_line

AMOUNTS = st.integers(min_value=-(10**9), max_value=10**9)
RATES = st.integers(min_value=0, max_value=10_000)


def test_the_design_example():
    assert split_line(3000, 1000) == (2700, 250, 50)


@given(AMOUNTS, RATES)
def test_parts_add_up_to_the_line_exactly(amount, rate):
    producer, commission, vat = split_line(amount, rate)
    assert producer + commission + vat == amount
    assert all(type(part) is int for part in (producer, commission, vat))


@given(AMOUNTS, RATES)
def test_each_part_is_within_half_a_cent_of_the_exact_value(amount, rate):
    _producer, commission, vat = split_line(amount, rate)
    incl_vat = commission + vat
    assert abs(incl_vat - Fraction(amount * rate, 10_000)) <= Fraction(1, 2)
    assert abs(commission - Fraction(incl_vat * 10_000, 12_000)) <= Fraction(1, 2)


@given(AMOUNTS, RATES)
def test_negative_lines_mirror_positive_ones(amount, rate):
    assert split_line(-amount, rate) == tuple(-part for part in split_line(amount, rate))


@given(st.integers(min_value=0, max_value=10**9), RATES)
def test_parts_have_the_sign_of_the_line(amount, rate):
    assert all(part >= 0 for part in split_line(amount, rate))


@given(st.integers(min_value=0, max_value=10**9))
def test_half_cents_round_up(amount):
    # 5 % of 10 cents is exactly half a cent more than 0: it rounds to 1 cent.
    assert split_line(10, 500)[1] + split_line(10, 500)[2] == 1
    assert split_line(amount, 0) == (amount, 0, 0)
