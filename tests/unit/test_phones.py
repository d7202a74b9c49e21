"""Phones as people type them, read in the clinic's country and kept in E.164."""

from __future__ import annotations

import pytest

from clinic.application.patients.phones import format_national, parse_phone
from clinic.domain.shared import ValidationFailed


def phone_error(raw: str, country: str = "RU", field: str = "phone") -> dict[str, str]:
    with pytest.raises(ValidationFailed) as raised:
        parse_phone(raw, country, field)
    return raised.value.errors


@pytest.mark.parametrize("typed", [
    "8 916 123-45-67", "+7 (916) 1234567", "89161234567", "9161234567", "+79161234567",
    "8 (916) 123-45-67", "  8-916-123-45-67  ", "7 916 123 45 67",
])
def test_a_moscow_mobile_typed_any_usual_way_is_one_number(typed):
    phone = parse_phone(typed, "RU")
    assert phone.e164 == "+79161234567"
    assert phone.national_digits == "89161234567"


def test_the_clinics_country_may_be_given_in_lowercase():
    assert parse_phone("89161234567", "ru").e164 == "+79161234567"


def test_an_american_number_is_read_in_an_american_clinic():
    phone = parse_phone("(415) 555-2671", "US")
    assert phone.e164 == "+14155552671"
    assert phone.national_digits == "4155552671"


def test_a_number_with_its_country_code_is_read_the_same_anywhere():
    assert parse_phone("+7 916 123-45-67", "US").e164 == "+79161234567"
    assert parse_phone("+1 415 555 2671", "RU").e164 == "+14155552671"


def test_a_russian_home_form_means_nothing_in_an_american_clinic():
    assert phone_error("8 916 123-45-67", "US") == {"phone": "phone_invalid"}


@pytest.mark.parametrize("typed", ["8 916", "123", "8 916 123 45 6", "+7 916 123 45 67 89 01"])
def test_too_short_or_too_long_numbers_are_invalid(typed):
    assert phone_error(typed) == {"phone": "phone_invalid"}


@pytest.mark.parametrize("typed", ["abc", "not a phone", "ring me", "+7 (abc) def-gh-ij"])
def test_letters_are_not_a_phone(typed):
    assert phone_error(typed) == {"phone": "phone_invalid"}


@pytest.mark.parametrize("typed", ["", "   ", "\t\n"])
def test_an_empty_phone_is_required(typed):
    assert phone_error(typed) == {"phone": "required"}


def test_an_absurdly_long_input_is_refused_before_it_is_parsed():
    assert phone_error("8" * 41) == {"phone": "phone_invalid"}


def test_without_a_country_only_international_numbers_can_be_read():
    assert parse_phone("+79161234567", "").e164 == "+79161234567"
    assert phone_error("89161234567", "") == {"phone": "phone_invalid"}


def test_errors_are_reported_under_the_field_asked_for():
    assert phone_error("", field="mobile") == {"mobile": "required"}
    assert phone_error("abc", field="mobile") == {"mobile": "phone_invalid"}


def test_a_number_of_the_clinics_country_is_shown_as_dialled_at_home():
    assert format_national("+79161234567", "RU") == "8 (916) 123-45-67"
    assert format_national("+79161234567", "ru") == "8 (916) 123-45-67"
    assert format_national("+14155552671", "US") == "(415) 555-2671"


def test_a_foreign_number_is_shown_in_international_form():
    assert format_national("+79161234567", "US") == "+7 916 123-45-67"
    assert format_national("+14155552671", "RU") == "+1 415-555-2671"


def test_something_that_is_not_a_number_is_shown_as_it_is():
    assert format_national("garbage", "RU") == "garbage"


def test_an_extension_is_refused_rather_than_silently_dropped():
    with pytest.raises(ValidationFailed) as raised:
        parse_phone("8 916 123-45-67 ext. 123", "RU")
    assert raised.value.errors == {"phone": "phone_extension"}
