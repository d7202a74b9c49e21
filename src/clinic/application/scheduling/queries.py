"""The calendar's read side: appointments of a span of days, drawn per room or per doctor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
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


class CalendarQueries(Protocol):
    def entries(self, clinic_id: uuid.UUID, start: datetime, end: datetime, *,
                room_id: uuid.UUID | None = None,
                doctor_id: uuid.UUID | None = None) -> Sequence[CalendarEntry]:
        """Appointments overlapping [start, end), cancelled ones included (drawn faded)."""
        ...

    def patient_visits(self, clinic_id: uuid.UUID,
                       patient_id: uuid.UUID) -> Sequence[CalendarEntry]:
        """Every appointment of one patient, newest first."""
        ...

    def recent_patients(self, clinic_id: uuid.UUID, limit: int = 8) -> Sequence[
            tuple[uuid.UUID, str, str]]:
        """(id, name, phone) of the patients most recently booked or added."""
        ...
