"""Open an invitation link and join through it: a new person sets a name and a password, a
person with an account joins as themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clinic.application.accounts.secrets import token_hash
from clinic.application.accounts.signed_in import SignedIn
from clinic.application.ports import (
    ANY_CLINIC,
    Clock,
    Conflict,
    PasswordHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from clinic.application.team.access import again_on_conflict, record
from clinic.domain.accounts import (
    Membership,
    User,
    name_error,
    password_error,
    pick_locale,
)
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import (
    AlreadyMember,
    InvitationForSomeoneElse,
    InvitationInvalid,
    TeamAction,
)


@dataclass(frozen=True)
class InvitationView:
    """What the invitation page needs to show before anyone types anything."""

    clinic_id: uuid.UUID
    clinic_name: str
    email: str
    role: str
    has_account: bool


class OpenInvitation:
    """Read an invitation link: whom it invites where, or why it no longer works."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, token: str) -> InvitationView:
        with self.uow_factory(ANY_CLINIC) as uow:
            invitation = uow.team.invitation_by_token_hash(token_hash(token))
            if invitation is None:
                raise InvitationInvalid("unknown")
            invitation.check_usable(self.clock.now())
            clinic = uow.clinics.get(invitation.clinic_id)
            if clinic is None:
                raise InvitationInvalid("unknown")
            has_account = uow.users.get_by_email(invitation.email) is not None
            return InvitationView(clinic.id, clinic.name, invitation.email,
                                  invitation.role.value, has_account)


class AcceptInvitation:
    """Join through the link: a new person sets a name and a password; a person with an account
    joins as themselves (signed in as the invited email, or by giving that account's password).

    Hashing and verifying passwords are slow on purpose, so they happen between a first look
    at the link and the short locked transaction that re-checks everything and writes."""

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher,
                 clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.hasher = hasher
        self.clock = clock

    def __call__(self, token: str, *, signed_in_user: uuid.UUID | None = None,
                 name: str = "", password: str = "", locale: str | None = None) -> SignedIn:
        hashed = token_hash(token)
        with self.uow_factory(ANY_CLINIC) as uow:
            user = self._who(uow, hashed, signed_in_user)
            known = _account(user, signed_in_user)
            invitation = uow.team.invitation_by_token_hash(hashed)
            clinic = uow.clinics.get(invitation.clinic_id) if invitation else None
            personal = (invitation.email if invitation else "", clinic.name if clinic else "")
        new_hash: str | None = None
        if signed_in_user is None and known is not None:
            if not self.hasher.verify(known[1], password):
                raise ValidationFailed({"password": "password_wrong"})
        elif signed_in_user is None:
            errors = {k: v for k, v in (("name", name_error(name)),
                                        ("password", password_error(password, personal))) if v}
            if errors:
                raise ValidationFailed(errors)
            new_hash = self.hasher.hash(password)
        try:
            return again_on_conflict(lambda: self._join(
                hashed, signed_in_user, known, new_hash, name, locale))
        except Conflict:  # still racing after the retries: the link went to someone else
            raise InvitationInvalid("used") from None

    def _join(self, hashed: str, signed_in_user: uuid.UUID | None,
              known: tuple[uuid.UUID, str] | None, new_hash: str | None, name: str,
              locale: str | None) -> SignedIn:
        """Re-check everything under the lock, then join; Conflict when a concurrent join of
        the same link or email won (the next attempt sees it and says so)."""
        with self.uow_factory(ANY_CLINIC) as uow:
            uow.lock_for_writing()
            user = self._who(uow, hashed, signed_in_user)
            invitation = uow.team.invitation_by_token_hash(hashed)
            assert invitation is not None  # _who checked it
            now = self.clock.now()
            if _account(user, signed_in_user) != known:
                # The account appeared (or its password changed) in between: ask again.
                raise ValidationFailed({"password": "password_wrong"})
            if user is None:
                assert new_hash is not None
                user = User(email=invitation.email, name=name.strip(), password_hash=new_hash,
                            created_at=now, locale=pick_locale(locale) if locale else None)
                uow.users.add(user)
            elif uow.memberships.get(invitation.clinic_id, user.id) is not None:
                raise AlreadyMember()
            invitation.accept(user.id, now)
            uow.memberships.add(Membership(invitation.clinic_id, user.id, invitation.role, now))
            record(uow, invitation.clinic_id, TeamAction.JOINED, now, user, user.email,
                   subject_name=user.name, detail=invitation.role.value)
            uow.commit()
            return SignedIn(user.id, invitation.clinic_id, user.session_version, user.locale)

    def _who(self, uow: UnitOfWork, hashed: str, signed_in_user: uuid.UUID | None) -> User | None:
        """The account of the invited email (None: there is none yet), once the link is found
        usable and the person opening it may use it."""
        invitation = uow.team.invitation_by_token_hash(hashed)
        if invitation is None:
            raise InvitationInvalid("unknown")
        invitation.check_usable(self.clock.now())
        user = uow.users.get_by_email(invitation.email)
        if signed_in_user is not None and (user is None or user.id != signed_in_user):
            raise InvitationForSomeoneElse()
        if user is not None and user.disabled:
            raise ValidationFailed({"password": "password_wrong"})
        return user


def _account(user: User | None, signed_in_user: uuid.UUID | None) -> tuple[uuid.UUID, str] | None:
    """The invited email's account as it was checked: who, and (unless signed in) the password
    hash the given password was verified against."""
    if user is None:
        return None
    return user.id, "" if signed_in_user is not None else user.password_hash
