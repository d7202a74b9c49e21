"""What the clinic earned: which appointments count, periods of whole days, exact sums."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from clinic.domain.scheduling import REVENUE_STATUSES, AppointmentStatus
from clinic.domain.shared import ValidationFailed, check_date_range, day_error

MAX_PERIOD_DAYS = 3 * 366  # a longer custom period is refused (and would not read well)
DAILY_UP_TO_DAYS = 62  # longer periods are drawn by week


class Counted(enum.StrEnum):
    REVENUE = "revenue"  # its start has passed and it was not cancelled nor a no-show
    PLANNED = "planned"  # still ahead: shown with its own total, not mixed into revenue
    NOT_COUNTED = "not_counted"  # cancelled or no-show: listed, never summed


def counted_as(status: str, starts_at: datetime, now: datetime) -> Counted:
    """The rule: an appointment counts at the price kept on it once its start has passed,
    unless it was cancelled or the patient did not come (`counts_as_revenue`)."""
    if status not in REVENUE_STATUSES:
        return Counted.NOT_COUNTED
    return Counted.REVENUE if starts_at <= now else Counted.PLANNED


class Visit(Protocol):
    """What the patient card's rules read of a visit (`CalendarEntry` has it)."""

    @property
    def status(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def price_minor(self) -> int: ...


def coming(visit: Visit, now: datetime) -> bool:
    """On a patient's card, "Coming": still scheduled and not yet begun. A visit marked done,
    cancelled or missed is history whenever it was to be."""
    return visit.status == AppointmentStatus.SCHEDULED and visit.starts_at >= now


def spent_minor(visits: Iterable[Visit], now: datetime) -> int:
    """"Spent in all" on a patient's card: the visits that are history (not `coming`) and
    count as revenue. It differs from the reports' `counted_as` at two edges, kept as they
    were: a visit marked done before its start counts here at once (the reports count it from
    its start), and one starting exactly now is still coming here (counted there)."""
    return sum(v.price_minor for v in visits
               if v.status in REVENUE_STATUSES and not coming(v, now))


@dataclass(frozen=True)
class Tally:
    appointments_count: int
    revenue_minor: int
    planned_count: int
    planned_minor: int
    not_counted_count: int

    @property
    def average_minor(self) -> int:
        return average_minor(self.revenue_minor, self.appointments_count)


def tally(items: Iterable[tuple[str, datetime, int]], now: datetime) -> Tally:
    """The rule applied to (status, start, price) one by one: what the database's GROUP BY
    must agree with."""
    counts = {kind: [0, 0] for kind in Counted}
    for status, starts_at, price_minor in items:
        bucket = counts[counted_as(status, starts_at, now)]
        bucket[0] += 1
        bucket[1] += price_minor
    return Tally(counts[Counted.REVENUE][0], counts[Counted.REVENUE][1],
                 counts[Counted.PLANNED][0], counts[Counted.PLANNED][1],
                 counts[Counted.NOT_COUNTED][0])


@dataclass(frozen=True)
class ReminderFigures:
    """What reminders did in a period, by the visits' starts: how many visits were reminded
    and confirmed, how many of the visits that are over the patient missed."""

    reminded: int
    confirmed: int  # of the reminded ones
    no_shows: int
    attended: int  # arrived or done

    @property
    def confirmed_percent(self) -> int | None:
        return _percent(self.confirmed, self.reminded)

    @property
    def no_show_percent(self) -> int | None:
        return _percent(self.no_shows, self.no_shows + self.attended)


def _percent(part: int, whole: int) -> int | None:
    if not whole:
        return None
    return int((Decimal(100 * part) / whole).quantize(Decimal(1), ROUND_HALF_UP))


def average_minor(total_minor: int, count: int) -> int:
    """The average value, rounded half-up to the currency's minor unit; 0 when nothing counts."""
    if count <= 0:
        return 0
    return int((Decimal(total_minor) / Decimal(count)).quantize(Decimal(1),
                                                                 rounding=ROUND_HALF_UP))


class Preset(enum.StrEnum):
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """Whole days in the clinic's time zone, `last` included."""

    first: date
    last: date

    def before(self) -> Period:
        """The period to compare with: the month before a whole month, else as many days
        just before."""
        day_after = self.last + timedelta(days=1)
        if self.first.day == 1 and day_after.day == 1 and (day_after - self.first).days <= 31:
            last = self.first - timedelta(days=1)
            return Period(last.replace(day=1), last)
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def by_week(self) -> bool:
        return self.days > DAILY_UP_TO_DAYS

    def buckets(self) -> list[tuple[date, date]]:
        """The bars of the chart: [first day, day after) for each day, or for each week
        (Monday to Sunday, clipped to the period) when the period is long."""
        if not self.by_week:
            return [(self.first + timedelta(days=n), self.first + timedelta(days=n + 1))
                    for n in range(self.days)]
        out = []
        start = self.first
        end_of_period = self.last + timedelta(days=1)
        while start < end_of_period:
            monday_after = start + timedelta(days=7 - start.weekday())
            out.append((start, min(monday_after, end_of_period)))
            start = monday_after
        return out


def preset_period(preset: Preset, today: date) -> Period:
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    if preset is Preset.THIS_WEEK:
        return Period(monday, monday + timedelta(days=6))
    if preset is Preset.LAST_WEEK:
        return Period(monday - timedelta(days=7), monday - timedelta(days=1))
    if preset is Preset.THIS_MONTH:
        next_month = (first_of_month + timedelta(days=32)).replace(day=1)
        return Period(first_of_month, next_month - timedelta(days=1))
    if preset is Preset.LAST_MONTH:
        last_day = first_of_month - timedelta(days=1)
        return Period(last_day.replace(day=1), last_day)
    if preset is Preset.THIS_YEAR:
        return Period(today.replace(month=1, day=1), today.replace(month=12, day=31))
    raise ValueError("a custom period has its own dates")


def custom_period(first: date | None, last: date | None) -> Period:
    errors = {}
    if first is None:
        errors["from"] = "date_invalid"
    if last is None:
        errors["to"] = "date_invalid"
    if errors:
        raise ValidationFailed(errors)
    check_date_range(first, last, max_days=MAX_PERIOD_DAYS)
    assert first is not None and last is not None
    return Period(first, last)


def requested_period(first: date | None, last: date | None, today: date) -> Period:
    """What a caller means by an optional first and last day (`today` in the clinic's zone):
    neither, this month; only the first, from that day to today; only the last, from the first
    of its month to that day (as "this month" ends today on its own); both, exactly those."""
    if first is None and last is None:
        return preset_period(Preset.THIS_MONTH, today)
    if last is None:
        assert first is not None
        if day_error(first) is None and first > today:
            raise ValidationFailed({"from": "after_today"})
        last = today
    elif first is None:
        first = last.replace(day=1)
    return custom_period(first, last)
