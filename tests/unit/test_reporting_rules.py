"""The counting rules of reports: what counts, exact sums, half-up averages, whole-day periods."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.reporting import (
    Counted,
    Period,
    Preset,
    average_minor,
    coming,
    counted_as,
    custom_period,
    preset_period,
    spent_minor,
    tally,
)
from clinic.domain.scheduling import REVENUE_STATUSES, AppointmentStatus
from clinic.domain.shared import ValidationFailed

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
STATUSES = ("scheduled", "arrived", "done", "cancelled", "no_show")


@pytest.mark.parametrize(("status", "minutes", "expected"), [
    ("done", -60, Counted.REVENUE), ("scheduled", -60, Counted.REVENUE),
    ("scheduled", 0, Counted.REVENUE), ("scheduled", 5, Counted.PLANNED),
    ("done", 60, Counted.PLANNED), ("cancelled", -60, Counted.NOT_COUNTED),
    ("no_show", -60, Counted.NOT_COUNTED), ("cancelled", 60, Counted.NOT_COUNTED),
])
def test_what_counts(status, minutes, expected):
    assert counted_as(status, NOW + timedelta(minutes=minutes), NOW) is expected


@pytest.mark.parametrize(("status", "counts"), [
    (AppointmentStatus.SCHEDULED, True), (AppointmentStatus.ARRIVED, True),
    (AppointmentStatus.DONE, True),
    (AppointmentStatus.CANCELLED, False), (AppointmentStatus.NO_SHOW, False)])
def test_a_visit_earns_unless_cancelled_or_missed(status, counts):
    assert status.counts_as_revenue is counts
    # the set SQL filters by is the same rule, and a status read as text is found in it
    assert (status in REVENUE_STATUSES, status.value in REVENUE_STATUSES) == (counts, counts)
    assert (counted_as(status.value, NOW - timedelta(hours=1), NOW) is Counted.REVENUE) is counts


@dataclass(frozen=True)
class _Visit:
    status: str
    starts_at: datetime
    price_minor: int


@pytest.mark.parametrize(("status", "minutes", "is_coming", "spent"), [
    ("scheduled", 60, True, 0), ("scheduled", 0, True, 0), ("scheduled", -5, False, 1000),
    ("done", -60, False, 1000), ("done", 60, False, 1000),  # marked done early: spent at once
    ("cancelled", 60, False, 0), ("cancelled", -60, False, 0), ("no_show", -60, False, 0),
])
def test_the_patient_card_spends_what_is_history_and_earns(status, minutes, is_coming, spent):
    visit = _Visit(status, NOW + timedelta(minutes=minutes), 1000)
    assert coming(visit, NOW) is is_coming
    assert spent_minor([visit], NOW) == spent


@given(st.lists(st.tuples(st.sampled_from(STATUSES), st.integers(-60 * 24, 60 * 24),
                          st.integers(0, 10**9)), max_size=30))
def test_the_card_sums_the_past_visits_that_earn(raw):
    items = [_Visit(s, NOW + timedelta(minutes=m), p) for s, m, p in raw]
    past = [v for v in items if not (v.status == "scheduled" and v.starts_at >= NOW)]
    assert spent_minor(items, NOW) == sum(v.price_minor for v in past
                                          if v.status in ("scheduled", "arrived", "done"))


@pytest.mark.parametrize("minutes", [-60, 0, 5, 60])
def test_an_arrived_visit_counts_as_a_scheduled_one(minutes):
    """Marking a patient arrived changes nothing in the reports (issue 18)."""
    starts_at = NOW + timedelta(minutes=minutes)
    assert counted_as("arrived", starts_at, NOW) is counted_as("scheduled", starts_at, NOW)


visits = st.lists(st.tuples(st.sampled_from(STATUSES),
                            st.integers(-60 * 24 * 400, 60 * 24 * 400),
                            st.integers(0, 10**9)), max_size=60)


@given(visits)
def test_revenue_is_the_sum_of_the_counted_prices_whatever_the_mix(raw):
    items = [(status, NOW + timedelta(minutes=m), price) for status, m, price in raw]
    result = tally(items, NOW)
    counted = [p for s, t, p in items if s in ("scheduled", "arrived", "done") and t <= NOW]
    planned = [p for s, t, p in items if s in ("scheduled", "arrived", "done") and t > NOW]
    assert (result.appointments_count, result.revenue_minor) == (len(counted), sum(counted))
    assert (result.planned_count, result.planned_minor) == (len(planned), sum(planned))
    assert result.not_counted_count == len(items) - len(counted) - len(planned)


@given(st.integers(0, 10**12), st.integers(1, 10**6))
def test_the_average_is_rounded_half_up_to_the_minor_unit(total, count):
    assert average_minor(total, count) == (2 * total + count) // (2 * count)  # integers only


def test_averages_of_nothing_are_zero_and_halves_go_up():
    assert average_minor(0, 0) == 0
    assert average_minor(5, 2) == 3 and average_minor(3, 2) == 2 and average_minor(1, 3) == 0


@pytest.mark.parametrize(("preset", "first", "last"), [
    (Preset.THIS_WEEK, date(2026, 11, 23), date(2026, 11, 29)),
    (Preset.LAST_WEEK, date(2026, 11, 16), date(2026, 11, 22)),
    (Preset.THIS_MONTH, date(2026, 11, 1), date(2026, 11, 30)),
    (Preset.LAST_MONTH, date(2026, 10, 1), date(2026, 10, 31)),
    (Preset.THIS_YEAR, date(2026, 1, 1), date(2026, 12, 31)),
])
def test_presets_are_whole_days(preset, first, last):
    assert preset_period(preset, date(2026, 11, 24)) == Period(first, last)


def test_last_month_in_january_is_last_years_december_and_february_knows_leap_years():
    assert preset_period(Preset.LAST_MONTH, date(2027, 1, 5)) == Period(date(2026, 12, 1),
                                                                       date(2026, 12, 31))
    assert preset_period(Preset.THIS_MONTH, date(2028, 2, 10)).last == date(2028, 2, 29)


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(0, 800))
def test_the_bars_cover_the_period_exactly_once(first, length):
    period = Period(first, first + timedelta(days=length))
    bars = period.buckets()
    assert bars[0][0] == period.first and bars[-1][1] == period.last + timedelta(days=1)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bars))
    if period.by_week:
        assert all(start.weekday() == 0 for start, _end in bars[1:])
    else:
        assert len(bars) == period.days


def test_a_custom_period_must_be_in_order_and_not_endless():
    assert custom_period(date(2026, 1, 1), date(2026, 1, 1)).days == 1
    with pytest.raises(ValidationFailed) as raised:
        custom_period(date(2026, 2, 1), date(2026, 1, 1))
    assert raised.value.errors == {"to": "range_invalid"}
    with pytest.raises(ValidationFailed):
        custom_period(date(2020, 1, 1), date(2026, 1, 1))
    with pytest.raises(ValidationFailed) as raised:
        custom_period(None, None)
    assert set(raised.value.errors) == {"from", "to"}
