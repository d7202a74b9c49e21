"""Finding patients: the read side, answered by SQL in the adapter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from clinic.domain.patients import digits, fold

MIN_DIGITS = 3


@dataclass(frozen=True)
class PatientRow:
    id: uuid.UUID
    name: str
    phone: str
    email: str | None
    created_at: datetime


@dataclass(frozen=True)
class PatientPage:
    rows: Sequence[PatientRow]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class PatientSearch:
    """What to look for: a name fragment, or (when it has 3+ digits) a phone fragment."""

    text: str
    digits: str

    @classmethod
    def of(cls, query: str) -> PatientSearch:
        wanted = digits(query)
        return cls(fold(query), wanted if len(wanted) >= MIN_DIGITS else "")


class PatientQueries(Protocol):
    def find(self, clinic_id: uuid.UUID, query: str, offset: int = 0,
             limit: int = 20) -> PatientPage:
        """Newest first when `query` is empty; otherwise names or phones containing it."""
        ...
