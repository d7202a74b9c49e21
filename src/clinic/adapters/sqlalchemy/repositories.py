"""Repositories: collections of domain objects, kept in one SQLAlchemy session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.adapters.sqlalchemy import tables
from clinic.adapters.sqlalchemy.appointment_repository import (
    SqlAppointmentRepository as SqlAppointmentRepository,  # re-exported for the unit of work
)
from clinic.adapters.sqlalchemy.audit_repository import (
    SqlAuditRepository as SqlAuditRepository,  # re-exported for the unit of work
)
from clinic.application.outbox.message import OutboxMessage
from clinic.application.ports import Conflict
from clinic.domain.accounts import (
    ApiToken,
    Clinic,
    Membership,
    PasswordReset,
    PendingSignUp,
    User,
    WebSession,
)
from clinic.domain.catalog import Doctor, Procedure, Room
from clinic.domain.licensing import Payment, Subscription
from clinic.domain.patients import Patient
from clinic.domain.referrals import LedgerEntry
from clinic.domain.team import Invitation, MembershipEvent


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session


class SqlClinicRepository(_Repository):
    def add(self, clinic: Clinic) -> None:
        self.session.add(clinic)

    def get(self, clinic_id: uuid.UUID) -> Clinic | None:
        return self.session.scalars(select(Clinic).where(tables.clinics.c.id == clinic_id)).first()

    def by_promo_code(self, code: str) -> Clinic | None:
        return self.session.scalars(select(Clinic).where(
            tables.clinics.c.promo_code == code.upper())).first()


class SqlUserRepository(_Repository):
    def add(self, user: User) -> None:
        self.session.add(user)

    def get(self, user_id: uuid.UUID) -> User | None:
        return self.session.get(User, user_id)

    def get_by_email(self, email: str) -> User | None:
        return self.session.scalars(select(User).where(tables.users.c.email == email)).first()


class SqlMembershipRepository(_Repository):
    def add(self, membership: Membership) -> None:
        self.session.add(membership)

    def for_user(self, user_id: uuid.UUID) -> Sequence[Membership]:
        return self.session.scalars(
            select(Membership).where(tables.memberships.c.user_id == user_id)
        ).all()

    def get(self, clinic_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
        m = tables.memberships.c
        return self.session.scalars(
            select(Membership).where(m.clinic_id == clinic_id, m.user_id == user_id)).first()

    def for_clinic(self, clinic_id: uuid.UUID) -> Sequence[Membership]:
        return self.session.scalars(select(Membership).where(
            tables.memberships.c.clinic_id == clinic_id)).all()

    def remove(self, membership: Membership) -> None:
        self.session.delete(membership)


class SqlPasswordResetRepository(_Repository):
    def add(self, reset: PasswordReset) -> None:
        self.session.add(reset)

    def get_by_token_hash(self, token_hash: str) -> PasswordReset | None:
        return self.session.scalars(
            select(PasswordReset).where(tables.password_resets.c.token_hash == token_hash)
        ).first()


class SqlApiTokenRepository(_Repository):
    def add(self, token: ApiToken) -> None:
        self.session.add(token)

    def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(
            select(ApiToken).where(tables.api_tokens.c.token_hash == token_hash)
        ).first()

    def for_clinic(self, clinic_id: uuid.UUID) -> Sequence[ApiToken]:
        t = tables.api_tokens.c
        return self.session.scalars(select(ApiToken).where(t.clinic_id == clinic_id)
                                    .order_by(t.created_at)).all()

    def made_by(self, user_id: uuid.UUID) -> Sequence[ApiToken]:
        t = tables.api_tokens.c
        return self.session.scalars(select(ApiToken).where(t.created_by == user_id)).all()


class SqlPendingSignUpRepository(_Repository):
    def add(self, pending: PendingSignUp) -> None:
        self.session.add(pending)

    def get_by_token_hash(self, token_hash: str, lock: bool = False) -> PendingSignUp | None:
        query = select(PendingSignUp).where(tables.pending_signups.c.token_hash == token_hash)
        return self.session.scalars(query.with_for_update() if lock else query).first()

    def remove_expired(self, now: datetime) -> None:
        self.session.execute(
            delete(tables.pending_signups).where(tables.pending_signups.c.expires_at <= now),
            execution_options={"synchronize_session": False})


class SqlWebSessionRepository(_Repository):
    def add(self, web_session: WebSession) -> None:
        self.session.add(web_session)

    def get_by_hash(self, token_hash: str) -> WebSession | None:
        return self.session.scalars(
            select(WebSession).where(tables.web_sessions.c.token_hash == token_hash)).first()

    def remove(self, web_session: WebSession) -> None:
        self.session.delete(web_session)

    def remove_all_of(self, user_id: uuid.UUID, now: datetime | None = None) -> None:
        s = tables.web_sessions.c
        statement = delete(tables.web_sessions).where(s.user_id == user_id)
        if now is not None:
            statement = statement.where(s.expires_at <= now)
        self.session.execute(statement, execution_options={"synchronize_session": False})


class SqlTeamRepository(_Repository):
    """Invitations and the history of the team's changes."""

    def add_invitation(self, invitation: Invitation) -> None:
        self.session.add(invitation)

    def invitation(self, invitation_id: uuid.UUID) -> Invitation | None:
        return self.session.scalars(select(Invitation).where(
            tables.invitations.c.id == invitation_id)).first()

    def invitation_by_token_hash(self, token_hash: str) -> Invitation | None:
        return self.session.scalars(select(Invitation).where(
            tables.invitations.c.token_hash == token_hash)).first()

    def invitations(self, clinic_id: uuid.UUID, email: str | None = None) -> Sequence[Invitation]:
        i = tables.invitations.c
        stmt = select(Invitation).where(i.clinic_id == clinic_id)
        if email is not None:
            stmt = stmt.where(i.email == email)
        return self.session.scalars(stmt.order_by(i.created_at)).all()

    def add_event(self, event: MembershipEvent) -> None:
        self.session.add(event)


