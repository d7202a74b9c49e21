from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.shared import Money, decimal_text


@given(st.integers(min_value=-10**12, max_value=10**12),
       st.sampled_from(["RUB", "USD", "JPY", "KWD"]))
def test_minor_units_survive_a_round_trip_through_decimal(amount, currency):
    money = Money(amount, currency)
    assert Money.from_decimal(money.to_decimal(), currency) == money


def test_decimal_amounts_are_rounded_half_up_to_the_minor_unit():
    assert Money.from_decimal(Decimal("2500.505"), "RUB") == Money(250051, "RUB")
    assert Money.from_decimal(Decimal("2500.504"), "RUB") == Money(250050, "RUB")
    assert Money.from_decimal(Decimal("100.5"), "JPY") == Money(101, "JPY")


@given(st.integers(-10**9, 10**9), st.integers(-10**9, 10**9))
def test_adding_and_subtracting_is_exact(a, b):
    assert (Money(a, "USD") + Money(b, "USD") - Money(b, "USD")) == Money(a, "USD")


def test_money_of_different_currencies_cannot_be_added():
    with pytest.raises(ValueError, match="cannot mix"):
        Money(1, "USD") + Money(1, "RUB")


@given(st.integers(min_value=-10**15, max_value=10**15),
       st.sampled_from(["RUB", "USD", "JPY", "KWD", "eur"]))
def test_the_decimal_text_is_the_decimals_own(amount, currency):
    money = Money(amount, currency)
    assert money.amount_text == decimal_text(amount, currency) == str(money.to_decimal())


def test_the_decimal_text_has_a_point_and_every_minor_digit():
    assert [Money(m, c).amount_text for m, c in [(250000, "RUB"), (-370, "USD"), (5, "USD"),
                                                  (150, "JPY"), (1500, "KWD")]] == [
        "2500.00", "-3.70", "0.05", "150", "1.500"]
