"""Appointments in time: ranges, the visit and its changes, the booking checks. What each status
allows is `domain/visit_status.py`; free time is `domain/availability.py`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from clinic.domain.shared import DomainError, ValidationFailed, new_id
from clinic.domain.visit_status import ALLOWED as ALLOWED
from clinic.domain.visit_status import INTO as INTO
from clinic.domain.visit_status import NOT_BEFORE_START as NOT_BEFORE_START
from clinic.domain.visit_status import REVENUE_STATUSES as REVENUE_STATUSES
from clinic.domain.visit_status import AppointmentAction as AppointmentAction
from clinic.domain.visit_status import AppointmentStatus as AppointmentStatus
from clinic.domain.visit_status import Confirmation as Confirmation
from clinic.domain.visit_status import allowed_actions as allowed_actions
from clinic.domain.visit_status import is_late as is_late

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


class ActionNotAllowed(DomainError):
    """The visit's status does not allow this (a cancelled visit is not moved; it is brought
    back first). Usually someone changed the visit a moment before."""

    code = "action_not_allowed"

    def __init__(self, status: AppointmentStatus, action: AppointmentAction) -> None:
        super().__init__(f"a {status.value} visit cannot {action.value}")
        self.status, self.action = status, action


class TooEarly(ActionNotAllowed):
    """The status allows it, but not yet: "did not come" before the visit has started, or
    "arrived" more than `NOT_BEFORE_START` ahead of it."""

    code = "too_early"


class VisitClosed(DomainError):
    """The visit was cancelled, has begun or is over: a patient's answer comes too late."""

    code = "visit_closed"


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


class UnusualDay(DomainError):
    """A visit on a day already past, or more than a year ahead: often a slip of the date
    picker, so a person is asked once (the API and imports are not)."""

    code = "unusual_day"

    def __init__(self, past: bool) -> None:
        super().__init__("a past day" if past else "more than a year ahead")
        self.past = past


FAR_AHEAD = timedelta(days=366)


def check_day(start: datetime, now: datetime, zone: tzinfo) -> None:
    """Raise UnusualDay for a start on a day before today (in the clinic's zone) or more than
    a year from now."""
    if start.astimezone(zone).date() < now.astimezone(zone).date():
        raise UnusualDay(past=True)
    if start - now > FAR_AHEAD:
        raise UnusualDay(past=False)


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key already used for a different request."""

    code = "idempotency_key_reused"


class DoctorBusy(DomainError):
    """The doctor has another appointment then; allowed once the person confirms."""

    code = "doctor_busy"

    def __init__(self, clashes: Sequence[TimeRange]) -> None:
        super().__init__(f"doctor busy at {len(clashes)} time(s)")
        self.clashes = list(clashes)


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
    # the patient's answer to the reminder, and when it came (None: never answered)
    confirmation: Confirmation = Confirmation.NONE
    answered_at: datetime | None = None
    lines: list[AppointmentLine] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=new_id)

    @property
    def time(self) -> TimeRange:
        return TimeRange(self.starts_at, self.ends_at)

    def allowed_actions(self, now: datetime) -> frozenset[AppointmentAction]:
        return allowed_actions(self.status, self.starts_at, now)

    def check_change(self, status: AppointmentStatus | None, moving: bool,
                     editing: bool, now: datetime) -> None:
        """Raise ActionNotAllowed unless the status allows going into `status` (TooEarly if
        its time has not come) and the visit, in the status it ends in, may be moved or have
        its procedures or price changed. Asked before anything changes, so a refused change
        writes nothing."""
        if status is not None and status is not self.status:
            self._require_status_change(status, now)
        after = status or self.status
        if moving:
            _require(after, AppointmentAction.MOVE)
        if editing:
            _require(after, AppointmentAction.EDIT)

    def change_status(self, status: AppointmentStatus, now: datetime,
                      by: uuid.UUID | None) -> None:
        if status is not self.status:
            self._require_status_change(status, now)
        self.status = status
        self.updated_at, self.updated_by = now, by

    def reschedule(self, time: TimeRange, room_id: uuid.UUID, doctor_id: uuid.UUID) -> None:
        """Another start, room or doctor (the booking rules are the use case's to check)."""
        if (time, room_id, doctor_id) != (self.time, self.room_id, self.doctor_id):
            _require(self.status, AppointmentAction.MOVE)
        if time.start != self.starts_at:  # "I will come" was said of the old time
            self.confirmation, self.answered_at = Confirmation.NONE, None
        self.starts_at, self.ends_at = time.start, time.end
        self.room_id, self.doctor_id = room_id, doctor_id

    def answer(self, confirmation: Confirmation, now: datetime) -> None:
        """The patient's answer to a reminder: only a visit still booked and not begun can be
        confirmed or asked to be moved."""
        if self.status is not AppointmentStatus.SCHEDULED or now >= self.starts_at:
            raise VisitClosed()
        self.confirmation, self.answered_at = confirmation, now

    def replace_lines(self, lines: Sequence[AppointmentLine]) -> None:
        """Other procedures: the length follows them, the start stays."""
        if [line.procedure_id for line in lines] != [line.procedure_id for line in self.lines]:
            _require(self.status, AppointmentAction.EDIT)
        self.lines[:] = list(lines)
        for position, line in enumerate(self.lines):
            line.position = position
        minutes = sum(line.duration_minutes for line in self.lines)
        self.ends_at = self.starts_at + timedelta(minutes=minutes)

    def reprice(self, price_minor: int) -> None:
        if price_minor != self.price_minor:
            _require(self.status, AppointmentAction.EDIT)
        self.price_minor = price_minor

    def annotate(self, note: str | None) -> None:
        self.note = note

    def _require_status_change(self, status: AppointmentStatus, now: datetime) -> None:
        action = INTO[status]
        _require(self.status, action)
        if action not in allowed_actions(self.status, self.starts_at, now):
            raise TooEarly(self.status, action)


def _require(status: AppointmentStatus, action: AppointmentAction) -> None:
    if action not in ALLOWED[status]:
        raise ActionNotAllowed(status, action)


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


LENGTH_STEP = timedelta(minutes=5)


def check_chosen_length(length: timedelta) -> None:
    """A length chosen by hand (a visit drawn or stretched on the calendar) rather than the sum
    of its procedures: on the 5-minute grid, at least one step, at most `MAX_VISIT`."""
    if not LENGTH_STEP <= length <= MAX_VISIT or length % LENGTH_STEP:
        raise ValidationFailed({"minutes": "length_invalid"})


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
