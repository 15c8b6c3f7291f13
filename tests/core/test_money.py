"""Money is integer cents; parsing and formatting agree."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.money import InvalidAmount, format_cents, parse_amount


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12,50", 1250),
        ("12.5", 1250),
        ("12", 1200),
        ("0,05", 5),
        ("12,50 €", 1250),
        ("1 234,56", 123456),
        ("-3,20", -320),
    ],
)
def test_parse_amount(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["3,5O", "", "abc", "1,234", "1e3", "12,50,1", "9" * 12])
def test_parse_amount_refuses_what_is_not_an_amount(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text)


def test_format_cents_refuses_floats():
    with pytest.raises(TypeError):
        format_cents(12.5)


@given(st.integers(min_value=-(10**10), max_value=10**10))
def test_french_formatting_round_trips(cents):
    assert parse_amount(format_cents(cents, "fr_FR")) == cents


@given(st.integers(min_value=0, max_value=10**10))
def test_english_formatting_round_trips(cents):
    assert parse_amount(format_cents(cents, "en_GB").replace(",", "")) == cents


def test_an_amount_is_formatted_once_per_language(monkeypatch):
    from market import money

    calls = []
    monkeypatch.setattr(
        money, "format_currency", lambda *args, **kwargs: calls.append(args) or "formatted"
    )
    money.formatted_cents.cache_clear()
    assert format_cents(1250) == format_cents(1250) == "formatted"
    format_cents(1250, "en_GB")
    assert len(calls) == 2
    with pytest.raises(TypeError):
        format_cents(1250.0)  # equal to a remembered int, still refused
    money.formatted_cents.cache_clear()
