"""The audit trail: who looked at or changed a patient's card or an appointment, when, from where.
Rows are only ever added; each carries the hash of the one before it in its clinic, so a row
removed or altered later breaks the chain at that point; and each clinic's head records its
newest row, so the newest rows removed (or the whole chain) show too."""

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


@dataclass(frozen=True)
class AuditHead:
    """A clinic's newest row, kept beside the chain and moved with each append: its number and
    hash (0 and GENESIS before the first). The chain's end must be this row, so removing the
    newest rows, or the whole chain, shows."""

    seq: int = 0
    hash: str = GENESIS


def chained(entry: AuditEntry, head: AuditHead) -> AuditEntry:
    """The entry with its place in the chain: the number after the head, the head's hash, its
    own."""
    entry.seq = head.seq + 1
    entry.prev_hash = head.hash
    entry.hash = entry_hash(entry)
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int  # where the chain stops holding
    entry_id: uuid.UUID | None
    reason: str


def first_break(entries: Iterable[AuditEntry]) -> ChainBreak | None:
    """Walk one clinic's rows in order; the first missing, altered or re-linked row, or None."""
    return _walk(entries)[0]


def verify_chain(entries: Iterable[AuditEntry], head: AuditHead | None) -> ChainBreak | None:
    """`first_break`, then the chain's end against the head: the newest rows (or all of them)
    removed, a newest row replaced, rows beyond the head, or rows with no head at all."""
    broken, last = _walk(entries)
    if broken is not None:
        return broken
    last_seq = last.seq if last else 0
    if head is None:
        return None if last is None else ChainBreak(
            last_seq, None, "the chain's head is missing (its record of the newest row)")
    if head.seq > last_seq:
        missing = (f"row {head.seq} is missing" if head.seq == last_seq + 1
                   else f"rows {last_seq + 1} to {head.seq} are missing")
        return ChainBreak(last_seq + 1, None, f"{missing} (the newest; the head is row "
                                              f"{head.seq})")
    if head.seq < last_seq:
        return ChainBreak(head.seq + 1, None, f"rows after {head.seq} are beyond the chain's "
                                              f"head (the head is row {head.seq})")
    if last is not None and last.hash != head.hash:
        return ChainBreak(last.seq, last.id, f"row {last.seq} is not the one the head records "
                                             "(it was replaced)")
    return None


def _walk(entries: Iterable[AuditEntry]) -> tuple[ChainBreak | None, AuditEntry | None]:
    """(the first break or None, the last row walked)."""
    expected_seq, expected_prev = 1, GENESIS
    last = None
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainBreak(expected_seq, None,
                              f"row {expected_seq} is missing (the next is {entry.seq})"), last
        if entry.prev_hash != expected_prev:
            return ChainBreak(entry.seq, entry.id, f"row {entry.seq} does not follow row "
                                                   f"{entry.seq - 1} (a row was replaced)"), last
        if entry_hash(entry) != entry.hash:
            return ChainBreak(entry.seq, entry.id, f"row {entry.seq} was altered"), last
        expected_seq, expected_prev, last = entry.seq + 1, entry.hash, entry
    return None, last
