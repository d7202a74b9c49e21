"""Book an appointment: a patient, a room, a doctor, a start and the procedures to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from clinic.application.audit import AuditTrail
from clinic.application.authorization import authorize
from clinic.application.events import EventBus
from clinic.application.patients.save import PatientFields, register_patient
from clinic.application.ports import Clock, Conflict, UnitOfWork, UnitOfWorkFactory
from clinic.application.scheduling.availability import ensure_free, room_unusable
from clinic.application.scheduling.queries import CalendarEntry, EntryLine
from clinic.domain.accounts import Clinic
from clinic.domain.audit import AuditAction
from clinic.domain.catalog import Doctor, Procedure, parse_price
from clinic.domain.patients import Patient
from clinic.domain.pricing import PricedItem, quote
from clinic.domain.scheduling import (
    Appointment,
    AppointmentLine,
    IdempotencyKey,
    IdempotencyKeyReused,
    RoomAlreadyBooked,
    TimeRange,
    check_booking,
    check_chosen_length,
    check_day,
    check_length,
)
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import Permission
from clinic.domain.visit_events import VisitBooked


@dataclass(frozen=True)
class BookingRequest:
    patient_id: uuid.UUID | None  # None with `new_patient`: the card this booking makes
    room_id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime | None
    procedure_ids: list[uuid.UUID] = field(default_factory=list)
    price: str | None = None  # the final price typed by hand (a discount); None: the sum
    length: timedelta | None = None  # drawn on the calendar; None: the procedures' sum
    note: str = ""
    confirm_doctor_overlap: bool = False
    confirm_outside_hours: bool = False
    ask_unusual_day: bool = False  # the dialog asks about a past day or a year ahead; the API not
    idempotency_key: str | None = None  # a client's retry of the same request books once
    request_hash: str = ""  # what the key was first used for
    # A card made for this visit (the dialog's "new patient"), in the booking's transaction:
    # a refused booking leaves no card behind. Its field errors come back as "new_<field>".
    new_patient: PatientFields | None = None
    # Who books: the member the authorization rule checks, and the visit's `created_by`.
    booked_by: uuid.UUID = field(kw_only=True)


@dataclass(frozen=True)
class Booking:
    """A booked visit and, when it is new, its calendar entry and the clinic's time zone, from
    what booking read anyway (an answer needs no second read). A visit an Idempotency-Key
    booked before comes alone."""

    appointment: Appointment
    entry: CalendarEntry | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class _Parties:
    procedures: list[Procedure]  # in the order picked
    patient: Patient
    doctor: Doctor


def _check_parties(uow: UnitOfWork, request: BookingRequest,
                   new_patient: Patient | None = None) -> _Parties:
    """Every party is this clinic's and in use."""
    errors = {}
    picked = set(request.procedure_ids)
    found = {p.id: p for p in uow.procedures.list() if p.id in picked}
    if any(pid not in found for pid in request.procedure_ids):
        errors["procedure_ids"] = "procedure_unavailable"
    patient = new_patient or (uow.patients.get(request.patient_id)
                              if request.patient_id is not None else None)
    if patient is None:
        errors["patient_id"] = "patient_unknown"
    room_error = room_unusable(uow, request.room_id)
    if room_error:
        errors["room_id"] = room_error
    doctor = uow.doctors.get(request.doctor_id)
    if doctor is None or doctor.archived:
        errors["doctor_id"] = "doctor_unavailable"
    if errors:
        raise ValidationFailed(errors)
    assert patient is not None and doctor is not None
    return _Parties([found[pid] for pid in request.procedure_ids], patient, doctor)


def _entry(appointment: Appointment, parties: _Parties) -> CalendarEntry:
    """The calendar's entry for a visit just booked, as `CalendarQueries.entry` reads it."""
    lines = [EntryLine(line.procedure_id, line.name, line.price_minor, line.duration_minutes)
             for line in appointment.lines]
    return CalendarEntry(
        id=appointment.id, starts_at=appointment.starts_at.astimezone(UTC),
        ends_at=appointment.ends_at.astimezone(UTC), status=str(appointment.status.value),
        patient_id=appointment.patient_id, patient_name=parties.patient.name,
        patient_phone=parties.patient.phone, room_id=appointment.room_id,
        doctor_id=appointment.doctor_id, doctor_name=parties.doctor.name,
        doctor_color=parties.doctor.color, procedures=[line.name for line in lines],
        price_minor=appointment.price_minor, currency=appointment.currency,
        note=appointment.note, lines=lines,
        doctor_overlap_confirmed=appointment.doctor_overlap_confirmed)


IDEMPOTENCY_TTL = timedelta(hours=24)


