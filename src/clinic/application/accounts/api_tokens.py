"""Per-clinic API tokens: created once and shown once, then only recognised by their hash."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from clinic.application.accounts.queries import AccountQueries
from clinic.application.accounts.secrets import new_token, token_hash
from clinic.application.authorization import authorize
from clinic.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from clinic.domain.accounts import ApiToken, ClinicStatus, Role, name_error
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission

TOKEN_PREFIX = "chs_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True)
class NewApiToken:
    id: uuid.UUID
    secret: str


class CreateApiToken:
    """A member makes a token on the API-keys page: it speaks with their role (who may open
    that page: `Permission.SETTINGS`)."""

    requires = Permission.SETTINGS

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, name: str) -> NewApiToken:
        _check_name(name)
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            return _issue(uow, clinic_id, name, self.clock.now(), actor_id)


class CreateOperatorToken:
    """`clinic tokens create`, the operator's command line (no member acts): a token made by
    nobody, which speaks as the clinic's owner."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, name: str) -> NewApiToken:
        _check_name(name)
        with self.uow_factory(clinic_id) as uow:
            if uow.clinics.get(clinic_id) is None:
                raise NotFound()
            return _issue(uow, clinic_id, name, self.clock.now(), None)


def _check_name(name: str) -> None:
    code = name_error(name)
    if code:
        raise ValidationFailed({"name": code})


def _issue(uow: UnitOfWork, clinic_id: uuid.UUID, name: str, now: datetime,
           created_by: uuid.UUID | None) -> NewApiToken:
    secret = new_token(TOKEN_PREFIX)
    token = ApiToken(clinic_id=clinic_id, name=name.strip(), token_hash=token_hash(secret),
                     prefix=secret[:8], created_at=now, created_by=created_by)
    uow.api_tokens.add(token)
    uow.commit()
    return NewApiToken(token.id, secret)


@dataclass(frozen=True)
class TokenRow:
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    created_by_name: str | None  # None: the operator's


class ListApiTokens:
    """The clinic's tokens in use, oldest first, with who made each."""

    requires = Permission.SETTINGS

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID) -> list[TokenRow]:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            rows = []
            for token in uow.api_tokens.for_clinic(clinic_id):
                if not token.active:
                    continue
                maker = uow.users.get(token.created_by) if token.created_by else None
                rows.append(TokenRow(token.id, token.name, token.prefix, token.created_at,
                                     maker.name if maker else None))
            return rows


class RevokeApiToken:
    requires = Permission.SETTINGS

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, token_id: uuid.UUID) -> None:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            token = next((t for t in uow.api_tokens.for_clinic(clinic_id) if t.id == token_id),
                         None)
            if token is None:
                raise NotFound()
            if token.revoked_at is None:
                token.revoked_at = self.clock.now()
                uow.commit()


@dataclass(frozen=True)
class TokenHolder:
    """Who a bearer token speaks for: its clinic, and the role it acts with on this request."""

    clinic_id: uuid.UUID
    role: Role
    user_id: uuid.UUID | None  # None: made by the operator (`clinic tokens create`)
    read_only: bool = False  # its maker is past the seats the clinic pays for (after a lapse)
    suspended: bool = False  # the operator suspended the clinic: every request is refused (403)
    token_id: uuid.UUID | None = field(default=None, compare=False)  # for the audit trail
    # The member the use cases check (the authorization rule): its maker, or the owner for an
    # operator's token (it speaks as the owner). None only for a clinic without an owner.
    acts_for: uuid.UUID | None = field(default=None, compare=False)


class AuthenticateApiToken:
    """The clinic a bearer token speaks for and with which role, or None for an unknown or
    revoked one (a suspended clinic's holder says so and is refused with a reason). A token
    made by a person speaks with that person's role in the clinic as it is now: changed roles
    apply on the next request, and a removed or disabled person's tokens stop working. One made
    by the operator speaks as the owner. Two SQL statements."""

    def __init__(self, accounts: AccountQueries) -> None:
        self.accounts = accounts

    def __call__(self, secret: str) -> TokenHolder | None:
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        token = self.accounts.api_token(token_hash(secret))
        if token is None or not token.active:
            return None
        clinic_id, creator = token.clinic_id, token.created_by
        if creator is None:
            return TokenHolder(clinic_id, Role.OWNER, None, token_id=token.id,
                               suspended=token.clinic_status != ClinicStatus.ACTIVE.value,
                               acts_for=token.owner_id)
        # The person (unless disabled), their membership and its clinic, in one round trip.
        person = self.accounts.session_user(creator, clinic_id)
        if person is None or person.role is None or person.clinic_id != clinic_id:
            return None
        return TokenHolder(clinic_id, Role(person.role), creator, person.read_only,
                           suspended=person.clinic_status != ClinicStatus.ACTIVE.value,
                           token_id=token.id, acts_for=creator)
