"""The ports: Protocols that every adapter implements and every use case depends on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from clinic.application.messaging.ports import MessageRepository
from clinic.application.outbox.message import EmailMessage, OutboxMessage
from clinic.domain.accounts import (
    ApiToken,
    Clinic,
    Membership,
    PasswordReset,
    PendingSignUp,
    User,
    WebSession,
)
from clinic.domain.audit import AuditEntry, AuditHead
from clinic.domain.catalog import Doctor, Procedure, Room
from clinic.domain.licensing import Payment, Subscription
from clinic.domain.patients import Patient
from clinic.domain.referrals import LedgerEntry
from clinic.domain.scheduling import Appointment, IdempotencyKey, TimeRange
from clinic.domain.team import Invitation, MembershipEvent


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


class ClinicRepository(Protocol):
    def add(self, clinic: Clinic) -> None: ...

    def get(self, clinic_id: uuid.UUID) -> Clinic | None: ...

    def by_promo_code(self, code: str) -> Clinic | None:
        """The clinic with this partner code (stored upper case), among those the unit sees."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...

    def get(self, user_id: uuid.UUID) -> User | None: ...

    def get_by_email(self, email: str) -> User | None: ...


class MembershipRepository(Protocol):
    def add(self, membership: Membership) -> None: ...

    def for_user(self, user_id: uuid.UUID) -> Sequence[Membership]: ...

    def get(self, clinic_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None: ...

    def for_clinic(self, clinic_id: uuid.UUID) -> Sequence[Membership]: ...

    def remove(self, membership: Membership) -> None: ...


class PasswordResetRepository(Protocol):
    def add(self, reset: PasswordReset) -> None: ...

    def get_by_token_hash(self, token_hash: str) -> PasswordReset | None: ...


class ApiTokenRepository(Protocol):
    def add(self, token: ApiToken) -> None: ...

    def get_by_hash(self, token_hash: str) -> ApiToken | None: ...

    def for_clinic(self, clinic_id: uuid.UUID) -> Sequence[ApiToken]: ...

    def made_by(self, user_id: uuid.UUID) -> Sequence[ApiToken]:
        """Every token this person made, in every clinic (needs an ANY_CLINIC unit of work)."""
        ...


class PendingSignUpRepository(Protocol):
    def add(self, pending: PendingSignUp) -> None: ...

    def get_by_token_hash(self, token_hash: str, lock: bool = False) -> PendingSignUp | None:
        """With `lock`, a second transaction asking for the same one waits for this one."""
        ...

    def remove_expired(self, now: datetime) -> None:
        """Sign-ups whose link expired (they hold a password hash and an email)."""
        ...


class WebSessionRepository(Protocol):
    def add(self, web_session: WebSession) -> None: ...

    def get_by_hash(self, token_hash: str) -> WebSession | None: ...

    def remove(self, web_session: WebSession) -> None: ...

    def remove_all_of(self, user_id: uuid.UUID, now: datetime | None = None) -> None:
        """Every session of this person; with `now`, only those expired by then."""
        ...


class TeamRepository(Protocol):
    def add_invitation(self, invitation: Invitation) -> None: ...

    def invitation(self, invitation_id: uuid.UUID) -> Invitation | None: ...

    def invitation_by_token_hash(self, token_hash: str) -> Invitation | None: ...

    def invitations(self, clinic_id: uuid.UUID, email: str | None = None) -> Sequence[Invitation]:
        """Every invitation of the clinic (to that email), oldest first."""
        ...

    def add_event(self, event: MembershipEvent) -> None: ...


class OutboxRepository(Protocol):
    def add(self, message: OutboxMessage) -> None: ...

    def get(self, message_id: uuid.UUID) -> OutboxMessage | None: ...

    def pending(self, limit: int) -> Sequence[OutboxMessage]: ...


class RoomRepository(Protocol):
    def add(self, room: Room) -> None: ...

    def get(self, room_id: uuid.UUID) -> Room | None: ...

    def list(self, include_archived: bool = False) -> Sequence[Room]:
        """The unit's clinic's rooms, by name."""
        ...


class DoctorRepository(Protocol):
    def add(self, doctor: Doctor) -> None: ...

    def get(self, doctor_id: uuid.UUID) -> Doctor | None: ...

    def list(self, include_archived: bool = False) -> Sequence[Doctor]: ...


class ProcedureRepository(Protocol):
    def add(self, procedure: Procedure) -> None: ...

    def get(self, procedure_id: uuid.UUID) -> Procedure | None: ...

    def list(self, include_archived: bool = False) -> Sequence[Procedure]: ...


class PatientRepository(Protocol):
    def add(self, patient: Patient) -> None: ...

    def get(self, patient_id: uuid.UUID, include_erased: bool = False) -> Patient | None:
        """A card; an erased one is gone unless asked for (a visit's dialog names it)."""
        ...

    def with_phone(self, e164: str) -> Sequence[Patient]: ...

    def with_telegram_code(self, code: str) -> Patient | None:
        """The unit of work's clinic's patient whose Telegram start code this is."""
        ...


class AppointmentRepository(Protocol):
    def add(self, appointment: Appointment) -> None: ...

    def get(self, appointment_id: uuid.UUID, *, lock: bool = False) -> Appointment | None:
        """With `lock`, the row is held until the transaction ends: a second change of the same
        visit waits, then reads what the first one left (never a stale copy)."""
        ...

    def busy(self, *, room_id: uuid.UUID | None = None, doctor_id: uuid.UUID | None = None,
             within: TimeRange, excluding: uuid.UUID | None = None) -> Sequence[TimeRange]:
        """Times taken by appointments that hold their time (not cancelled) in a room or for
        a doctor, overlapping `within`."""
        ...

    def taken(self, *, room_id: uuid.UUID, doctor_id: uuid.UUID, within: TimeRange,
              excluding: uuid.UUID | None = None
              ) -> tuple[Sequence[TimeRange], Sequence[TimeRange]]:
        """`busy` for the room and for the doctor at once (one query), each sorted."""
        ...

    def scheduled_between(self, start: datetime, end: datetime) -> Sequence[Appointment]:
        """The unit of work's clinic's visits still booked (scheduled) that start in
        [start, end), in time order: those a reminder may be due for."""
        ...

    def idempotency_key(self, key: str) -> IdempotencyKey | None: ...

    def add_idempotency_key(self, record: IdempotencyKey) -> None: ...

    def forget_idempotency_keys(self, before: datetime) -> None:
        """Drop the keys recorded before that moment (clients retry within minutes)."""
        ...


class AuditRepository(Protocol):
    """The audit trail: rows are added, never changed or deleted."""

    def claim_head(self, clinic_id: uuid.UUID) -> AuditHead:
        """The clinic's newest row (seq 0 and GENESIS before the first), held until this
        transaction ends: another unit of work appending to the clinic waits here, then reads
        the head this one leaves. Call it after the change the row records (in a unit of work
        begun with `write_in_turn`); that change is written first. Conflict if writing it breaks
        a rule of the database."""
        ...

    def add(self, entry: AuditEntry) -> None:
        """Add the row chained after the claimed head, and make it the clinic's head."""
        ...


class ReferralRepository(Protocol):
    """The partner ledger: entries are added, never changed or deleted."""

    def add(self, entry: LedgerEntry) -> None: ...

    def from_source(self, clinic_id: uuid.UUID, source_clinic_id: uuid.UUID) -> int:
        """The balance one referred clinic has brought this referrer so far, in cents."""
        ...

    def has(self, source_ref: str) -> bool: ...


class BillingRepository(Protocol):
    def subscription(self, clinic_id: uuid.UUID) -> Subscription | None: ...

    def add_subscription(self, subscription: Subscription) -> None: ...

    def subscription_by_ref(self, subscription_ref: str) -> Subscription | None:
        """The subscription with the provider's id (open the unit with ANY_CLINIC to find
        whose it is)."""
        ...

    def subscription_by_customer(self, customer_ref: str) -> Subscription | None: ...

    def payment(self, external_ref: str) -> Payment | None: ...

    def add_payment(self, payment: Payment) -> None: ...

    def payments(self, clinic_id: uuid.UUID, limit: int = 50) -> Sequence[Payment]: ...

    def mark_processed(self, event_id: str, event_type: str, now: datetime) -> None:
        """Record a provider event as processed, in this transaction (a duplicate: Conflict)."""
        ...

    def was_processed(self, event_id: str) -> bool: ...


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
