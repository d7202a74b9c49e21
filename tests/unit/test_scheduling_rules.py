from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from clinic.domain.availability import first_clash, nearest_free_start
from clinic.domain.pricing import PricedItem, quote
from clinic.domain.scheduling import (
    AppointmentStatus,
    TimeRange,
    check_booking,
)
from clinic.domain.shared import ValidationFailed

DAY = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


def span(h1, m1, h2, m2) -> TimeRange:
    return TimeRange(at(h1, m1), at(h2, m2))


slots = st.integers(min_value=0, max_value=24 * 12 - 1).map(
    lambda n: DAY + timedelta(minutes=5 * n))
lengths = st.integers(min_value=1, max_value=24).map(lambda n: timedelta(minutes=5 * n))
ranges = st.builds(lambda s, d: TimeRange(s, s + d), slots, lengths)


def test_back_to_back_appointments_do_not_overlap():
    assert not span(10, 0, 10, 30).overlaps(span(10, 30, 11, 0))
    assert span(10, 0, 10, 31).overlaps(span(10, 30, 11, 0))


@given(ranges, ranges)
def test_overlap_is_symmetric_and_means_a_shared_minute(a, b):
    shared = max(a.start, b.start) < min(a.end, b.end)
    assert a.overlaps(b) == b.overlaps(a) == shared


def test_a_range_must_be_aware_and_end_after_it_starts():
    with pytest.raises(ValueError):
        TimeRange(at(10), at(10))
    with pytest.raises(ValueError):
        TimeRange(datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 11))


def test_the_nearest_free_start_is_right_after_the_clash_when_that_is_closer():
    busy = [span(10, 0, 11, 30)]
    assert nearest_free_start(span(10, 30, 11, 30), busy) == at(11, 30)


def test_the_nearest_free_start_can_be_earlier():
    busy = [span(10, 0, 11, 0), span(11, 0, 13, 0)]
    assert nearest_free_start(span(10, 15, 10, 45), busy) == at(9, 30)


def test_a_gap_too_short_for_the_duration_is_skipped():
    busy = [span(8, 0, 10, 0), span(10, 20, 12, 0)]  # 10:00-10:20 is too short for 30 min
    assert nearest_free_start(span(9, 30, 10, 0), busy) == at(7, 30)


def test_a_free_wanted_start_is_its_own_answer():
    assert nearest_free_start(span(14, 0, 15, 0), [span(10, 0, 11, 0)]) == at(14, 0)


@given(st.lists(ranges, max_size=8), ranges)
def test_the_offered_start_is_always_free_and_no_free_start_is_closer(busy, wanted):
    offered = nearest_free_start(wanted, busy, horizon=timedelta(days=3))
    assume(offered is not None)
    assert first_clash(wanted.shifted_to(offered), busy) is None
    distance = abs(offered - wanted.start)
    step = timedelta(minutes=5)
    probe = wanted.start - distance + step
    while probe < wanted.start + distance:  # every grid start strictly closer must clash
        assert first_clash(wanted.shifted_to(probe), busy) is not None
        probe += step


def test_only_cancelled_appointments_free_their_time():
    assert not AppointmentStatus.CANCELLED.holds_time
    assert all(s.holds_time for s in AppointmentStatus if s is not AppointmentStatus.CANCELLED)


def test_a_booking_needs_a_start_on_the_five_minute_grid_and_a_procedure():
    with pytest.raises(ValidationFailed) as raised:
        check_booking(at(10, 7), 0, "")
    assert raised.value.errors == {"starts_at": "start_off_grid",
                                   "procedure_ids": "procedures_required"}


@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 96)), max_size=10))
def test_a_quote_is_the_exact_sum_of_prices_and_durations(items):
    result = quote([PricedItem("x", price, 5 * length) for price, length in items])
    assert result.price_minor == sum(p for p, _ in items)
    assert result.duration == timedelta(minutes=5 * sum(n for _, n in items))


def test_the_offer_can_be_limited_to_working_hours_and_jump_to_the_next_opening():
    busy = [span(8, 0, 20, 0)]  # the whole working day is taken
    def working(r: TimeRange) -> bool:
        return (at(8) <= r.start and r.end <= at(20)) or (at(32) <= r.start and r.end <= at(44))
    offer = nearest_free_start(span(10, 0, 10, 30), busy, allowed=working,
                               openings=[at(8), at(32)])
    assert offer == at(32)  # 08:00 the next day, not 07:30 this morning
    assert nearest_free_start(span(10, 0, 10, 30), busy) == at(7, 30)


def test_a_visit_lasts_at_most_twelve_hours():
    from datetime import timedelta

    from clinic.domain.scheduling import MAX_VISIT, check_length
    from clinic.domain.shared import ValidationFailed

    check_length(MAX_VISIT)  # a whole day's work is fine
    with pytest.raises(ValidationFailed) as refused:
        check_length(MAX_VISIT + timedelta(minutes=5))
    assert refused.value.errors == {"procedure_ids": "visit_too_long"}


def test_a_past_day_and_a_year_ahead_are_unusual_in_the_clinics_zone():
    from zoneinfo import ZoneInfo

    from clinic.domain.scheduling import UnusualDay, check_day

    moscow = ZoneInfo("Europe/Moscow")
    now = datetime(2026, 12, 3, 21, 30, tzinfo=UTC)  # already Dec 4, 00:30 in Moscow
    check_day(datetime(2026, 12, 4, 0, 0, tzinfo=moscow), now, moscow)  # today there
    with pytest.raises(UnusualDay) as past:
        check_day(datetime(2026, 12, 3, 23, 0, tzinfo=moscow), now, moscow)
    assert past.value.past
    check_day(now + timedelta(days=366), now, moscow)
    with pytest.raises(UnusualDay) as far:
        check_day(now + timedelta(days=366, minutes=5), now, moscow)
    assert not far.value.past
