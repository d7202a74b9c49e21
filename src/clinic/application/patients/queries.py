"""Finding patients: the read side, answered by SQL in the adapter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from clinic.domain.patients import digits, fold

MIN_DIGITS = 3
MIN_LETTERS = 3  # fewer give no trigram to search by, and match half the clinic anyway
COUNT_CAP = 1000  # past this, "1000+" is as useful as the exact number and far cheaper


@dataclass(frozen=True)
class PatientRow:
    id: uuid.UUID
    name: str
    phone: str
    email: str | None
    created_at: datetime


@dataclass(frozen=True)
class PatientCardView:
    """One patient's card as the card page, its form and the API show it."""

    id: uuid.UUID
    name: str
    phone: str
    email: str | None
    note: str | None
    created_at: datetime
    phone_digits: str  # the digits the phone is searched by, in the forms it can be written
    preferred_channel: str | None = None
    refused_processing_on: date | None = None
    refused_notifications_on: date | None = None
    refused_advertising_on: date | None = None
    telegram_linked: bool = False  # pressed Start on the clinic's bot's link


@dataclass(frozen=True)
class PatientPage:
    rows: Sequence[PatientRow]
    total: int  # at most COUNT_CAP + 1: then read it as "more than COUNT_CAP"
    offset: int
    limit: int

    @property
    def total_is_capped(self) -> bool:
        return self.total > COUNT_CAP


# What people type around a phone number: these alone never make a search by name.
PHONE_PUNCTUATION = frozenset("+-(). ")


@dataclass(frozen=True)
class PatientSearch:
    """What to look for: a name fragment (3+ characters with a letter), a phone fragment (3+
    digits), or both; text with any other sign (`%`, `_`, `*`, `@`…) is looked for as it is
    written, whatever its length, since listing everyone for it would read as a wildcard.
    Anything else lists the newest cards."""

    text: str
    digits: str

    @classmethod
    def of(cls, query: str) -> PatientSearch:
        wanted = digits(query)
        folded = fold(query)
        has_letters = any(ch.isalpha() for ch in folded)
        signs = any(not ch.isalnum() and ch not in PHONE_PUNCTUATION for ch in folded)
        by_name = (has_letters and len(folded) >= MIN_LETTERS) or signs
        return cls(folded if by_name else "", wanted if len(wanted) >= MIN_DIGITS else "")

    @property
    def empty(self) -> bool:
        return not (self.text or self.digits)


class PatientQueries(Protocol):
    def find(self, clinic_id: uuid.UUID, query: str, offset: int = 0,
             limit: int = 20) -> PatientPage:
        """Newest first when `query` is empty; otherwise names or phones containing it."""
        ...

    def get(self, clinic_id: uuid.UUID, patient_id: uuid.UUID) -> PatientRow | None:
        """One patient of the clinic, unless erased."""
        ...

    def card(self, clinic_id: uuid.UUID, patient_id: uuid.UUID) -> PatientCardView | None:
        """One patient's whole card, unless erased."""
        ...
