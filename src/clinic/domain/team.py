"""The people of a clinic: what each role may do, invitations, and the record of every change."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from clinic.domain.accounts import Role
from clinic.domain.shared import DomainError, new_id

INVITATION_TTL = timedelta(hours=72)


class Permission(enum.StrEnum):
    CALENDAR = "calendar"  # see and book appointments
    PATIENTS = "patients"  # see and edit patient cards
    CATALOG_READ = "catalog_read"  # see rooms, doctors, procedures
    CATALOG_EDIT = "catalog_edit"  # add, change, archive them
    REPORTS = "reports"
    PEOPLE = "people"  # invite, remove, change roles
    SETTINGS = "settings"  # the clinic's settings and API tokens
    BILLING = "billing"
    PARTNER = "partner"  # the partner programme: the clinic's code and what it has earned
    OWNERSHIP = "ownership"  # hand the clinic to someone else


_STAFF = frozenset({Permission.CALENDAR, Permission.PATIENTS, Permission.CATALOG_READ})
_ADMIN = _STAFF | {Permission.CATALOG_EDIT, Permission.REPORTS, Permission.PEOPLE,
                   Permission.SETTINGS, Permission.PARTNER}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.STAFF: _STAFF,
    Role.ADMIN: _ADMIN,
    Role.OWNER: _ADMIN | {Permission.BILLING, Permission.OWNERSHIP},
}


def can(role: Role | str | None, permission: Permission) -> bool:
    """Whether a member with this role may do that; no role (not a member) may do nothing."""
    if role is None:
        return False
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


class NotAllowed(DomainError):
    """The person's role does not allow this."""

    code = "not_allowed"


class InvitationInvalid(DomainError):
    """The invitation link was used, revoked, has expired, or never existed."""

    code = "invitation_invalid"

    def __init__(self, reason: str = "unknown") -> None:
        super().__init__(reason)
        self.reason = reason  # "used", "revoked", "expired", "unknown"


class InvitationForSomeoneElse(DomainError):
    """The link was opened by a signed-in person whose email is not the invited one."""

    code = "invitation_other_email"


class AlreadyMember(DomainError):
    code = "already_member"


class OwnerCannotLeave(DomainError):
    """The owner cannot be removed or demoted; ownership is handed over first."""

    code = "owner_stays"


class TeamAction(enum.StrEnum):
    INVITED = "invited"
    RESENT = "resent"
    REVOKED = "revoked"
    JOINED = "joined"
    ROLE_CHANGED = "role_changed"
    DOCTOR_LINKED = "doctor_linked"
    REMOVED = "removed"
    OWNERSHIP_TRANSFERRED = "owner_changed"


@dataclass(eq=False)
class Invitation:
    """A single-use link for one email to join one clinic with one role; only its hash is kept."""

    clinic_id: uuid.UUID
    email: str
    role: Role
    token_hash: str
    invited_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by: uuid.UUID | None = None
    revoked_at: datetime | None = None
    sent_count: int = 1
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def issue(cls, clinic_id: uuid.UUID, email: str, role: Role, token_hash: str,
              invited_by: uuid.UUID | None, now: datetime) -> Invitation:
        if role is Role.OWNER:
            raise NotAllowed("an owner is made by handing over ownership, not by invitation")
        return cls(clinic_id, email, role, token_hash, invited_by, now, now + INVITATION_TTL)

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at

    def check_usable(self, now: datetime) -> None:
        if self.accepted_at is not None:
            raise InvitationInvalid("used")
        if self.revoked_at is not None:
            raise InvitationInvalid("revoked")
        if now >= self.expires_at:
            raise InvitationInvalid("expired")

    def accept(self, user_id: uuid.UUID, now: datetime) -> None:
        self.check_usable(now)
        self.accepted_at, self.accepted_by = now, user_id

    def revoke(self, now: datetime) -> None:
        if self.accepted_at is None and self.revoked_at is None:
            self.revoked_at = now

    def check_renewable(self) -> None:
        """Expired links may be sent again; used and revoked ones may not."""
        if self.accepted_at is not None:
            raise InvitationInvalid("used")
        if self.revoked_at is not None:
            raise InvitationInvalid("revoked")

    def renew(self, token_hash: str, now: datetime) -> None:
        """Resend: a new link (the old one stops working) and a new 72 hours."""
        self.check_renewable()
        self.token_hash, self.expires_at = token_hash, now + INVITATION_TTL
        self.sent_count += 1


@dataclass(eq=False)
class MembershipEvent:
    """One line of the team's history: who did what to whom, and when. Names are copied so the
    line reads the same after the people are gone."""

    clinic_id: uuid.UUID
    action: TeamAction
    created_at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    subject_email: str
    subject_name: str = ""
    detail: str = ""
    id: uuid.UUID = field(default_factory=new_id)
