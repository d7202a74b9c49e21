"""The ports: Protocols that every adapter implements and every use case depends on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from clinic.application.messaging.ports import MessageRepository
from clinic.application.outbox.message import EmailMessage
from clinic.application.repository_ports import (
    ApiTokenRepository,
    AppointmentRepository,
    AuditRepository,
    BillingRepository,
    ClinicRepository,
    DoctorRepository,
    MembershipRepository,
    OutboxRepository,
    PasswordResetRepository,
    PatientRepository,
    PendingSignUpRepository,
    ProcedureRepository,
    ReferralRepository,
    RoomRepository,
    TeamRepository,
    UserRepository,
    WebSessionRepository,
)


class _AnyClinic:
    """Marks a unit of work that deliberately spans clinics (sign-in, ops); never the default."""

    def __repr__(self) -> str:
        return "ANY_CLINIC"


ANY_CLINIC = _AnyClinic()
Tenant = uuid.UUID | _AnyClinic


class Conflict(Exception):
    """The database refused a write that broke a uniqueness rule (a concurrent twin won)."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class EmailComposer(Protocol):
    def compose(self, template: str, locale: str, to: str,
                context: Mapping[str, Any]) -> EmailMessage:
        """Render a named email in the given language."""
        ...


class JobQueue(Protocol):
    def enqueue(self, job: str, **kwargs: str) -> None:
        """Run the named job later (or now, inline); arguments are primitive strings."""
        ...


class FileStore(Protocol):
    """Uploaded files (doctors' photos), kept under keys that start with the clinic's id."""

    def save(self, key: str, data: bytes, content_type: str) -> None: ...

    def load(self, key: str) -> tuple[bytes, str] | None: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def keys(self, prefix: str) -> list[str]:
        """The keys of the files stored under `prefix` (which ends with `/`), sorted."""
        ...


@dataclass(frozen=True)
class PixelLimits:
    """The most pixels a photo may have, counted from the file's header before anything is
    decoded. A WebP has its own, lower limit: its decoder needs four times the memory a pixel."""

    photo: int
    webp: int


class PhotoProcessor(Protocol):
    def square_versions(self, data: bytes,
                        limits: PixelLimits) -> dict[str, tuple[bytes, str]]:
        """{'thumb': (bytes, content type), 'large': (...)}; raises ValidationFailed
        (`photo_too_many_pixels`, `webp_too_many_pixels` before decoding; `photo_invalid`)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: rolls back on leaving the block unless `commit()` was called."""

    clinics: ClinicRepository
    users: UserRepository
    memberships: MembershipRepository
    password_resets: PasswordResetRepository
    web_sessions: WebSessionRepository
    pending_signups: PendingSignUpRepository
    api_tokens: ApiTokenRepository
    outbox: OutboxRepository
    rooms: RoomRepository
    doctors: DoctorRepository
    procedures: ProcedureRepository
    patients: PatientRepository
    appointments: AppointmentRepository
    team: TeamRepository
    billing: BillingRepository
    referrals: ReferralRepository
    audit: AuditRepository
    messages: MessageRepository

    def lock_for_writing(self) -> None:
        """Call first: make this transaction the only writer (SQLite's BEGIN IMMEDIATE), so a
        check and the write it allows cannot interleave with another writer; elsewhere one
        snapshot for the whole transaction, so a race ends as a Conflict. (Booking and the
        audit trail take turns through locks instead: `write_in_turn`.)"""
        ...

    def write_in_turn(self) -> None:
        """Call first, instead of `lock_for_writing`, in a unit of work whose checks are put in
        turn by locks taken later (`lock_doctor`, the audit trail's head): SQLite's BEGIN
        IMMEDIATE (the only writer); elsewhere every statement reads what was committed before
        it, so a check made after a lock sees what the lock's previous holder wrote. (The one
        snapshot `lock_for_writing` keeps for a whole transaction is taken before a lock is
        granted, and would not.)"""
        ...

    def lock_doctor(self, doctor_id: uuid.UUID) -> None:
        """Call before reading a doctor's busy times to book or move a visit, in a unit of work
        begun with `write_in_turn`: of two units of work that lock one doctor the later waits
        until the first ends, so two visits booked at once cannot both find the doctor free."""
        ...

    def claim_clinic(self) -> None:
        """Call before counting what the clinic uses (rooms, people) to allow one more: of two
        units of work doing this at once, the later waits and then fails with Conflict (or,
        on SQLite, waits for the first to finish), so both cannot take the last place."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[Tenant], UnitOfWork]


# the repositories' ports are re-exported: use cases import every port from here
__all__ = [
    "ANY_CLINIC", "ApiTokenRepository", "AppointmentRepository", "AuditRepository",
    "BillingRepository", "ClinicRepository", "Clock", "Conflict", "DoctorRepository",
    "EmailComposer", "FileStore", "JobQueue", "Mailer", "MembershipRepository",
    "OutboxRepository", "PasswordHasher", "PasswordResetRepository", "PatientRepository",
    "PendingSignUpRepository", "PhotoProcessor", "PixelLimits", "ProcedureRepository",
    "ReferralRepository", "RoomRepository", "TeamRepository", "Tenant", "UnitOfWork",
    "UnitOfWorkFactory", "UserRepository", "WebSessionRepository",
]
