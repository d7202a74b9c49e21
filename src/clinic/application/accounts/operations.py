"""The operator's changes to a clinic or an account (`clinic tenants …`, `clinic users …`):
suspend and resume a clinic, disable an account. Nothing here deletes anything."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from clinic.application.accounts.sessions import end_every_session, revoke_api_tokens
from clinic.application.ports import ANY_CLINIC, Clock, UnitOfWorkFactory
from clinic.domain.accounts import Clinic, User, normalize_email
from clinic.domain.shared import NotFound


class SuspendClinic:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    def __call__(self, clinic_id: uuid.UUID, reason: str) -> Clinic:
        with self.uow_factory(clinic_id) as uow:
            clinic = uow.clinics.get(clinic_id)
            if clinic is None:
                raise NotFound()
            clinic.suspend(reason, self.clock.now())
            uow.commit()
            return clinic


class ResumeClinic:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, clinic_id: uuid.UUID) -> Clinic:
        with self.uow_factory(clinic_id) as uow:
            clinic = uow.clinics.get(clinic_id)
            if clinic is None:
                raise NotFound()
            clinic.resume()
            uow.commit()
            return clinic


class DisableUser:
    """The account can no longer sign in; every session and API token of it stops at once."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, email: str) -> User:
        with self.uow_factory(ANY_CLINIC) as uow:
            user = uow.users.get_by_email(normalize_email(email))
            if user is None:
                raise NotFound()
            if not user.disabled:
                user.disabled = True
                end_every_session(uow, user)
                revoke_api_tokens(uow, user.id, self.clock.now())
                uow.commit()
            return user


# -- what the operator reads ------------------------------------------------------------------

@dataclass(frozen=True)
class PersonRow:
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class TenantDetails:
    id: uuid.UUID
    name: str
    status: str
    suspended_reason: str | None
    created_at: datetime
    members: Sequence[PersonRow]  # the owner first
    rooms_active: int
    rooms_archived: int
    doctors: int
    patients: int
    appointments: int
    plan: str  # "free", or "active: 1 extra chair(s), 2 seat(s) until 2026-12-24"
    last_activity: datetime | None


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    email: str
    name: str
    created_at: datetime
    disabled: bool
    clinics: Sequence[tuple[str, str]]  # (clinic name, role)


class OperatorQueries(Protocol):
    def tenant_details(self, clinic_id: uuid.UUID) -> TenantDetails | None: ...

    def users(self) -> Sequence[UserRow]: ...

    def user(self, email: str) -> UserRow | None: ...