class SqlOutboxRepository(_Repository):
    def add(self, message: OutboxMessage) -> None:
        self.session.add(message)

    def get(self, message_id: uuid.UUID) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, message_id)

    def pending(self, limit: int) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage)
            .where(tables.outbox.c.sent_at.is_(None))
            .order_by(tables.outbox.c.created_at)
            .limit(limit)
        ).all()


class _CatalogRepository(_Repository):
    """Rooms, doctors and procedures: few per clinic, listed by name, archived not deleted.
    The tenant guard adds the clinic to every query."""

    entity: type
    table: Table

    def add(self, item: object) -> None:
        self.session.add(item)

    def get(self, item_id: uuid.UUID) -> Any:
        return self.session.scalars(
            select(self.entity).where(self.table.c.id == item_id)).first()

    def list(self, include_archived: bool = False) -> Sequence[Any]:
        stmt: Any = select(self.entity).order_by(self.table.c.name, self.table.c.created_at)
        if not include_archived:
            stmt = stmt.where(self.table.c.archived_at.is_(None))
        return self.session.scalars(stmt).all()


class SqlRoomRepository(_CatalogRepository):
    entity, table = Room, tables.rooms


class SqlDoctorRepository(_CatalogRepository):
    entity, table = Doctor, tables.doctors


class SqlProcedureRepository(_CatalogRepository):
    entity, table = Procedure, tables.procedures


class SqlPatientRepository(_Repository):
    def add(self, patient: Patient) -> None:
        self.session.add(patient)

    def get(self, patient_id: uuid.UUID, include_erased: bool = False) -> Patient | None:
        stmt = select(Patient).where(tables.patients.c.id == patient_id)
        if not include_erased:
            stmt = stmt.where(tables.patients.c.erased_at.is_(None))
        return self.session.scalars(stmt).first()

    def with_phone(self, e164: str) -> Sequence[Patient]:
        return self.session.scalars(
            select(Patient).where(tables.patients.c.phone == e164,
                                  tables.patients.c.erased_at.is_(None))
            .order_by(tables.patients.c.created_at)).all()

    def with_telegram_code(self, code: str) -> Patient | None:
        return self.session.scalars(select(Patient).where(
            tables.patients.c.telegram_code == code,
            tables.patients.c.erased_at.is_(None))).first()


class SqlReferralRepository(_Repository):
    """The partner ledger; the unique `source_ref` turns a replayed event into a Conflict."""

    def add(self, entry: LedgerEntry) -> None:
        self.session.add(entry)

    def from_source(self, clinic_id: uuid.UUID, source_clinic_id: uuid.UUID) -> int:
        e = tables.referral_entries.c
        return int(self.session.execute(
            select(func.coalesce(func.sum(e.amount_cents), 0))
            .where(e.clinic_id == clinic_id, e.source_clinic_id == source_clinic_id)).scalar_one())

    def has(self, source_ref: str) -> bool:
        e = tables.referral_entries.c
        return self.session.execute(
            select(e.id).where(e.source_ref == source_ref)).first() is not None


class SqlBillingRepository(_Repository):
    """The subscription, payments and refunds, and the provider events already processed."""

    def subscription(self, clinic_id: uuid.UUID) -> Subscription | None:
        return self.session.scalars(select(Subscription).where(
            tables.subscriptions.c.clinic_id == clinic_id)).first()

    def add_subscription(self, subscription: Subscription) -> None:
        self.session.add(subscription)

    def subscription_by_ref(self, subscription_ref: str) -> Subscription | None:
        return self.session.scalars(select(Subscription).where(
            tables.subscriptions.c.subscription_ref == subscription_ref)).first()

    def subscription_by_customer(self, customer_ref: str) -> Subscription | None:
        return self.session.scalars(select(Subscription).where(
            tables.subscriptions.c.customer_ref == customer_ref)).first()

    def payment(self, external_ref: str) -> Payment | None:
        return self.session.scalars(select(Payment).where(
            tables.payments.c.external_ref == external_ref)).first()

    def add_payment(self, payment: Payment) -> None:
        self.session.add(payment)

    def payments(self, clinic_id: uuid.UUID, limit: int = 50) -> Sequence[Payment]:
        p = tables.payments.c
        return self.session.scalars(select(Payment).where(p.clinic_id == clinic_id)
                                    .order_by(p.created_at.desc()).limit(limit)).all()

    def mark_processed(self, event_id: str, event_type: str, now: datetime) -> None:
        """Insert the event's row with the change it causes; a second time is a Conflict."""
        try:
            self.session.execute(tables.processed_events.insert().values(
                id=event_id, type=event_type[:100], received_at=now))
        except IntegrityError as error:
            raise Conflict(str(error.orig)) from error

    def was_processed(self, event_id: str) -> bool:
        e = tables.processed_events.c
        return self.session.execute(select(e.id).where(e.id == event_id)).first() is not None
