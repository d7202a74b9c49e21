"""Patients: the people the clinic treats, found by any part of their name or phone."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from clinic.domain.shared import DomainError, new_id

MAX_NAME = 120
MAX_NOTE = 2000
# How a patient prefers to hear from the clinic (domain.messaging.Channel's values).
CHANNELS = ("telegram", "sms", "email")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def fold(text: str) -> str:
    """How names are compared and searched: case- and ё/е-insensitive, spaces squeezed."""
    return " ".join(text.casefold().replace("ё", "е").split())


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass(frozen=True)
class PhoneNumber:
    """A phone in E.164 (`+79161234567`) with the digits people dial at home (`89161234567`)."""

    e164: str
    national_digits: str

    def __post_init__(self) -> None:
        if not _E164.match(self.e164):
            raise ValueError(f"not an E.164 number: {self.e164!r}")

    @property
    def search_digits(self) -> str:
        return f"{self.e164[1:]} {self.national_digits}"


class DuplicatePhone(DomainError):
    """Another card already has this phone; the person decides whether to make a second."""

    code = "phone_duplicate"

    def __init__(self, patient_id: uuid.UUID, name: str) -> None:
        super().__init__(name)
        self.patient_id = patient_id
        self.name = name


@dataclass(eq=False)
class Patient:
    clinic_id: uuid.UUID
    name: str
    phone: str
    created_at: datetime
    email: str | None = None
    note: str | None = None
    name_folded: str = ""
    phone_digits: str = ""
    erased_at: datetime | None = None  # erased at the patient's request: only visits remain
    preferred_channel: str | None = None  # one of CHANNELS; None: the clinic's order
    # What the patient refused, each kept with the day they said so (152-ФЗ practice).
    refused_processing_on: date | None = None  # no processing of personal data
    refused_notifications_on: date | None = None  # no reminders or notices
    refused_advertising_on: date | None = None  # no promotions
    # Telegram: the chat the patient opened with the clinic's bot by pressing Start on the
    # link with `telegram_code` (kept until a new one is made)
    telegram_chat_id: str | None = None
    telegram_code: str | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def erase(self, placeholder: str, now: datetime) -> None:
        """At the patient's request: the name, phone, email, note and Telegram chat are wiped;
        the visits stay for the clinic's figures under `placeholder` ("Deleted patient")."""
        self.name, self.name_folded = placeholder[:120], ""
        self.phone = self.phone_digits = ""
        self.email = self.note = None
        self.telegram_chat_id = self.telegram_code = None
        self.erased_at = now

    @classmethod
    def register(cls, clinic_id: uuid.UUID, name: str, phone: PhoneNumber, now: datetime,
                 email: str | None = None, note: str | None = None) -> Patient:
        patient = cls(clinic_id=clinic_id, name="", phone="", created_at=now)
        patient.change(name, phone, email, note)
        return patient

    def set_messaging(self, preferred_channel: str | None, refuses_processing: bool,
                      refuses_notifications: bool, refuses_advertising: bool,
                      today: date) -> None:
        """The channel the patient prefers and what they refuse. A refusal keeps the day it
        was first said while it stands; taken back, it is cleared."""
        if preferred_channel is not None and preferred_channel not in CHANNELS:
            raise ValueError(f"not a channel: {preferred_channel!r}")
        self.preferred_channel = preferred_channel
        self.refused_processing_on = _since(self.refused_processing_on, refuses_processing,
                                            today)
        self.refused_notifications_on = _since(self.refused_notifications_on,
                                               refuses_notifications, today)
        self.refused_advertising_on = _since(self.refused_advertising_on, refuses_advertising,
                                             today)

    def change(self, name: str, phone: PhoneNumber, email: str | None, note: str | None) -> None:
        self.name = " ".join(name.split())
        self.name_folded = fold(self.name)
        self.phone = phone.e164
        self.phone_digits = phone.search_digits
        self.email = email or None
        self.note = note.strip() if note and note.strip() else None


def _since(said_on: date | None, refuses: bool, today: date) -> date | None:
    if not refuses:
        return None
    return said_on or today
