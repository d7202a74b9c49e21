"""Change a booked appointment: its status (arrived, done, no-show, cancelled, back), time, place,
procedures, price or note, in one transaction and under the booking rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from clinic.application.audit import AuditTrail
from clinic.application.authorization import authorize
from clinic.application.events import EventBus
from clinic.application.ports import Clock, Conflict, UnitOfWork, UnitOfWorkFactory
from clinic.application.scheduling.availability import ensure_free, room_unusable
from clinic.domain.audit import AuditAction
from clinic.domain.catalog import parse_price
from clinic.domain.scheduling import (
    MAX_NOTE,
    Appointment,
    AppointmentLine,
    AppointmentStatus,
    RoomAlreadyBooked,
    TimeRange,
    check_booking,
    check_chosen_length,
    check_length,
)
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission
from clinic.domain.visit_events import VisitCancelled, VisitMoved


@dataclass(frozen=True)
class AppointmentChanges:
    """What to change; None leaves a field as it is."""

    starts_at: datetime | None = None
    length: timedelta | None = None  # chosen by hand (stretched on the calendar); else as is
    room_id: uuid.UUID | None = None
    doctor_id: uuid.UUID | None = None
    procedure_ids: list[uuid.UUID] | None = None
    price: str | None = None  # "" goes back to the sum of the procedures
    note: str | None = None
    status: AppointmentStatus | None = None
    confirm_doctor_overlap: bool = False
    confirm_outside_hours: bool = False


@dataclass(frozen=True)
class _Plan:
    """The visit as it will be, checked before it is written."""

    time: TimeRange
    room_id: uuid.UUID
    doctor_id: uuid.UUID
    lines: list[AppointmentLine] | None
    price_minor: int
    note: str | None
    status: AppointmentStatus

    def check_against(self, appointment: Appointment, now: datetime) -> None:
        """What the visit's status (and, for arrival and no-show, the time) allows, asked
        before anything is written."""
        moving = (self.time, self.room_id, self.doctor_id) != (
            appointment.time, appointment.room_id, appointment.doctor_id)
        editing = self.price_minor != appointment.price_minor or (
            self.lines is not None and [line.procedure_id for line in self.lines]
            != [line.procedure_id for line in appointment.lines])
        appointment.check_change(self.status, moving, editing, now)

    def apply_to(self, appointment: Appointment, now: datetime, by: uuid.UUID) -> None:
        appointment.change_status(self.status, now, by)
        if self.lines is not None:
            appointment.replace_lines(self.lines)
        appointment.reschedule(self.time, self.room_id, self.doctor_id)
        appointment.reprice(self.price_minor)
        appointment.annotate(self.note)


class UpdateAppointment:
    """Every change of a booked visit goes through here, so moving, restoring and re-pricing
    obey the same rules as booking: the room must be free, a doctor's overlap and a time
    outside working hours need a confirmation."""

    requires = Permission.CALENDAR

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 audit: AuditTrail | None = None, events: EventBus | None = None) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.audit = audit
        self.events = events  # VisitMoved, VisitCancelled, after the commit

    def __call__(self, clinic_id: uuid.UUID, by: uuid.UUID, appointment_id: uuid.UUID,
                 changes: AppointmentChanges) -> Appointment:
        if changes.starts_at is not None:
            check_booking(changes.starts_at, 1, "")
        with self.uow_factory(clinic_id) as uow:
            uow.write_in_turn()
            _, clinic = authorize(uow, clinic_id, by, self.requires)
            # Held to the commit: a second change of this visit at the same moment waits and
            # then plans from what this one leaves.
            appointment = uow.appointments.get(appointment_id, lock=True)
            if appointment is None:
                raise NotFound()
            plan = self._plan(uow, appointment, changes, clinic.currency)
            now = self.clock.now()
            plan.check_against(appointment, now)
            moved = (plan.time, plan.room_id, plan.doctor_id) != (
                appointment.time, appointment.room_id, appointment.doctor_id)
            back = plan.status.holds_time and not appointment.status.holds_time
            # Checked before anything changes on the loaded object, so no autoflush can write
            # a half-checked visit first.
            if plan.status.holds_time and (moved or back):
                uow.lock_doctor(plan.doctor_id)  # as booking does: the check sees the last one
                appointment.doctor_overlap_confirmed = ensure_free(
                    uow, plan.time, plan.room_id, plan.doctor_id,
                    changes.confirm_doctor_overlap, excluding=appointment.id,
                    hours=clinic.hours,
                    outside_hours_confirmed=changes.confirm_outside_hours
                    or plan.time == appointment.time)
            before = (appointment.starts_at, appointment.doctor_id, appointment.status)
            plan.apply_to(appointment, now, by)
            try:
                if self.audit is not None:
                    self.audit.append(uow, clinic_id, AuditAction.APPOINTMENT_CHANGED,
                                      "appointment", appointment.id)
                uow.commit()
            except Conflict:  # PostgreSQL's exclusion constraint: a concurrent booking won
                raise RoomAlreadyBooked(appointment.time, None) from None
        if self.events is not None:
            self._tell(clinic_id, appointment, *before)
        return appointment

    def _tell(self, clinic_id: uuid.UUID, appointment: Appointment, old_start: datetime,
              old_doctor: uuid.UUID, old_status: AppointmentStatus) -> None:
        assert self.events is not None
        if (appointment.status is AppointmentStatus.CANCELLED
                and old_status is not AppointmentStatus.CANCELLED):
            self.events.publish(VisitCancelled(clinic_id, appointment.id))
        elif (appointment.status is AppointmentStatus.SCHEDULED
              and (old_start, old_doctor) != (appointment.starts_at, appointment.doctor_id)):
            self.events.publish(VisitMoved(clinic_id, appointment.id, old_start,
                                           appointment.starts_at, old_doctor,
                                           appointment.doctor_id))

    def _plan(self, uow: UnitOfWork, appointment: Appointment, changes: AppointmentChanges,
              currency: str) -> _Plan:
        errors: dict[str, str] = {}
        if changes.room_id is not None and changes.room_id != appointment.room_id:
            room_error = room_unusable(uow, changes.room_id)
            if room_error:
                errors["room_id"] = room_error
        if changes.doctor_id is not None and changes.doctor_id != appointment.doctor_id:
            doctor = uow.doctors.get(changes.doctor_id)
            if doctor is None or doctor.archived:
                errors["doctor_id"] = "doctor_unavailable"
        lines = None
        if changes.procedure_ids is not None:
            lines = self._lines(uow, appointment, changes.procedure_ids, errors)
        price = appointment.price_minor
        if changes.price not in (None, ""):
            assert changes.price is not None
            try:
                price = parse_price(changes.price, currency).amount_minor
            except ValidationFailed as error:
                errors["price"] = error.errors.get("price", "price_invalid")
        elif lines is not None or changes.price == "":
            price = sum(line.price_minor for line in (lines or appointment.lines))
        if changes.note is not None and len(changes.note.strip()) > MAX_NOTE:
            errors["note"] = "too_long"
        if changes.length is not None:
            try:
                check_chosen_length(changes.length)
            except ValidationFailed as error:
                errors.update(error.errors)
        if errors:
            raise ValidationFailed(errors)
        start = changes.starts_at or appointment.starts_at
        if changes.length is not None:
            length = changes.length
        elif lines is not None:
            length = timedelta(minutes=sum(line.duration_minutes for line in lines))
        else:
            length = appointment.time.duration
        check_length(length)
        note = appointment.note if changes.note is None else changes.note.strip() or None
        return _Plan(TimeRange(start, start + length), changes.room_id or appointment.room_id,
                     changes.doctor_id or appointment.doctor_id, lines, price, note,
                     changes.status or appointment.status)

    @staticmethod
    def _lines(uow: UnitOfWork, appointment: Appointment, procedure_ids: list[uuid.UUID],
               errors: dict[str, str]) -> list[AppointmentLine]:
        """The visit's new procedures: one already on it keeps the price it was booked at
        (even if archived since); a new one is priced from the catalog now."""
        if not procedure_ids:
            errors["procedure_ids"] = "procedures_required"
            return []
        kept = list(appointment.lines)
        catalog = {p.id: p for p in uow.procedures.list()}
        lines = []
        for procedure_id in procedure_ids:
            old = next((line for line in kept if line.procedure_id == procedure_id), None)
            if old is not None:
                kept.remove(old)
                lines.append(old)
            elif procedure_id in catalog:
                p = catalog[procedure_id]
                lines.append(AppointmentLine(appointment.clinic_id, p.id, p.name, p.price_minor,
                                             p.duration_minutes, 0))
            else:
                errors["procedure_ids"] = "procedure_unavailable"
        return lines


class ChangeAppointmentStatus:
    """Bringing a cancelled visit back takes its time again, so the booking rules apply (and
    the authorization rule: `UpdateAppointment` checks `by`)."""

    def __init__(self, update: UpdateAppointment) -> None:
        self.update = update

    def __call__(self, clinic_id: uuid.UUID, by: uuid.UUID, appointment_id: uuid.UUID,
                 status: AppointmentStatus,
                 confirm_doctor_overlap: bool = False) -> Appointment:
        return self.update(clinic_id, by, appointment_id, AppointmentChanges(
            status=status, confirm_doctor_overlap=confirm_doctor_overlap))


class MoveAppointment:
    """Another start, room or doctor, and (a visit stretched on the calendar) another length;
    the procedures and the price stay as booked (`UpdateAppointment` checks `by`)."""

    def __init__(self, update: UpdateAppointment) -> None:
        self.update = update

    def __call__(self, clinic_id: uuid.UUID, by: uuid.UUID, appointment_id: uuid.UUID,
                 starts_at: datetime, room_id: uuid.UUID, doctor_id: uuid.UUID,
                 confirm_doctor_overlap: bool = False,
                 confirm_outside_hours: bool = False,
                 length: timedelta | None = None) -> Appointment:
        return self.update(clinic_id, by, appointment_id, AppointmentChanges(
            starts_at=starts_at, length=length, room_id=room_id, doctor_id=doctor_id,
            confirm_doctor_overlap=confirm_doctor_overlap,
            confirm_outside_hours=confirm_outside_hours))
