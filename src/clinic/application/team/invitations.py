"""Invite a person by email; resend or revoke the invitation; open and accept its link."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from clinic.application.accounts.secrets import new_token, token_hash
from clinic.application.accounts.signed_in import SignedIn
from clinic.application.outbox.dispatch import OutboxDispatcher
from clinic.application.outbox.message import OutboxMessage
from clinic.application.ports import (
    ANY_CLINIC,
    Clock,
    Conflict,
    EmailComposer,
    PasswordHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from clinic.application.team.access import SeatPolicy, acting_member, again_on_conflict, record
from clinic.domain.accounts import (
    Clinic,
    Membership,
    Role,
    User,
    email_error,
    name_error,
    normalize_email,
    password_error,
    pick_locale,
)
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import (
    INVITATION_TTL,
    AlreadyMember,
    Invitation,
    InvitationForSomeoneElse,
    InvitationInvalid,
    Permission,
    TeamAction,
)

LinkFor = Callable[[str], str]
SUBJECT_MAX = 255  # the outbox keeps subjects of up to 255 characters


def _role(raw: str) -> Role:
    try:
        role = Role(raw)
    except ValueError:
        raise ValidationFailed({"role": "role_invalid"}) from None
    if role is Role.OWNER:
        raise ValidationFailed({"role": "role_invalid"})
    return role


class _Mailing:
    def __init__(self, uow_factory: UnitOfWorkFactory, composer: EmailComposer, clock: Clock,
                 dispatcher: OutboxDispatcher) -> None:
        self.uow_factory = uow_factory
        self.composer = composer
        self.clock = clock
        self.dispatcher = dispatcher

    def _mail(self, uow: UnitOfWork, clinic: Clinic, invitation: Invitation, inviter: str,
              link: str) -> OutboxMessage:
        """The invitation email, in the clinic's language, put in the outbox of this unit."""
        email = self.composer.compose(
            "invitation", pick_locale(clinic.locale), invitation.email,
            {"clinic": clinic.name, "inviter": inviter, "link": link,
             "hours": int(INVITATION_TTL.total_seconds() // 3600)})
        # The subject carries two names people typed: one line (a line break in a header is
        # refused by every mailer, forever) and within the outbox's 255 characters.
        subject = " ".join(email.subject.split())
        if len(subject) > SUBJECT_MAX:
            subject = subject[:SUBJECT_MAX - 1].rstrip() + "…"
        message = OutboxMessage.email(replace(email, subject=subject), self.clock.now(),
                                      clinic_id=clinic.id)
        uow.outbox.add(message)
        return message


class InviteMember(_Mailing):
    def __init__(self, uow_factory: UnitOfWorkFactory, composer: EmailComposer, clock: Clock,
                 dispatcher: OutboxDispatcher, seats: SeatPolicy) -> None:
        super().__init__(uow_factory, composer, clock, dispatcher)
        self.seats = seats

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, email: str, role: str,
                 link_for: LinkFor) -> Invitation:
        errors = {}
        if code := email_error(email):
            errors["email"] = code
        try:
            wanted = _role(role)
        except ValidationFailed as error:
            errors.update(error.errors)
        if errors:
            raise ValidationFailed(errors)
        address = normalize_email(email)
        invitation, message = again_on_conflict(
            lambda: self._invite(clinic_id, actor_id, address, wanted, link_for))
        self.dispatcher.dispatch([message.id])
        return invitation

    def _invite(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, address: str, wanted: Role,
                link_for: LinkFor) -> tuple[Invitation, OutboxMessage]:
        """Conflict when a concurrent twin (a double click) invited the same address first:
        one open invitation per address and clinic is a unique index, and the next attempt
        sees the twin and says "already invited"."""
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()
            actor, clinic = acting_member(uow, clinic_id, actor_id, Permission.PEOPLE)
            existing = uow.users.get_by_email(address)
            if existing is not None and uow.memberships.get(clinic_id, existing.id):
                raise AlreadyMember()
            now = self.clock.now()
            earlier = [i for i in uow.team.invitations(clinic_id, address)
                       if i.accepted_at is None and i.revoked_at is None]
            if any(i.is_pending(now) for i in earlier):
                raise ValidationFailed({"email": "already_invited"})
            self.seats.check_can_add_person(uow, clinic_id)  # the licence is asked here
            for expired in earlier:  # superseded by the new one: its link says "revoked"
                expired.revoke(now)
            token = new_token()
            invitation = Invitation.issue(clinic_id, address, wanted, token_hash(token),
                                          actor_id, now)
            uow.team.add_invitation(invitation)
            message = self._mail(uow, clinic, invitation, actor.name, link_for(token))
            record(uow, clinic_id, TeamAction.INVITED, now, actor, address, detail=wanted.value)
            uow.commit()
        return invitation, message


class ResendInvitation(_Mailing):
    """A new link (the old one stops working), valid for another 72 hours. Refused, like a new
    invitation, when the person has joined meanwhile or has a newer pending invitation."""

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, invitation_id: uuid.UUID,
                 link_for: LinkFor) -> Invitation:
        invitation, message = again_on_conflict(
            lambda: self._resend(clinic_id, actor_id, invitation_id, link_for))
        self.dispatcher.dispatch([message.id])
        return invitation

    def _resend(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, invitation_id: uuid.UUID,
                link_for: LinkFor) -> tuple[Invitation, OutboxMessage]:
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()
            actor, clinic = acting_member(uow, clinic_id, actor_id, Permission.PEOPLE)
            invitation = uow.team.invitation(invitation_id)
            if invitation is None:
                raise NotFound()
            now = self.clock.now()
            invitation.check_renewable()
            existing = uow.users.get_by_email(invitation.email)
            if existing is not None and uow.memberships.get(clinic_id, existing.id):
                raise AlreadyMember()
            if any(i.is_pending(now) and i.id != invitation.id
                   for i in uow.team.invitations(clinic_id, invitation.email)):
                raise ValidationFailed({"email": "already_invited"})
            token = new_token()
            invitation.renew(token_hash(token), now)
            message = self._mail(uow, clinic, invitation, actor.name, link_for(token))
            record(uow, clinic_id, TeamAction.RESENT, now, actor, invitation.email)
            uow.commit()
        return invitation, message


class RevokeInvitation:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID,
                 invitation_id: uuid.UUID) -> None:
        again_on_conflict(lambda: self._revoke(clinic_id, actor_id, invitation_id))

    def _revoke(self, clinic_id: uuid.UUID, actor_id: uuid.UUID,
                invitation_id: uuid.UUID) -> None:
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()  # not half-way through someone accepting it
            actor, _clinic = acting_member(uow, clinic_id, actor_id, Permission.PEOPLE)
            invitation = uow.team.invitation(invitation_id)
            if invitation is None:
                raise NotFound()
            now = self.clock.now()
            if invitation.accepted_at is None and invitation.revoked_at is None:
                invitation.revoke(now)
                record(uow, clinic_id, TeamAction.REVOKED, now, actor, invitation.email)
            uow.commit()


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
        new_hash: str | None = None
        if signed_in_user is None and known is not None:
            if not self.hasher.verify(known[1], password):
                raise ValidationFailed({"password": "password_wrong"})
        elif signed_in_user is None:
            errors = {k: v for k, v in (("name", name_error(name)),
                                        ("password", password_error(password))) if v}
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
