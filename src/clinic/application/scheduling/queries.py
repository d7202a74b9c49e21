"""The calendar's read side: appointments of a span of days, drawn per room or per doctor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from clinic.domain.scheduling import (
    ALLOWED,
    AppointmentAction,
    AppointmentStatus,
    TimeRange,
    allowed_actions,
    is_late,
)

# The read models below are built by the hundred per page (a clinic's week is ~700 visits
# and ~1,000 lines), so they are plain slotted dataclasses: frozen ones set every field
# through object.__setattr__, which tripled their cost. Nothing changes them after the query.

@dataclass(slots=True)
class EntryLine:
    """One procedure of an appointment, as priced when it was booked."""

    procedure_id: uuid.UUID
    name: str
    price_minor: int
    duration_minutes: int


@dataclass(slots=True)
class CalendarEntry:
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: str
    patient_id: uuid.UUID
    patient_name: str
    patient_phone: str
    room_id: uuid.UUID
    doctor_id: uuid.UUID
    doctor_name: str
    doctor_color: str
    procedures: Sequence[str]
    price_minor: int
    currency: str
    note: str | None
    lines: Sequence[EntryLine] = ()
    doctor_overlap_confirmed: bool = False
    confirmation: str = "none"  # the patient's answer to the reminder (visit_status.Confirmation)

    def movable(self) -> bool:
        """Whether its status lets it be moved or stretched (the calendar lets it be dragged)."""
        return AppointmentAction.MOVE in ALLOWED[AppointmentStatus(self.status)]


@dataclass(frozen=True)
class PatientCard:
    """The patient as the details dialog names them; an erased one keeps no phone to show."""

    id: uuid.UUID
    name: str
    phone: str
    erased: bool


@dataclass(frozen=True)
class AppointmentDetails:
    """One appointment as its details dialog shows it: who, where, with whom, who booked it."""

    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: str
    room_id: uuid.UUID
    room_name: str
    doctor_id: uuid.UUID
    doctor_name: str
    price_minor: int
    currency: str
    note: str | None
    created_at: datetime
    booked_by_name: str | None
    patient: PatientCard
    lines: Sequence[EntryLine]
    confirmation: str = "none"  # the patient's answer to the reminder

    def actions(self, now: datetime) -> frozenset[str]:
        """What its status allows at `now` ("done", "move", "restore", ...): the dialog offers
        these."""
        return actions_of(self.status, self.starts_at, now)


def actions_of(status: str, starts_at: datetime, now: datetime) -> frozenset[str]:
    """The domain's `allowed_actions` as the values a page offers ("arrived", "no_show", ...)."""
    return frozenset(action.value for action in allowed_actions(
        AppointmentStatus(status), starts_at, now))


@dataclass(frozen=True, slots=True)
class TodayVisit:
    """A row of the desk's "Today" list: a visit of the day and the room it is in."""

    entry: CalendarEntry
    room_name: str

    def actions(self, now: datetime) -> frozenset[str]:
        return actions_of(self.entry.status, self.entry.starts_at, now)

    def late(self, now: datetime) -> bool:
        """Its start has passed and the patient is not marked arrived."""
        return is_late(AppointmentStatus(self.entry.status), self.entry.starts_at, now)


@dataclass(frozen=True, slots=True)
class Choice:
    """A room or a doctor to pick in the calendar; `user_id` is a doctor's own account."""

    id: uuid.UUID
    name: str
    user_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AppointmentFilter:
    """Which appointments to list; None means any. [start, end) is by overlap."""

    start: datetime | None = None
    end: datetime | None = None
    room_id: uuid.UUID | None = None
    doctor_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    statuses: Sequence[str] = ()


@dataclass(frozen=True)
class EntryPage:
    rows: Sequence[CalendarEntry]
    total: int


class CalendarQueries(Protocol):
    def entries(self, clinic_id: uuid.UUID, start: datetime, end: datetime, *,
                room_id: uuid.UUID | None = None,
                doctor_id: uuid.UUID | None = None) -> Sequence[CalendarEntry]:
        """Appointments overlapping [start, end), cancelled ones included (drawn faded)."""
        ...

    def choices(self, clinic_id: uuid.UUID) -> tuple[Sequence[Choice], Sequence[Choice]]:
        """The clinic's active rooms and doctors, by name."""
        ...

    def find(self, clinic_id: uuid.UUID, wanted: AppointmentFilter, offset: int = 0,
             limit: int = 100) -> EntryPage:
        """A page of appointments by start time, and how many match in all."""
        ...

    def entry(self, clinic_id: uuid.UUID, appointment_id: uuid.UUID) -> CalendarEntry | None:
        ...

    def patient_visits(self, clinic_id: uuid.UUID,
                       patient_id: uuid.UUID) -> Sequence[CalendarEntry]:
        """Every appointment of one patient, newest first."""
        ...

    def recent_patients(self, clinic_id: uuid.UUID, limit: int = 8) -> Sequence[
            tuple[uuid.UUID, str, str]]:
        """(id, name, phone) of the patients most recently booked or added."""
        ...

    def details(self, clinic_id: uuid.UUID,
                appointment_id: uuid.UUID) -> AppointmentDetails | None:
        """One appointment for its details dialog (two statements: it, then its lines)."""
        ...

    def day_list(self, clinic_id: uuid.UUID, start: datetime,
                 end: datetime) -> Sequence[TodayVisit]:
        """The visits overlapping [start, end) in every room, cancelled ones included, by start
        time, each with its room's name (three statements whatever their number)."""
        ...

    def day_row(self, clinic_id: uuid.UUID, appointment_id: uuid.UUID) -> TodayVisit | None:
        """One row of `day_list`, after a tap on it."""
        ...

    def busy(self, clinic_id: uuid.UUID, *, within: TimeRange,
             room_id: uuid.UUID | None = None,
             doctor_id: uuid.UUID | None = None) -> Sequence[TimeRange]:
        """The times the room's or the doctor's visits (not cancelled) hold in `within`, by
        start (the availability service's read side)."""
        ...
