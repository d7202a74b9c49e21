"""The rules every input obeys whichever door it comes through: text without control characters
or lone surrogates, days in a sane span, pages within bounds, JSON of bounded size and depth."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.application.json_input import MAX_JSON_DEPTH, JsonRefused, load_json
from clinic.domain.reporting import MAX_PERIOD_DAYS, Period, requested_period
from clinic.domain.shared import (
    EARLIEST_DAY,
    LATEST_DAY,
    MAX_OFFSET,
    PageBounds,
    ValidationFailed,
    characters_error,
    check_date_range,
    date_range_errors,
    day_error,
    page_bounds,
    page_offset,
)

CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
# Text as people type it: any character but the refused ones.
typed = st.text(st.characters(exclude_characters=CONTROLS, exclude_categories=("Cs",)))


# -- text ------------------------------------------------------------------------------------------

@given(typed)
def test_text_without_control_characters_passes(text):
    assert characters_error(text) is None


@given(typed, typed, st.sampled_from(CONTROLS))
def test_any_control_character_but_tab_and_line_breaks_is_refused(before, after, control):
    assert characters_error(before + control + after) == "control_characters"


@given(typed, typed, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
def test_a_lone_surrogate_is_not_text(before, after, surrogate):
    assert characters_error(before + surrogate + after) == "not_text"


def test_tabs_line_breaks_and_any_script_are_text():
    assert characters_error("Иван\tПетров\r\n李 😀 «ё»") is None


# -- days and ranges of days -----------------------------------------------------------------------

days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@given(days)
def test_a_day_is_usable_exactly_inside_the_span(day):
    assert (day_error(day) is None) == (EARLIEST_DAY <= day <= LATEST_DAY)


@given(st.one_of(st.none(), days), st.one_of(st.none(), days),
       st.one_of(st.none(), st.integers(1, 5000)))
def test_a_range_passes_only_when_each_day_is_in_span_in_order_and_short_enough(
        first, last, max_days):
    errors = date_range_errors(first, last, max_days=max_days)
    in_span = all(d is None or EARLIEST_DAY <= d <= LATEST_DAY for d in (first, last))
    ordered = first is None or last is None or first <= last
    short = (max_days is None or first is None or last is None
             or (last - first).days + 1 <= max_days)
    assert (errors == {}) == (in_span and ordered and short)
    assert set(errors) <= {"from", "to"}
    if errors == {}:  # what passes can be used with a time zone without overflowing
        for day in (first, last):
            if day is not None:
                assert day + timedelta(days=1) and day - timedelta(days=1)


def test_range_errors_name_the_field_and_the_fault():
    assert date_range_errors(date(9999, 12, 31), None) == {"from": "date_out_of_range"}
    assert date_range_errors(None, date(1, 1, 1)) == {"to": "date_out_of_range"}
    assert date_range_errors(date(2026, 2, 1), date(2026, 1, 1)) == {"to": "range_invalid"}
    assert date_range_errors(date(2026, 1, 1), date(2026, 1, 10), max_days=9) == {
        "to": "period_too_long"}
    assert date_range_errors(date(2026, 1, 1), date(2026, 1, 9), max_days=9) == {}
    assert date_range_errors(date(1, 1, 1), None, names=("since", "until")) == {
        "since": "date_out_of_range"}
    with pytest.raises(ValidationFailed) as raised:
        check_date_range(date(2026, 1, 1), date(9999, 1, 1))
    assert raised.value.errors == {"to": "date_out_of_range"}


TODAY = date(2026, 11, 24)


def test_a_report_without_dates_is_this_month():
    assert requested_period(None, None, TODAY) == Period(date(2026, 11, 1), date(2026, 11, 30))


def test_a_report_with_only_from_runs_to_today():
    assert requested_period(date(2026, 9, 3), None, TODAY) == Period(date(2026, 9, 3), TODAY)
    assert requested_period(TODAY, None, TODAY) == Period(TODAY, TODAY)
    with pytest.raises(ValidationFailed) as raised:
        requested_period(TODAY + timedelta(days=1), None, TODAY)
    assert raised.value.errors == {"from": "after_today"}
    with pytest.raises(ValidationFailed) as raised:
        requested_period(TODAY - timedelta(days=MAX_PERIOD_DAYS), None, TODAY)
    assert raised.value.errors == {"to": "period_too_long"}


def test_a_report_with_only_to_runs_from_the_first_of_its_month():
    assert requested_period(None, date(2026, 2, 17), TODAY) == Period(date(2026, 2, 1),
                                                                       date(2026, 2, 17))


@given(st.one_of(st.none(), days), st.one_of(st.none(), days))
def test_a_requested_period_is_usable_or_refused_never_absurd(first, last):
    try:
        period = requested_period(first, last, TODAY)
    except ValidationFailed as refused:
        assert set(refused.errors) <= {"from", "to"}
    else:
        assert EARLIEST_DAY <= period.first <= period.last <= LATEST_DAY
        assert period.days <= MAX_PERIOD_DAYS


# -- pages -----------------------------------------------------------------------------------------

@given(st.integers(-10**25, 10**25), st.integers(-10**25, 10**25), st.integers(1, 1000))
def test_page_bounds_pass_only_within_the_limits(offset, limit, max_limit):
    try:
        bounds = page_bounds(offset, limit, max_limit)
    except ValidationFailed as refused:
        assert set(refused.errors) <= {"offset", "limit"}
        assert not (0 <= offset <= MAX_OFFSET and 1 <= limit <= max_limit)
    else:
        assert bounds == PageBounds(offset, limit)
        assert 0 <= offset <= MAX_OFFSET and 1 <= limit <= max_limit


def test_page_bounds_name_each_fault():
    with pytest.raises(ValidationFailed) as raised:
        page_bounds(-1, 0, 50)
    assert raised.value.errors == {"offset": "offset_out_of_range",
                                   "limit": "limit_out_of_range"}


@given(st.integers(-10**25, 10**25), st.integers(1, 200))
def test_a_page_number_is_an_offset_within_bounds_or_refused(page, per_page):
    try:
        offset = page_offset(page, per_page)
    except ValidationFailed as refused:
        assert refused.errors == {"page": "page_out_of_range"}
        assert page < 1 or (page - 1) * per_page > MAX_OFFSET
    else:
        assert offset == (page - 1) * per_page and 0 <= offset <= MAX_OFFSET


def test_the_absurd_page_of_the_report_is_refused():
    with pytest.raises(ValidationFailed):
        page_offset(99999999999999999999, 50)


# -- JSON ------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | typed, lambda children: st.lists(children, max_size=4)
    | st.dictionaries(typed, children, max_size=4), max_leaves=20)


@given(json_values)
def test_json_within_the_rule_reads_as_itself(value):
    payload = json.dumps(value).encode()
    if len(payload) <= 64 * 1024:
        assert load_json(payload) == value


@pytest.mark.parametrize(("payload", "code"), [
    (b"[" * 1000 + b"]" * 1000, "too_deep"),
    (b"[" * 100_000, "too_large"),
    (b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1), "too_deep"),
    (b'{"name": "\\ud800"}', "not_text"),
    (b'{"\\udfff": 1}', "not_text"),
    (b'{"price": NaN}', "not_json"),
    (b'{"price": Infinity}', "not_json"),
    (b'{"price": 1e400}', "not_json"),
    (b'{"name": "\xff"}', "not_json"),
    (b'{"a": 1', "not_json"),
    (b"1" * 5000, "not_json"),
])
def test_json_beyond_the_rule_is_refused_with_its_reason(payload, code):
    with pytest.raises(JsonRefused) as refused:
        load_json(payload)
    assert refused.value.code == code


def test_a_surrogate_pair_is_text():
    assert load_json(b'{"name": "\\ud83d\\ude00"}') == {"name": "😀"}


def test_the_limits_can_be_raised_for_a_larger_trusted_document():
    payload = json.dumps({"lines": ["x" * 1000] * 100}).encode()
    with pytest.raises(JsonRefused):
        load_json(payload)
    assert load_json(payload, max_bytes=1 << 20)["lines"][0] == "x" * 1000
