"""Appointments in time: ranges, statuses, the no-double-booking rule and the nearest free start."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from clinic.domain.shared import DomainError, ValidationFailed, new_id

STEP = timedelta(minutes=5)
SEARCH_HORIZON = timedelta(days=14)
MAX_NOTE = 2000


@dataclass(frozen=True, order=True)
class TimeRange:
    """Half-open [start, end): 10:00-10:30 and 10:30-11:00 do not overlap."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("times must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("a range must end after it starts")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: TimeRange) -> bool:
        return self.start < other.end and other.start < self.end

    def shifted_to(self, start: datetime) -> TimeRange:
        return TimeRange(start, start + self.duration)


class AppointmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def holds_time(self) -> bool:
        """Only a cancelled appointment frees its room; a no-show still took the chair."""
        return self is not AppointmentStatus.CANCELLED

    @property
    def counts_as_revenue(self) -> bool:
        """Its price is money the clinic earns: not once it was cancelled or the patient did
        not come (when it counts, by its start, is `domain/reporting.py`'s)."""
        return self in (AppointmentStatus.SCHEDULED, AppointmentStatus.DONE)


# The statuses whose visits count as revenue, for a filter (SQL's `IN`) or a test of a status's
# text: a StrEnum member equals and hashes as its value, so "done" in REVENUE_STATUSES.
REVENUE_STATUSES = frozenset(s for s in AppointmentStatus if s.counts_as_revenue)


class RoomAlreadyBooked(DomainError):
    """The room holds another appointment at an overlapping time."""

    code = "room_booked"

    def __init__(self, clash: TimeRange, nearest_free_start: datetime | None) -> None:
        super().__init__(f"room busy {clash.start}..{clash.end}")
        self.clash = clash
        self.nearest_free_start = nearest_free_start


class OutsideWorkingHours(DomainError):
    """The visit falls outside the clinic's working days or hours; allowed once confirmed."""

    code = "outside_hours"


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key already used for a different request."""

    code = "idempotency_key_reused"


class DoctorBusy(DomainError):
    """The doctor has another appointment then; allowed once the person confirms."""

    code = "doctor_busy"

    def __init__(self, clashes: Sequence[TimeRange]) -> None:
        super().__init__(f"doctor busy at {len(clashes)} time(s)")
        self.clashes = list(clashes)


def first_clash(wanted: TimeRange, busy: Iterable[TimeRange]) -> TimeRange | None:
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
        candidates.add(_ceil_to_step(other.end))
        candidates.add(_floor_to_step(other.start - wanted.duration))
    best: datetime | None = None
    for start in sorted(candidates, key=lambda s: (abs(s - wanted.start), s < wanted.start)):
        if abs(start - wanted.start) > horizon:
            break
        moved = wanted.shifted_to(start)
        if first_clash(moved, taken) is None and (allowed is None or allowed(moved)):
            best = start
            break
    return best


def _floor_to_step(moment: datetime) -> datetime:
    minutes = moment.minute - moment.minute % 5
    return moment.replace(minute=minutes, second=0, microsecond=0)


def _ceil_to_step(moment: datetime) -> datetime:
    floored = _floor_to_step(moment)
    return floored if floored == moment else floored + STEP


@dataclass(eq=False)
class AppointmentLine:
    """One procedure of an appointment, as it was priced when booked (history is not rewritten)."""

    clinic_id: uuid.UUID
    procedure_id: uuid.UUID
    name: str
    price_minor: int
    duration_minutes: int
    position: int
    id: uuid.UUID = field(default_factory=new_id)


@dataclass(eq=False)
class Appointment:
    clinic_id: uuid.UUID
    patient_id: uuid.UUID
    room_id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    price_minor: int
    currency: str
    created_at: datetime
    created_by: uuid.UUID | None = None
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    note: str | None = None
    doctor_overlap_confirmed: bool = False
    updated_at: datetime | None = None
    updated_by: uuid.UUID | None = None
    lines: list[AppointmentLine] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=new_id)

    @property
    def time(self) -> TimeRange:
        return TimeRange(self.starts_at, self.ends_at)

    def change_status(self, status: AppointmentStatus, now: datetime,
                      by: uuid.UUID | None) -> None:
        self.status = status
        self.updated_at, self.updated_by = now, by

    def replace_lines(self, lines: Sequence[AppointmentLine]) -> None:
        """Other procedures: the length follows them, the start stays."""
        self.lines[:] = list(lines)
        for position, line in enumerate(self.lines):
            line.position = position
        minutes = sum(line.duration_minutes for line in self.lines)
        self.ends_at = self.starts_at + timedelta(minutes=minutes)


@dataclass(eq=False)
class IdempotencyKey:
    """A client's Idempotency-Key for a booking: the same key and body give the same answer."""

    clinic_id: uuid.UUID
    key: str
    request_hash: str
    appointment_id: uuid.UUID
    created_at: datetime
    id: uuid.UUID = field(default_factory=new_id)


# No visit is longer than this (a day's work at most); so a period's visits are found among those
# starting at most this long before it, which keeps the calendar's queries bounded.
MAX_VISIT = timedelta(hours=12)


def check_length(length: timedelta) -> None:
    if length > MAX_VISIT:
        raise ValidationFailed({"procedure_ids": "visit_too_long"})


def check_booking(starts_at: datetime | None, procedure_count: int, note: str) -> None:
    errors = {}
    if starts_at is None:
        errors["starts_at"] = "required"
    elif starts_at.minute % 5 or starts_at.second or starts_at.microsecond:
        errors["starts_at"] = "start_off_grid"
    if procedure_count == 0:
        errors["procedure_ids"] = "procedures_required"
    if len(note.strip()) > MAX_NOTE:
        errors["note"] = "too_long"
    if errors:
        raise ValidationFailed(errors)
