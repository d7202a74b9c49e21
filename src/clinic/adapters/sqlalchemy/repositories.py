"""Repositories: collections of domain objects, kept in one SQLAlchemy session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic.adapters.sqlalchemy import tables
from clinic.application.outbox.message import OutboxMessage
from clinic.domain.accounts import ApiToken, Clinic, Membership, PasswordReset, User


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session


class SqlClinicRepository(_Repository):
    def add(self, clinic: Clinic) -> None:
        self.session.add(clinic)

    def get(self, clinic_id: uuid.UUID) -> Clinic | None:
        return self.session.scalars(select(Clinic).where(tables.clinics.c.id == clinic_id)).first()


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
