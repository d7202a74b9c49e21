"""Free time, the one place that answers it: whether a wanted range clashes with busy ones, the
nearest start that fits, the first free moment of a window and the free intervals of a day.

Everything here is pure: callers hand in the busy ranges (read from a repository or a read
model) and, where it matters, the clinic's working hours as a predicate."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from clinic.domain.scheduling import SEARCH_HORIZON, STEP, TimeRange


def first_clash(wanted: TimeRange, busy: Iterable[TimeRange]) -> TimeRange | None:
    """The earliest busy range that overlaps the wanted one, or None: the room is free."""
    return next((taken for taken in sorted(busy) if taken.overlaps(wanted)), None)


def nearest_free_start(wanted: TimeRange, busy: Iterable[TimeRange],
                       horizon: timedelta = SEARCH_HORIZON,
                       allowed: Callable[[TimeRange], bool] | None = None,
                       openings: Iterable[datetime] = ()) -> datetime | None:
    """The start closest to the wanted one (on the 5-minute grid, later wins a tie) at which the
    same duration fits between the busy ranges and, when given, is `allowed` (inside working
    hours); `openings` are extra starts to try, such as each day's opening time. None if
    nothing fits within the horizon."""
    taken = sorted(busy)
    if first_clash(wanted, taken) is None:
        return wanted.start
    candidates = {wanted.start, *openings}
    for other in taken:
        candidates.add(ceil_to(other.end, STEP))
        candidates.add(floor_to(other.start - wanted.duration, STEP))
    for start in sorted(candidates, key=lambda s: (abs(s - wanted.start), s < wanted.start)):
        if abs(start - wanted.start) > horizon:
            break
        moved = wanted.shifted_to(start)
        if first_clash(moved, taken) is None and (allowed is None or allowed(moved)):
            return start
    return None


def free_intervals(window: TimeRange, busy: Iterable[TimeRange],
                   shortest: timedelta = STEP) -> list[TimeRange]:
    """The parts of the window no busy range covers, in order, each at least `shortest` long
    (a 3-minute gap between two visits is not time anyone can book)."""
    free: list[TimeRange] = []
    moment = window.start
    for taken in sorted(busy):
        if taken.end <= moment:
            continue
        if taken.start >= window.end:
            break
        if _long_enough(taken.start - moment, shortest):
            free.append(TimeRange(moment, taken.start))
        moment = max(moment, taken.end)
        if moment >= window.end:
            return free
    if _long_enough(window.end - moment, shortest):
        free.append(TimeRange(moment, window.end))
    return free


def _long_enough(gap: timedelta, shortest: timedelta) -> bool:
    return gap > timedelta(0) and gap >= shortest


def first_free_moment(window: TimeRange, busy: Iterable[TimeRange]) -> datetime | None:
    """The first moment of the window that no busy range covers (a tap on 10:00 when a visit
    holds 10:00–10:30 means 10:30), or None when the whole window is taken."""
    free = free_intervals(window, busy, shortest=timedelta(0))
    return free[0].start if free else None


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """Down to the step within the hour (steps of 5, 10, 15, 20 or 30 minutes divide it)."""
    minutes = int(step.total_seconds() // 60)
    return moment.replace(minute=moment.minute - moment.minute % minutes, second=0,
                          microsecond=0)


def ceil_to(moment: datetime, step: timedelta) -> datetime:
    floored = floor_to(moment, step)
    return floored if floored == moment else floored + step


def tapped_start(tapped: datetime, busy: Iterable[TimeRange], step: timedelta) -> datetime:
    """Where a tap on the calendar books: the tapped time down to the step, or, when a visit
    holds that moment, the first free moment after it within the hour (a tap at 10:05 beside
    a visit until 10:20 means 10:20). The tapped time itself when the whole hour is taken:
    the booking then says so and offers the nearest start."""
    start = floor_to(tapped, step)
    return first_free_moment(TimeRange(start, start + timedelta(hours=1)), busy) or start


def next_free_start(intervals: Iterable[TimeRange], after: datetime, length: timedelta,
                    step: timedelta) -> datetime | None:
    """The first start on the step at or after `after` at which `length` fits in one of the
    free intervals (the "+ Appointment" button: the next free time)."""
    for interval in sorted(intervals):
        start = max(ceil_to(interval.start, step), ceil_to(after, step))
        if start + length <= interval.end:
            return start
    return None
