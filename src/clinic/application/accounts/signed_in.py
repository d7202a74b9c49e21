"""What a successful sign-in (or sign-up, or reset) hands to the door that opens a session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class SignedIn:
    user_id: uuid.UUID
    clinic_id: uuid.UUID | None
    session_version: int
    locale: str | None = None
