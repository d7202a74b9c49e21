"""What the pages, the API and the CLI read about patient messages (read models, no unit of
work)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from clinic.domain.patient_messages import MessagingSettings


@dataclass(frozen=True)
class MessageRow:
    """One line of a send log."""

    id: uuid.UUID
    appointment_id: uuid.UUID | None
    patient_id: uuid.UUID
    kind: str
    channel: str | None
    recipient: str
    text: str
    status: str
    reason: str | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    provider_ref: str | None
    reply: str | None
    replied_at: datetime | None


@dataclass(frozen=True)
class VisitToCall:
    """A visit of the unconfirmed list: who to call, about what."""

    appointment_id: uuid.UUID
    starts_at: datetime
    patient_id: uuid.UUID
    patient_name: str
    phone: str
    doctor_name: str
    room_name: str
    confirmation: str
    reminder_status: str | None  # the last reminder's status, None: none planned yet


@dataclass(frozen=True)
class PatientReply:
    """A visit the patient cancelled from the reminder's link."""

    appointment_id: uuid.UUID
    starts_at: datetime
    patient_name: str
    phone: str
    replied_at: datetime


class MessageQueries(Protocol):
    def settings(self, clinic_id: uuid.UUID) -> MessagingSettings:
        """The clinic's settings, or the defaults (off) if it never saved any."""
        ...

    def for_appointment(self, clinic_id: uuid.UUID,
                        appointment_id: uuid.UUID) -> Sequence[MessageRow]: ...

    def for_patient(self, clinic_id: uuid.UUID, patient_id: uuid.UUID,
                    limit: int = 50) -> Sequence[MessageRow]: ...

    def to_call(self, clinic_id: uuid.UUID, start: datetime,
                end: datetime) -> Sequence[VisitToCall]:
        """Visits still booked in [start, end) the patient has not confirmed (those who asked
        for another time first), in time order."""
        ...

    def cancelled_by_patients(self, clinic_id: uuid.UUID,
                              since: datetime) -> Sequence[PatientReply]:
        """Visits the patients cancelled from their reminder since that moment, newest
        first."""
        ...

    def sms_spent(self, clinic_id: uuid.UUID, since: datetime) -> int:
        """What the clinic's SMS sent since then cost, in kopecks."""
        ...

    def status_counts(self, clinic_id: uuid.UUID | None = None) -> Mapping[str, int]:
        """How many messages are in each status (every clinic's, or one's)."""
        ...
