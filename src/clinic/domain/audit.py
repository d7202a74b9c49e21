"""The audit trail: who looked at or changed a patient's card or an appointment, when, from where.
Rows are only ever added; each carries the hash of the one before it in its clinic, so a row
removed or altered later breaks the chain at that point."""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from clinic.domain.shared import new_id

GENESIS = "0" * 64  # the "previous hash" of a clinic's first row


class AuditAction(enum.StrEnum):
    PATIENT_VIEWED = "patient.viewed"
    PATIENT_CREATED = "patient.created"
    PATIENT_CHANGED = "patient.changed"
    PATIENT_ERASED = "patient.erased"
    PATIENTS_EXPORTED = "patients.exported"
    APPOINTMENT_CREATED = "appointment.created"
    APPOINTMENT_CHANGED = "appointment.changed"


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in person, an API token (and the person who made it), or the
    operator at the command line; and from which address."""

    user_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None
    name: str = ""
    ip: str | None = None

    @classmethod
    def operator(cls) -> Actor:
        return cls(name="operator (command line)")


@dataclass(eq=False)
class AuditEntry:
    clinic_id: uuid.UUID
    seq: int  # 1, 2, 3… within the clinic
    created_at: datetime
    action: AuditAction
    entity_type: str  # "patient", "appointment", "clinic"
    entity_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None
    actor_token_id: uuid.UUID | None
    actor_name: str
    ip: str | None
    prev_hash: str
    hash: str = ""
    id: uuid.UUID = field(default_factory=new_id)


def entry_hash(entry: AuditEntry) -> str:
    """The row's own hash: sha256 over the previous hash and every field that says what
    happened, in a fixed form (the same on SQLite and PostgreSQL)."""
    moment = entry.created_at.astimezone(UTC).replace(tzinfo=None).isoformat(
        timespec="microseconds")
    body = json.dumps([
        entry.prev_hash, str(entry.clinic_id), entry.seq, moment, str(entry.action),
        entry.entity_type, str(entry.entity_id) if entry.entity_id else None,
        str(entry.actor_user_id) if entry.actor_user_id else None,
        str(entry.actor_token_id) if entry.actor_token_id else None,
        entry.actor_name, entry.ip, str(entry.id)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def chained(entry: AuditEntry, previous: AuditEntry | None) -> AuditEntry:
    """The entry with its place in the chain: the next number, the previous row's hash, its own."""
    entry.seq = previous.seq + 1 if previous else 1
    entry.prev_hash = previous.hash if previous else GENESIS
    entry.hash = entry_hash(entry)
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int  # where the chain stops holding
    entry_id: uuid.UUID | None
    reason: str


def first_break(entries: Iterable[AuditEntry]) -> ChainBreak | None:
    """Walk one clinic's rows in order; the first missing, altered or re-linked row, or None."""
    expected_seq, expected_prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainBreak(expected_seq, None,
                              f"row {expected_seq} is missing (the next is {entry.seq})")
        if entry.prev_hash != expected_prev:
            return ChainBreak(entry.seq, entry.id, f"row {entry.seq} does not follow row "
                                                   f"{entry.seq - 1} (a row was replaced)")
        if entry_hash(entry) != entry.hash:
            return ChainBreak(entry.seq, entry.id, f"row {entry.seq} was altered")
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    return None