class BookAppointment:
    requires = Permission.CALENDAR

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 audit: AuditTrail | None = None, events: EventBus | None = None) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.audit = audit
        self.events = events  # VisitBooked, after the commit

    def __call__(self, clinic_id: uuid.UUID, request: BookingRequest) -> Appointment:
        return self.book(clinic_id, request).appointment

    def book(self, clinic_id: uuid.UUID, request: BookingRequest) -> Booking:
        check_booking(request.starts_at, len(request.procedure_ids), request.note)
        assert request.starts_at is not None
        try:
            return self._book(clinic_id, request)
        except _LostRace as lost:
            # PostgreSQL's exclusion constraint (a concurrent booking won the room) or the
            # same Idempotency-Key sent twice at once (the first one's answer is the answer).
            if request.idempotency_key:
                with self.uow_factory(clinic_id) as uow:
                    replayed = self._replay(uow, request)
                if replayed is not None:
                    return Booking(replayed)
            raise RoomAlreadyBooked(lost.wanted, None) from None

    def _replay(self, uow: UnitOfWork, request: BookingRequest) -> Appointment | None:
        """The appointment this key already booked (same request), or None if the key is new."""
        assert request.idempotency_key is not None
        record = uow.appointments.idempotency_key(request.idempotency_key)
        if record is None:
            return None
        if record.request_hash != request.request_hash:
            raise IdempotencyKeyReused()
        return uow.appointments.get(record.appointment_id)

    def _book(self, clinic_id: uuid.UUID, request: BookingRequest) -> Booking:
        assert request.starts_at is not None
        with self.uow_factory(clinic_id) as uow:
            uow.write_in_turn()
            # First, so that every check below sees the doctor's bookings made before this one
            # (two bookings of one doctor at once take turns from here to the commit).
            uow.lock_doctor(request.doctor_id)
            _, clinic = authorize(uow, clinic_id, request.booked_by, self.requires)
            now = self.clock.now()
            if request.idempotency_key:
                uow.appointments.forget_idempotency_keys(now - IDEMPOTENCY_TTL)
                replayed = self._replay(uow, request)
                if replayed is not None:
                    uow.commit()
                    return Booking(replayed)
            new_patient = self._new_patient(uow, clinic, request, now)
            parties = _check_parties(uow, request, new_patient)
            procedures = parties.procedures
            total = quote([PricedItem(p.name, p.price_minor, p.duration_minutes)
                           for p in procedures])
            price = (parse_price(request.price, clinic.currency).amount_minor
                     if request.price not in (None, "") else total.price_minor)
            length = total.duration
            if request.length is not None:
                check_chosen_length(request.length)
                length = request.length
            check_length(length)
            assert request.starts_at is not None  # checked by check_booking
            wanted = TimeRange(request.starts_at, request.starts_at + length)
            if request.ask_unusual_day:
                check_day(wanted.start, now, clinic.hours.zone)
            doubled = ensure_free(uow, wanted, request.room_id, request.doctor_id,
                                  request.confirm_doctor_overlap, hours=clinic.hours,
                                  outside_hours_confirmed=request.confirm_outside_hours)
            appointment = Appointment(
                clinic_id=clinic_id, patient_id=parties.patient.id, room_id=request.room_id,
                doctor_id=request.doctor_id, starts_at=wanted.start, ends_at=wanted.end,
                price_minor=price, currency=clinic.currency, created_at=now,
                created_by=request.booked_by, note=request.note.strip() or None,
                doctor_overlap_confirmed=doubled,
                lines=[AppointmentLine(clinic_id, p.id, p.name, p.price_minor,
                                       p.duration_minutes, position)
                       for position, p in enumerate(procedures)])
            uow.appointments.add(appointment)
            if request.idempotency_key:
                uow.appointments.add_idempotency_key(IdempotencyKey(
                    clinic_id, request.idempotency_key, request.request_hash, appointment.id,
                    now))
            try:
                if self.audit is not None:  # a new visit (a replayed key returned above)
                    if new_patient is not None:
                        self.audit.append(uow, clinic_id, AuditAction.PATIENT_CREATED,
                                          "patient", new_patient.id)
                    self.audit.append(uow, clinic_id, AuditAction.APPOINTMENT_CREATED,
                                      "appointment", appointment.id)
                uow.commit()
            except Conflict:
                raise _LostRace(wanted) from None
        if self.events is not None:
            self.events.publish(VisitBooked(clinic_id, appointment.id))
        return Booking(appointment, _entry(appointment, parties), clinic.timezone)


    @staticmethod
    def _new_patient(uow: UnitOfWork, clinic: Clinic, request: BookingRequest,
                     now: datetime) -> Patient | None:
        if request.new_patient is None:
            return None
        try:
            return register_patient(uow, clinic, request.new_patient, now)
        except ValidationFailed as error:
            raise ValidationFailed({f"new_{k}": v for k, v in error.errors.items()}) from None


class _LostRace(Exception):
    def __init__(self, wanted: TimeRange) -> None:
        super().__init__("lost a race for the room or the idempotency key")
        self.wanted = wanted
