"""What happens to a visit that others hear of after the commit (the patient's notices)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from clinic.domain.shared import Event


@dataclass(frozen=True)
class VisitBooked(Event):
    clinic_id: uuid.UUID
    appointment_id: uuid.UUID


@dataclass(frozen=True)
class VisitMoved(Event):
    """Another start or another doctor (another room alone is no news to the patient)."""

    clinic_id: uuid.UUID
    appointment_id: uuid.UUID
    old_start: datetime
    new_start: datetime
    old_doctor_id: uuid.UUID
    new_doctor_id: uuid.UUID


@dataclass(frozen=True)
class VisitCancelled(Event):
    """Cancelled by the clinic (a patient's own cancellation from the link is not news to
    them)."""

    clinic_id: uuid.UUID
    appointment_id: uuid.UUID
