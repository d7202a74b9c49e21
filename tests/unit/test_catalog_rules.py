"""Domain rules of the clinic's records: money and minutes as typed, colours, names, hours."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.accounts import working_hours_errors
from clinic.domain.catalog import (
    DOCTOR_COLORS,
    Doctor,
    Procedure,
    Room,
    check_room,
    color_error,
    duration_error,
    parse_duration,
    parse_price,
    pick_color,
    text_error,
)
from clinic.domain.patients import Patient, PhoneNumber, fold
from clinic.domain.shared import Money, ValidationFailed

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NBSP, NARROW_NBSP = "\u00a0", "\u202f"


def price_error(raw: str, currency: str = "RUB") -> str:
    with pytest.raises(ValidationFailed) as raised:
        parse_price(raw, currency)
    return raised.value.errors["price"]


def duration_code(raw: str) -> str:
    with pytest.raises(ValidationFailed) as raised:
        parse_duration(raw)
    return raised.value.errors["duration_minutes"]


class TestPrices:
    @pytest.mark.parametrize("typed", [
        "2500", "2 500", "2500,00", "2500.00", "2 500 ₽", f"2{NBSP}500", f"2{NARROW_NBSP}500",
        " 2500 ", "2 500 руб.", "2500р.", "2'500", "2500 RUB", "2500 р", "2,500", "2.500",
        "2,500.00", "2.500,00",
    ])
    def test_the_ways_people_type_two_and_a_half_thousand_roubles_all_mean_it(self, typed):
        assert parse_price(typed, "RUB") == Money(250000, "RUB")

    def test_kopecks_may_follow_a_comma_or_a_point(self):
        assert parse_price("2500,50", "RUB") == Money(250050, "RUB")
        assert parse_price("2500.50", "RUB") == Money(250050, "RUB")
        assert parse_price(f"2{NBSP}500,5 ₽", "RUB") == Money(250050, "RUB")

    def test_the_price_is_in_the_currency_asked_for(self):
        assert parse_price("$60", "usd") == Money(6000, "USD")
        assert parse_price("1500", "JPY") == Money(1500, "JPY")
        assert parse_price("1.250", "KWD") == Money(1250, "KWD")

    def test_zero_is_a_price_free_things_have(self):
        assert parse_price("0", "RUB") == Money(0, "RUB")

    @pytest.mark.parametrize("typed", ["", "   ", "₽", f"{NBSP}", "руб."])
    def test_nothing_but_spaces_or_a_currency_sign_is_a_missing_price(self, typed):
        assert price_error(typed) == "required"

    @pytest.mark.parametrize("typed", ["abc", "25OO", "1e3", "2,500,00", "25$00", "2 5€00",
                                       ".5", "5.", "--5", "5-", "٢٥٠٠", "２５００"])
    def test_letters_and_garbled_numbers_are_not_a_price(self, typed):
        assert price_error(typed) == "price_invalid"

    def test_thousands_marks_and_decimal_marks_are_told_apart(self):
        assert parse_price("1,234.56", "USD") == Money(123456, "USD")
        assert parse_price("1.234,56", "RUB") == Money(123456, "RUB")
        assert parse_price("1,250,000", "RUB") == Money(125000000, "RUB")

    def test_a_negative_price_is_refused(self):
        assert price_error("-100") == "price_negative"
        assert price_error("-0,50") == "price_negative"

    def test_more_decimals_than_the_currency_has_are_refused(self):
        assert price_error("2500,505", "RUB") == "price_too_precise"
        assert price_error("100.5", "JPY") == "price_too_precise"
        assert price_error("1.2345", "KWD") == "price_too_precise"

    def test_trailing_zeros_beyond_the_minor_unit_do_not_count_as_precision(self):
        assert parse_price("2500,500", "RUB") == Money(250050, "RUB")
        assert parse_price("100.0", "JPY") == Money(100, "JPY")

    def test_an_absurdly_large_price_is_a_typo(self):
        assert parse_price("99 999 999,99", "RUB") == Money(9_999_999_999, "RUB")
        assert price_error("100 000 000") == "price_too_large"
        assert price_error("9" * 40) == "price_too_large"

    @given(st.integers(min_value=0, max_value=10**10 - 1),
           st.sampled_from([" ", NBSP, NARROW_NBSP]))
    def test_any_amount_of_kopecks_written_with_grouped_thousands_parses_back_exactly(
            self, kopecks, separator):
        roubles, rest = divmod(kopecks, 100)
        typed = f"{roubles:,}".replace(",", separator) + f",{rest:02d}"
        assert parse_price(typed, "RUB") == Money(kopecks, "RUB")

    @given(st.integers(min_value=0, max_value=10**10 - 1))
    def test_any_amount_of_cents_written_with_a_point_parses_back_exactly(self, cents):
        assert parse_price(f"{cents // 100}.{cents % 100:02d}", "USD") == Money(cents, "USD")


class TestDurations:
    @pytest.mark.parametrize("minutes", [5, 10, 30, 45, 90, 475, 480])
    def test_multiples_of_five_from_five_minutes_to_eight_hours_are_durations(self, minutes):
        assert duration_error(minutes) is None
        assert parse_duration(str(minutes)) == minutes

    @pytest.mark.parametrize("minutes", [0, 4, 7, 33, 485, 600, -5])
    def test_other_numbers_of_minutes_are_not(self, minutes):
        assert duration_error(minutes) == "duration_invalid"

    def test_a_missing_duration_is_required(self):
        assert duration_error(None) == "required"
        assert duration_code("") == "required"
        assert duration_code("   ") == "required"

    @pytest.mark.parametrize("typed", ["abc", "30.0", "30 min", "-30", "1e2", "7"])
    def test_anything_but_a_whole_number_of_steps_is_refused_as_typed(self, typed):
        assert duration_code(typed) == "duration_invalid"

    def test_spaces_around_the_minutes_are_ignored(self):
        assert parse_duration(" 45 ") == 45

    @given(st.integers(min_value=-10**6, max_value=10**6))
    def test_a_number_of_minutes_is_valid_exactly_when_it_is_a_step_within_the_range(
            self, minutes):
        valid = 5 <= minutes <= 480 and minutes % 5 == 0
        assert (duration_error(minutes) is None) == valid
        if valid:
            assert parse_duration(str(minutes)) == minutes
        else:
            assert duration_code(str(minutes)) == "duration_invalid"

    @given(st.text(alphabet=st.characters(codec="ascii"), max_size=12))
    def test_any_ascii_text_gives_minutes_or_a_field_error_never_a_crash(self, typed):
        try:
            minutes = parse_duration(typed)
        except ValidationFailed as error:
            assert set(error.errors) == {"duration_minutes"}
        else:
            assert duration_error(minutes) is None

    def test_a_superscript_digit_is_a_field_error_not_a_crash(self):
        assert duration_code("30²") == "duration_invalid"


class TestColours:
    def test_doctors_get_every_palette_colour_before_any_repeats(self):
        used: list[str] = []
        for _ in DOCTOR_COLORS:
            used.append(pick_color(used))
        assert sorted(used) == sorted(DOCTOR_COLORS)

    @given(st.sets(st.sampled_from(DOCTOR_COLORS), max_size=len(DOCTOR_COLORS) - 1))
    def test_while_the_palette_lasts_the_pick_is_a_colour_nobody_has(self, taken):
        picked = pick_color(list(taken))
        assert picked in DOCTOR_COLORS and picked not in taken

    def test_once_every_colour_is_taken_the_least_used_one_is_picked(self):
        used = list(DOCTOR_COLORS) * 2 + list(DOCTOR_COLORS[:3]) + list(DOCTOR_COLORS[4:])
        assert pick_color(used) == DOCTOR_COLORS[3]

    def test_colours_nobody_in_the_palette_has_do_not_block_it(self):
        assert pick_color(["#000000", "#ffffff"]) == DOCTOR_COLORS[0]

    @pytest.mark.parametrize("color", ["#cfe3ff", "#000000", "#a1b2c3"])
    def test_a_lowercase_hex_colour_is_a_colour(self, color):
        assert color_error(color) is None

    @pytest.mark.parametrize("color", ["red", "#fff", "cfe3ff", "#CFE3FF", "#cfe3ffaa", "#gggggg"])
    def test_anything_else_is_not(self, color):
        assert color_error(color) == "color_invalid"


class TestNamesAndRooms:
    def test_a_name_is_required_and_has_a_limit(self):
        assert text_error("  ") == "required"
        assert text_error("x" * 120) is None
        assert text_error(" " + "x" * 120 + " ") is None
        assert text_error("x" * 121) == "too_long"
        assert text_error("", required=False) is None

    def test_a_room_reports_its_name_and_address_at_once(self):
        with pytest.raises(ValidationFailed) as raised:
            check_room(" ", "x" * 201)
        assert raised.value.errors == {"name": "required", "address": "too_long"}

    def test_a_room_without_an_address_is_fine(self):
        check_room("Blue room", "")


class TestFolding:
    def test_names_compare_without_case_yo_or_extra_spaces(self):
        assert fold("  Ёлкина   АННА ") == "елкина анна"
        assert fold("Пётр") == fold("ПЕТР") == "петр"

    def test_folding_is_casefolding_not_just_lowercasing(self):
        assert fold("Straße") == fold("STRASSE")

    def test_search_digits_hold_the_international_and_the_home_forms(self):
        phone = PhoneNumber("+79161234567", "89161234567")
        assert phone.search_digits == "79161234567 89161234567"

    @pytest.mark.parametrize("e164", ["89161234567", "+0916123456", "+7916", "+7 916 123 45 67",
                                      ""])
    def test_a_phone_number_must_be_in_e164(self, e164):
        with pytest.raises(ValueError, match=r"not an E\.164 number"):
            PhoneNumber(e164, "89161234567")

    def test_a_registered_patient_is_kept_tidy_and_searchable(self):
        phone = PhoneNumber("+79161234567", "89161234567")
        patient = Patient.register(uuid.uuid4(), "  Ёлкина   Анна ", phone, NOW, email="",
                                   note="   ")
        assert (patient.name, patient.name_folded) == ("Ёлкина Анна", "елкина анна")
        assert (patient.phone, patient.phone_digits) == ("+79161234567",
                                                         "79161234567 89161234567")
        assert patient.email is None and patient.note is None

    def test_a_patients_note_is_trimmed_but_kept(self):
        phone = PhoneNumber("+79161234567", "89161234567")
        patient = Patient.register(uuid.uuid4(), "Anna", phone, NOW, note="  allergic to latex\n")
        assert patient.note == "allergic to latex"


class TestArchiving:
    @pytest.fixture(params=["room", "doctor", "procedure"])
    def record(self, request):
        clinic_id = uuid.uuid4()
        return {
            "room": lambda: Room(clinic_id, "Blue", None, created_at=NOW),
            "doctor": lambda: Doctor(clinic_id, "Anna", DOCTOR_COLORS[0], created_at=NOW),
            "procedure": lambda: Procedure(clinic_id, "Filling", 450000, "RUB", 45,
                                           created_at=NOW),
        }[request.param]()

    def test_a_new_record_is_active(self, record):
        assert not record.archived and record.archived_at is None

    def test_archiving_keeps_the_moment_it_first_happened(self, record):
        record.archive(NOW)
        record.archive(NOW + timedelta(days=1))
        assert record.archived and record.archived_at == NOW

    def test_a_restored_record_is_active_again(self, record):
        record.archive(NOW)
        record.restore()
        assert not record.archived and record.archived_at is None

    def test_a_procedure_price_is_money_both_ways(self):
        procedure = Procedure(uuid.uuid4(), "Filling", 450000, "RUB", 45, created_at=NOW)
        assert procedure.price == Money(450000, "RUB")
        procedure.price = Money(15000, "USD")
        assert (procedure.price_minor, procedure.currency) == (15000, "USD")

    def test_a_doctor_has_a_photo_once_one_was_uploaded(self):
        doctor = Doctor(uuid.uuid4(), "Anna", DOCTOR_COLORS[0], created_at=NOW)
        assert not doctor.has_photo
        doctor.photo_version += 1
        assert doctor.has_photo


class TestWorkingHours:
    def test_monday_to_saturday_from_eight_to_eight_is_fine(self):
        assert working_hours_errors([1, 2, 3, 4, 5, 6], "08:00", "20:00") == {}

    def test_a_clinic_open_every_day_round_the_clock_minus_a_minute_is_fine(self):
        assert working_hours_errors([1, 2, 3, 4, 5, 6, 7], "00:00", "23:59") == {}

    @pytest.mark.parametrize("days", [[], [0], [8], [1, 9], [-1]])
    def test_at_least_one_real_weekday_is_needed(self, days):
        assert working_hours_errors(days, "08:00", "20:00") == {"working_days": "days_required"}

    @pytest.mark.parametrize("time", ["8:00", "24:00", "12:60", "noon", "", "08:00:00", "0800"])
    def test_times_are_hh_mm_on_a_24_hour_clock(self, time):
        assert working_hours_errors([1], time, "20:00") == {"opens_at": "time_invalid"}
        assert working_hours_errors([1], "08:00", time) == {"closes_at": "time_invalid"}

    @pytest.mark.parametrize(("opens", "closes"), [("20:00", "08:00"), ("09:00", "09:00")])
    def test_the_clinic_must_close_after_it_opens(self, opens, closes):
        assert working_hours_errors([1], opens, closes) == {"closes_at": "hours_order"}

    def test_every_fault_is_named_at_once(self):
        assert working_hours_errors([], "x", "y") == {
            "working_days": "days_required", "opens_at": "time_invalid",
            "closes_at": "time_invalid"}

    def test_the_order_of_hours_is_judged_alongside_missing_days(self):
        assert working_hours_errors([], "20:00", "08:00") == {
            "working_days": "days_required", "closes_at": "hours_order"}

    def test_the_order_of_hours_is_not_judged_when_a_time_is_invalid(self):
        assert working_hours_errors([1], "20:00", "8:00") == {"closes_at": "time_invalid"}
        assert working_hours_errors([1], "25:00", "08:00") == {"opens_at": "time_invalid"}

    def test_a_time_with_a_trailing_newline_is_not_a_time(self):
        assert working_hours_errors([1], "08:00\n", "20:00") == {"opens_at": "time_invalid"}
