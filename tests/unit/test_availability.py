"""Free time, the domain's one answer: free intervals and the first free moment."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.availability import first_clash, first_free_moment, free_intervals
from clinic.domain.scheduling import TimeRange

DAY = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


def span(h1, m1, h2, m2) -> TimeRange:
    return TimeRange(at(h1, m1), at(h2, m2))


WORKDAY = span(8, 0, 20, 0)


def test_the_forty_minutes_after_a_twenty_minute_visit_are_free():
    busy = [span(10, 0, 10, 20), span(11, 0, 12, 0)]
    assert free_intervals(span(10, 0, 12, 0), busy) == [span(10, 20, 11, 0)]


def test_an_empty_day_is_one_interval_and_a_full_one_none():
    assert free_intervals(WORKDAY, []) == [WORKDAY]
    assert free_intervals(WORKDAY, [span(7, 0, 21, 0)]) == []


def test_gaps_shorter_than_the_shortest_bookable_time_are_not_offered():
    busy = [span(9, 0, 9, 58), span(10, 0, 11, 0)]
    assert free_intervals(span(9, 0, 11, 0), busy) == []
    assert free_intervals(span(9, 0, 11, 0), busy, shortest=timedelta(0)) == [
        span(9, 58, 10, 0)]


def test_overlapping_busy_ranges_and_ranges_outside_the_window_are_merged_and_cut():
    busy = [span(7, 0, 8, 30), span(9, 0, 10, 0), span(9, 30, 10, 30), span(19, 50, 21, 0)]
    assert free_intervals(WORKDAY, busy) == [span(8, 30, 9, 0), span(10, 30, 19, 50)]


def test_a_tap_on_a_taken_start_means_the_first_free_moment_after_it():
    assert first_free_moment(span(10, 0, 11, 0), [span(9, 30, 10, 30)]) == at(10, 30)
    assert first_free_moment(span(10, 0, 11, 0), [span(11, 0, 12, 0)]) == at(10, 0)
    assert first_free_moment(span(10, 0, 11, 0), [span(9, 0, 10, 30),
                                                  span(10, 30, 11, 0)]) is None


slots = st.integers(min_value=0, max_value=24 * 12 - 1).map(
    lambda n: DAY + timedelta(minutes=5 * n))
lengths = st.integers(min_value=1, max_value=36).map(lambda n: timedelta(minutes=5 * n))
ranges = st.builds(lambda s, d: TimeRange(s, s + d), slots, lengths)


@given(st.lists(ranges, max_size=12))
def test_free_intervals_never_clash_and_cover_every_free_five_minutes(busy):
    window = TimeRange(DAY, DAY + timedelta(days=1))
    free = free_intervals(window, busy)
    for interval in free:
        assert first_clash(interval, busy) is None
        assert interval.duration >= timedelta(minutes=5)
    for n in range(24 * 12):  # every free 5-minute slot lies in some interval
        slot = TimeRange(DAY + timedelta(minutes=5 * n), DAY + timedelta(minutes=5 * n + 5))
        if first_clash(slot, busy) is None:
            assert any(i.start <= slot.start and slot.end <= i.end for i in free)


def test_a_tap_books_at_the_step_or_right_after_the_visit_that_holds_it():
    from clinic.domain.availability import tapped_start

    busy, quarter = [span(10, 0, 10, 20)], timedelta(minutes=15)
    assert tapped_start(at(10, 40), busy, quarter) == at(10, 30)  # the free 40 minutes, on step
    assert tapped_start(at(10, 5), busy, quarter) == at(10, 20)  # beside the visit: after it
    assert tapped_start(at(10, 40), busy, timedelta(minutes=5)) == at(10, 40)
    assert tapped_start(at(10, 47), busy, timedelta(minutes=10)) == at(10, 40)
    assert tapped_start(at(10, 5), [span(9, 0, 12, 0)], quarter) == at(10, 0)  # all taken


def test_the_next_free_start_is_on_the_step_and_fits_the_length():
    from clinic.domain.availability import next_free_start

    free, quarter = [span(9, 0, 9, 10), span(9, 50, 12, 0)], timedelta(minutes=15)
    assert next_free_start(free, at(8, 0), quarter, quarter) == at(10, 0)
    assert next_free_start(free, at(10, 1), quarter, quarter) == at(10, 15)
    assert next_free_start(free, at(11, 50), quarter, quarter) is None
    five = timedelta(minutes=5)
    assert next_free_start(free, at(8, 0), five, five) == at(9, 0)
