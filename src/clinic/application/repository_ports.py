"""The repositories' ports: the collections a unit of work holds (`ports.UnitOfWork`), one
Protocol each; the SQLAlchemy ones are `adapters/sqlalchemy/`, the fakes `tests/unit/fakes.py`.
Re-exported by `ports`, where use cases import them from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from clinic.application.outbox.message import OutboxMessage
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
