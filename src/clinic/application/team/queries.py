"""The team page's read side: members, pending invitations, the history; a person's clinics."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class MemberRow:
    user_id: uuid.UUID
    name: str
    email: str
    role: str
    joined_at: datetime
    doctor_id: uuid.UUID | None
    doctor_name: str | None


@dataclass(frozen=True)
class InvitationRow:
    id: uuid.UUID
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    invited_by_name: str | None
    sent_count: int


@dataclass(frozen=True)
class EventRow:
    created_at: datetime
    action: str
    actor_name: str
    subject_email: str
    subject_name: str
    detail: str


@dataclass(frozen=True)
class ClinicChoice:
    clinic_id: uuid.UUID
    name: str
    role: str


class TeamQueries(Protocol):
    def members(self, clinic_id: uuid.UUID) -> Sequence[MemberRow]:
        """The owner first, then the admins, then the staff; each by name."""
        ...

    def pending_invitations(self, clinic_id: uuid.UUID,
                            now: datetime) -> Sequence[InvitationRow]: ...

    def events(self, clinic_id: uuid.UUID, limit: int = 50) -> Sequence[EventRow]:
        """Newest first."""
        ...

    def clinics_of(self, user_id: uuid.UUID) -> Sequence[ClinicChoice]:
        """The active clinics this person belongs to, by name."""
        ...
