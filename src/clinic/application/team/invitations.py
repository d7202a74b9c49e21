"""Invite a person by email; resend or withdraw the invitation. (Opening and accepting its
link: joining.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

from clinic.application.accounts.secrets import new_token, token_hash
from clinic.application.authorization import authorize
from clinic.application.outbox.dispatch import OutboxDispatcher
from clinic.application.outbox.message import OutboxMessage
from clinic.application.ports import (
    Clock,
    EmailComposer,
    UnitOfWork,
    UnitOfWorkFactory,
)
from clinic.application.team.access import SeatPolicy, again_on_conflict, record
from clinic.domain.accounts import (
    Clinic,
    Role,
    email_error,
    normalize_email,
    pick_locale,
)
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import (
    INVITATION_TTL,
    AlreadyMember,
    Invitation,
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
    requires = Permission.PEOPLE

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
            actor, clinic = authorize(uow, clinic_id, actor_id, self.requires)
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

    requires = Permission.PEOPLE

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
            actor, clinic = authorize(uow, clinic_id, actor_id, self.requires)
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
    requires = Permission.PEOPLE

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
            actor, _clinic = authorize(uow, clinic_id, actor_id, self.requires)
            invitation = uow.team.invitation(invitation_id)
            if invitation is None:
                raise NotFound()
            now = self.clock.now()
            if invitation.accepted_at is None and invitation.revoked_at is None:
                invitation.revoke(now)
                record(uow, clinic_id, TeamAction.REVOKED, now, actor, invitation.email)
            uow.commit()
