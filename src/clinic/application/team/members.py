"""Change a member's role, link them to a doctor record, remove them, hand over ownership."""

from __future__ import annotations

import uuid
from datetime import datetime

from clinic.application.authorization import authorize
from clinic.application.ports import Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from clinic.application.team.access import again_on_conflict, member, record
from clinic.domain.accounts import Membership, Role
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import NotAllowed, OwnerCannotLeave, Permission, TeamAction


class ChangeRole:
    requires = Permission.PEOPLE

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, user_id: uuid.UUID,
                 role: str) -> None:
        try:
            wanted = Role(role)
        except ValueError:
            raise ValidationFailed({"role": "role_invalid"}) from None
        if wanted is Role.OWNER:
            raise ValidationFailed({"role": "role_invalid"})  # ownership is handed over
        again_on_conflict(lambda: self._change(clinic_id, actor_id, user_id, wanted))

    def _change(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, user_id: uuid.UUID,
                wanted: Role) -> None:
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()  # a handover at the same moment must not be undone
            actor, _clinic = authorize(uow, clinic_id, actor_id, self.requires)
            membership, user = member(uow, clinic_id, user_id)
            if membership.role is Role.OWNER:
                raise OwnerCannotLeave()
            if membership.role is not wanted:
                membership.role = wanted
                record(uow, clinic_id, TeamAction.ROLE_CHANGED, self.clock.now(), actor,
                       user.email, user.name, wanted.value)
                uow.commit()


class LinkDoctor:
    """The doctor record this person is (or none): their default doctor when they book."""

    requires = Permission.PEOPLE

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, user_id: uuid.UUID,
                 doctor_id: uuid.UUID | None) -> None:
        again_on_conflict(lambda: self._link(clinic_id, actor_id, user_id, doctor_id))

    def _link(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, user_id: uuid.UUID,
              doctor_id: uuid.UUID | None) -> None:
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()
            actor, _clinic = authorize(uow, clinic_id, actor_id, self.requires)
            _membership, user = member(uow, clinic_id, user_id)
            doctors = list(uow.doctors.list(include_archived=True))
            chosen = next((d for d in doctors if d.id == doctor_id), None)
            if doctor_id is not None and (chosen is None or chosen.archived):
                raise ValidationFailed({"doctor_id": "doctor_unavailable"})
            for doctor in doctors:  # one person is one doctor
                if doctor.user_id == user_id and doctor is not chosen:
                    doctor.user_id = None
            if chosen is not None:
                chosen.user_id = user_id
            record(uow, clinic_id, TeamAction.DOCTOR_LINKED, self.clock.now(), actor,
                   user.email, user.name, chosen.name if chosen else "")
            uow.commit()


def leave_clinic(uow: UnitOfWork, membership: Membership, now: datetime) -> None:
    """The one rule of a person leaving a clinic (removed by its owner or admin, or erased at
    their own request): the API tokens they made there are revoked, doctor records linked to
    them are unlinked, the membership goes. Their sessions check the membership on every
    request, so their access ends at their next click. Not for the owner."""
    clinic_id, user_id = membership.clinic_id, membership.user_id
    tokens = list(uow.api_tokens.for_clinic(clinic_id))  # read everything, then write
    doctors = list(uow.doctors.list(include_archived=True))
    for token in tokens:
        if token.created_by == user_id:
            token.revoke(now)
    for doctor in doctors:
        if doctor.user_id == user_id:
            doctor.user_id = None
    uow.memberships.remove(membership)


class RemoveMember:
    """Their access ends at once: the membership goes (sessions check it on every request) and
    the API tokens they made are revoked. What they recorded stays, with their name."""

    requires = Permission.PEOPLE

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, user_id: uuid.UUID) -> None:
        again_on_conflict(lambda: self._remove(clinic_id, actor_id, user_id))

    def _remove(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, user_id: uuid.UUID) -> None:
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()  # a handover to them at the same moment must not be lost
            actor, _clinic = authorize(uow, clinic_id, actor_id, self.requires)
            membership, user = member(uow, clinic_id, user_id)
            if membership.role is Role.OWNER:
                raise OwnerCannotLeave()
            now = self.clock.now()
            leave_clinic(uow, membership, now)
            record(uow, clinic_id, TeamAction.REMOVED, now, actor, user.email, user.name)
            uow.commit()


class TransferOwnership:
    """The owner hands the clinic to an admin, giving their password again; they stay as admin."""

    requires = Permission.OWNERSHIP

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher,
                 clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.hasher = hasher
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, password: str,
                 new_owner_id: uuid.UUID) -> None:
        with self.uow_factory(clinic_id) as uow:
            actor, _clinic = authorize(uow, clinic_id, actor_id, self.requires)
            verified = actor.password_hash
        # Verifying is slow on purpose, so it happens before the locked transaction.
        if not self.hasher.verify(verified, password):
            raise ValidationFailed({"password": "password_wrong"})
        again_on_conflict(lambda: self._transfer(clinic_id, actor_id, verified, new_owner_id))

    def _transfer(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, verified: str,
                  new_owner_id: uuid.UUID) -> None:
        with self.uow_factory(clinic_id) as uow:
            # Two handovers at once (to two admins) must leave one owner, not two.
            uow.lock_for_writing()
            actor, _clinic = authorize(uow, clinic_id, actor_id, self.requires)
            if actor.password_hash != verified:  # changed in between: ask again
                raise ValidationFailed({"password": "password_wrong"})
            try:
                heir, heir_user = member(uow, clinic_id, new_owner_id)
            except NotFound:
                raise ValidationFailed({"new_owner_id": "owner_must_be_admin"}) from None
            if heir.role is not Role.ADMIN:
                raise ValidationFailed({"new_owner_id": "owner_must_be_admin"})
            current, _user = member(uow, clinic_id, actor_id)
            if current.role is not Role.OWNER:
                raise NotAllowed()
            current.role, heir.role = Role.ADMIN, Role.OWNER
            record(uow, clinic_id, TeamAction.OWNERSHIP_TRANSFERRED, self.clock.now(), actor,
                   heir_user.email, heir_user.name)
            uow.commit()
