"""Change a booked appointment: its status (done, no-show, cancelled, back), time or place."""

from __future__ import annotations

import uuid
from datetime import datetime

from clinic.application.ports import Clock, Conflict, UnitOfWorkFactory
from clinic.application.scheduling.book import WorkingHours, ensure_free
from clinic.domain.scheduling import (
    Appointment,
    AppointmentStatus,
    RoomAlreadyBooked,
    TimeRange,
    check_booking,
)
from clinic.domain.shared import NotFound, ValidationFailed


class ChangeAppointmentStatus:
    """Bringing a cancelled visit back takes its time again, so the booking rules apply."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, appointment_id: uuid.UUID,
                 status: AppointmentStatus, by: uuid.UUID | None = None,
                 confirm_doctor_overlap: bool = False) -> Appointment:
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()
            appointment = uow.appointments.get(appointment_id)
            if appointment is None:
                raise NotFound()
            if status.holds_time and not appointment.status.holds_time:
                ensure_free(uow, appointment.time, appointment.room_id, appointment.doctor_id,
                            confirm_doctor_overlap, excluding=appointment.id)
            appointment.change_status(status, self.clock.now(), by)
            try:
                uow.commit()
            except Conflict:
                raise RoomAlreadyBooked(appointment.time, None) from None
            return appointment


class MoveAppointment:
    """Another start, room or doctor; the length and the price stay as booked."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, appointment_id: uuid.UUID, starts_at: datetime,
                 room_id: uuid.UUID, doctor_id: uuid.UUID, by: uuid.UUID | None = None,
                 confirm_doctor_overlap: bool = False) -> Appointment:
        check_booking(starts_at, 1, "")
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()
            appointment = uow.appointments.get(appointment_id)
            if appointment is None:
                raise NotFound()
            errors = {}
            room = uow.rooms.get(room_id)
            if room is None or room.archived:
                errors["room_id"] = "room_unavailable"
            doctor = uow.doctors.get(doctor_id)
            if doctor is None or doctor.archived:
                errors["doctor_id"] = "doctor_unavailable"
            if errors:
                raise ValidationFailed(errors)
            wanted = TimeRange(starts_at, starts_at + appointment.time.duration)
            doubled = False
            clinic = uow.clinics.get(clinic_id)
            hours = WorkingHours(clinic) if clinic else None
            if appointment.status.holds_time:
                doubled = ensure_free(uow, wanted, room_id, doctor_id, confirm_doctor_overlap,
                                      excluding=appointment.id, hours=hours)
            appointment.starts_at, appointment.ends_at = wanted.start, wanted.end
            appointment.room_id, appointment.doctor_id = room_id, doctor_id
            appointment.doctor_overlap_confirmed = doubled
            appointment.updated_at, appointment.updated_by = self.clock.now(), by
            try:
                uow.commit()
            except Conflict:
                raise RoomAlreadyBooked(wanted, None) from None
            return appointment
