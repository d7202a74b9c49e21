"""An email waiting in the outbox, and the finished email it carries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from clinic.domain.shared import new_id


@dataclass(frozen=True)
class EmailMessage:
    """A finished email: who it goes to and what it says, in the recipient's language."""

    to: str
    subject: str
    text: str
    html: str | None = None


@dataclass(eq=False)
class OutboxMessage:
    """An email kept in the same transaction as the change that caused it, until it is sent."""

    to: str
    subject: str
    text: str
    created_at: datetime
    html: str | None = None
    kind: str = "email"
    clinic_id: uuid.UUID | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def email(cls, message: EmailMessage, now: datetime,
              clinic_id: uuid.UUID | None = None) -> OutboxMessage:
        return cls(to=message.to, subject=message.subject, text=message.text, html=message.html,
                   created_at=now, clinic_id=clinic_id)

    def as_email(self) -> EmailMessage:
        return EmailMessage(self.to, self.subject, self.text, self.html)

    def mark_sent(self, now: datetime) -> None:
        self.attempts += 1
        self.sent_at = now
        self.last_error = None

    def mark_failed(self, error: str) -> None:
        self.attempts += 1
        self.last_error = error[:500]
