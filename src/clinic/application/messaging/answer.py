"""The patient's answer from the link in a reminder: "I will come", "I need another time",
"Cancel". No sign-in: the link's code names one message, so one visit at one start, and
nothing else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from clinic.application.audit import AuditTrail, act_as
from clinic.application.messaging.plan import visit_version
from clinic.application.messaging.ports import VisitLinks
from clinic.application.ports import ANY_CLINIC, Clock, UnitOfWorkFactory
from clinic.domain.audit import Actor, AuditAction
from clinic.domain.messaging import key_version
from clinic.domain.patient_messages import Reply
from clinic.domain.scheduling import (
    ActionNotAllowed,
    AppointmentStatus,
    Confirmation,
    VisitClosed,
)

# What the page can say about a link
OPEN, MOVED, CLOSED, UNKNOWN = "open", "moved", "closed", "unknown"


@dataclass(frozen=True)
class VisitForPatient:
    """What the answer page shows: only this visit, nothing else of the clinic's."""

    state: str  # OPEN: can be answered; MOVED: the link is for an older time; CLOSED: over
    clinic: str
    starts_at: datetime
    zone: ZoneInfo
    doctor: str
    status: AppointmentStatus
    confirmation: Confirmation
    locale: str


class AnswerVisit:
    def __init__(self, uow_factory: UnitOfWorkFactory, links: VisitLinks, clock: Clock,
                 audit: AuditTrail) -> None:
        self.uow_factory, self.links, self.clock, self.audit = uow_factory, links, clock, audit

    def show(self, token: str) -> VisitForPatient | None:
        """None for a link that is not ours (or whose visit is gone)."""
        found = self._find(token)
        if found is None:
            return None
        clinic_id, appointment_id, version = found
        with self.uow_factory(clinic_id) as uow:
            appointment, clinic = uow.appointments.get(appointment_id), uow.clinics.get(clinic_id)
            if appointment is None or clinic is None:
                return None
            doctor = uow.doctors.get(appointment.doctor_id)
            return VisitForPatient(
                state=self._state(appointment.starts_at, appointment.status, version),
                clinic=clinic.name, starts_at=appointment.starts_at,
                zone=ZoneInfo(clinic.timezone), doctor=doctor.name if doctor else "",
                status=appointment.status, confirmation=appointment.confirmation,
                locale=clinic.locale)

    def __call__(self, token: str, reply: Reply) -> str:
        """OPEN when the answer was taken; MOVED, CLOSED or UNKNOWN when it could not be."""
        found = self._find(token)
        if found is None:
            return UNKNOWN
        clinic_id, appointment_id, version = found
        now = self.clock.now()
        act_as(Actor(name="patient (reminder link)"))
        with self.uow_factory(clinic_id) as uow:
            uow.write_in_turn()
            appointment = uow.appointments.get(appointment_id, lock=True)
            if appointment is None:
                return UNKNOWN
            state = self._state(appointment.starts_at, appointment.status, version)
            if state != OPEN:
                return state
            try:
                if reply is Reply.CANCEL:
                    appointment.change_status(AppointmentStatus.CANCELLED, now, by=None)
                else:
                    appointment.answer(Confirmation.CONFIRMED if reply is Reply.COMING
                                       else Confirmation.RESCHEDULE_REQUESTED, now)
            except (ActionNotAllowed, VisitClosed):
                return CLOSED
            answered = uow.messages.by_link_code(token)
            if answered is not None:
                answered.record_reply(reply, now)
            self.audit.append(uow, clinic_id, AuditAction.APPOINTMENT_CHANGED, "appointment",
                              appointment_id)
            uow.commit()
        return OPEN

    def _find(self, code: str) -> tuple[uuid.UUID, uuid.UUID, int] | None:
        """(clinic, visit, the visit's version the message was written for) of a link."""
        if not self.links.well_formed(code):
            return None
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.by_link_code(code)
            version = key_version(message.key) if message is not None else None
            if message is None or message.appointment_id is None or version is None:
                return None
            return message.clinic_id, message.appointment_id, version

    def _state(self, starts_at: datetime, status: AppointmentStatus, version: int) -> str:
        if visit_version(starts_at) != version:
            return MOVED
        if status is not AppointmentStatus.SCHEDULED or self.clock.now() >= starts_at:
            return CLOSED
        return OPEN
