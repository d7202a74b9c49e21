"""The report's read side. Sums and counts are made by the database (GROUP BY), never by
loading appointments into Python; the rows for the list and the downloads come in batches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from clinic.domain.reporting import Counted, Period, ReminderFigures


@dataclass(frozen=True)
class ReportScope:
    """One clinic's period in its own time zone, optionally one doctor or one room; `now`
    splits what counted from what is planned."""

    clinic_id: uuid.UUID
    period: Period
    zone: ZoneInfo
    now: datetime
    doctor_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None

    @property
    def start(self) -> datetime:
        return local_midnight(self.period.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.period.last + timedelta(days=1), self.zone)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


@dataclass(frozen=True)
class Breakdown:
    id: uuid.UUID
    name: str
    appointments_count: int
    revenue_minor: int


@dataclass(frozen=True)
class Bar:
    first: date
    end: date  # the day after the bar's last day
    appointments_count: int
    revenue_minor: int


@dataclass(frozen=True)
class Summary:
    period: Period
    currency: str
    appointments_count: int
    revenue_minor: int
    average_minor: int
    planned_count: int
    planned_minor: int
    not_counted_count: int  # cancelled and no-shows in the period
    by_doctor: Sequence[Breakdown]
    by_room: Sequence[Breakdown]
    bars: Sequence[Bar]


@dataclass(frozen=True)
class ReportRow:
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    patient_name: str
    doctor_name: str
    room_name: str
    procedures: Sequence[str]
    price_minor: int
    currency: str
    status: str
    counted: Counted


@dataclass(frozen=True)
class ReportPage:
    rows: Sequence[ReportRow]
    total: int


class ReportQueries(Protocol):
    def reminder_figures(self, scope: ReportScope
                         ) -> tuple[ReminderFigures, ReminderFigures]:
        """Reminded, confirmed, missed and attended visits of the period (by their starts),
        and of the period before it (`Period.before`), in one statement."""
        ...

    def summary(self, scope: ReportScope, currency: str) -> Summary:
        """The figures of the period, in a fixed number of SQL statements."""
        ...

    def rows(self, scope: ReportScope, offset: int = 0, limit: int = 50,
             newest_first: bool = False) -> ReportPage:
        """One page of the period's appointments, cancelled and no-shows included."""
        ...

    def stream(self, scope: ReportScope, batch: int = 2500) -> Iterator[ReportRow]:
        """Every appointment of the period by start, read `batch` at a time (downloads)."""
        ...
