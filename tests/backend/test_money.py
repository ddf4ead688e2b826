from __future__ import annotations

from contextlib import nullcontext as does_not_raise
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.money import CurrencyMismatchError, Money, MoneyError


@pytest.mark.parametrize(
    ("amount", "currency", "minor", "expectation"),
    [
        ("12.34", "EUR", 1234, does_not_raise()),
        ("-0.05", "EUR", -5, does_not_raise()),
        ("1200", "JPY", 1200, does_not_raise()),
        ("1.234", "KWD", 1234, does_not_raise()),
        ("12.345", "EUR", None, pytest.raises(MoneyError, match="more than 2 decimal places")),
        ("12.5", "JPY", None, pytest.raises(MoneyError, match="more than 0 decimal places")),
        ("twelve", "EUR", None, pytest.raises(MoneyError, match="not a decimal")),
        ("NaN", "EUR", None, pytest.raises(MoneyError, match="finite")),
        ("1.00", "XXX", None, pytest.raises(MoneyError, match="unknown currency")),
    ],
)
def test_from_decimal(amount: str, currency: str, minor: int | None, expectation) -> None:
    with expectation:
        assert Money.from_decimal(amount, currency).minor == minor


@pytest.mark.parametrize("bad", [1.5, "100", True, None, Decimal("1")])
def test_minor_units_must_be_int(bad) -> None:
    with pytest.raises(MoneyError, match="must be an int"):
        Money(bad, "EUR")


def test_arithmetic_and_currency_mismatch() -> None:
    a, b = Money(199, "EUR"), Money(1, "EUR")
    assert a + b == Money(200, "EUR")
    assert a - b * 3 == Money(196, "EUR")
    assert 2 * a == Money(398, "EUR")
    assert -a == Money(-199, "EUR")
    assert b < a
    assert Money.sum([a, b, a], "EUR") == Money(399, "EUR")
    assert Money.sum([], "EUR") == Money.zero("EUR")
    with pytest.raises(CurrencyMismatchError, match="EUR with USD"):
        a + Money(1, "USD")
    with pytest.raises(MoneyError, match="int quantity"):
        a * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        a + 1  # type: ignore[operator]


@pytest.mark.parametrize(
    ("price_per_kg", "grams", "expected"),
    [(299, 1000, 299), (299, 500, 150), (299, 333, 100), (1, 499, 0), (1, 500, 1), (1999, 1255, 2509)],
)
def test_price_for_weight_rounds_once_half_up(price_per_kg: int, grams: int, expected: int) -> None:
    assert Money(price_per_kg, "EUR").scaled(grams, 1000) == Money(expected, "EUR")


def test_str() -> None:
    assert str(Money(1234, "EUR")) == "12.34 EUR"
    assert str(Money(-5, "EUR")) == "-0.05 EUR"
    assert str(Money(1200, "JPY")) == "1200 JPY"


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_allocate_never_loses_a_cent(minor: int, weights: list[int]) -> None:
    parts = Money(minor, "EUR").allocate(weights)
    assert Money.sum(parts, "EUR") == Money(minor, "EUR")


@given(minor=st.integers(min_value=-(10**15), max_value=10**15), currency=st.sampled_from(["EUR", "JPY", "KWD"]))
def test_decimal_round_trip(minor: int, currency: str) -> None:
    m = Money(minor, currency)
    assert Money.from_decimal(m.to_decimal(), currency) == m
    assert Money.from_decimal(str(m).split()[0], currency) == m
