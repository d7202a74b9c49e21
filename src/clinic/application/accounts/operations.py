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
from clinic.application.team.members import leave_clinic
from clinic.domain.accounts import Clinic, OwnsClinics, Role, User, normalize_email
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


class EraseUser:
    """At the person's request (`clinic users erase`): out of every clinic by the same rule as a
    removal (`team.members.leave_clinic`), every API token of theirs revoked and every session
    ended, then name and email wiped (`User.erase`). What they did stays under their id. An
    owner hands the clinic over first (OwnsClinics). Each clinic is left in its own
    transaction and the account is wiped last, so an interrupted erasure is finished by
    running it again."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, email: str) -> uuid.UUID | None:
        """The erased account's id; None if there is no such account."""
        with self.uow_factory(ANY_CLINIC) as uow:
            user = uow.users.get_by_email(normalize_email(email))
            if user is None:
                return None
            memberships = list(uow.memberships.for_user(user.id))
            owned = [m.clinic_id for m in memberships if m.role is Role.OWNER]
            if owned:
                names = [c.name for c in map(uow.clinics.get, owned) if c is not None]
                raise OwnsClinics(names)
        for membership in memberships:
            with self.uow_factory(membership.clinic_id) as uow:
                mine = uow.memberships.get(membership.clinic_id, user.id)
                if mine is not None:
                    leave_clinic(uow, mine, self.clock.now())
                    uow.commit()
        with self.uow_factory(ANY_CLINIC) as uow:
            found = uow.users.get(user.id)
            assert found is not None
            end_every_session(uow, found)
            revoke_api_tokens(uow, found.id, self.clock.now())
            found.erase()
            uow.commit()
        return user.id


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
