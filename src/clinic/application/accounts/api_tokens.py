"""Per-clinic API tokens: created once and shown once, then only recognised by their hash."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clinic.application.accounts.secrets import new_token, token_hash
from clinic.application.ports import ANY_CLINIC, Clock, UnitOfWorkFactory
from clinic.domain.accounts import ApiToken, ClinicStatus, name_error
from clinic.domain.shared import NotFound, ValidationFailed

TOKEN_PREFIX = "chs_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True)
class NewApiToken:
    id: uuid.UUID
    secret: str


class CreateApiToken:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, name: str,
                 created_by: uuid.UUID | None = None) -> NewApiToken:
        code = name_error(name)
        if code:
            raise ValidationFailed({"name": code})
        secret = new_token(TOKEN_PREFIX)
        with self.uow_factory(clinic_id) as uow:
            if uow.clinics.get(clinic_id) is None:
                raise NotFound()
            token = ApiToken(clinic_id=clinic_id, name=name.strip(), token_hash=token_hash(secret),
                             prefix=secret[:8], created_at=self.clock.now(), created_by=created_by)
            uow.api_tokens.add(token)
            uow.commit()
        return NewApiToken(token.id, secret)


class AuthenticateApiToken:
    """The clinic a bearer token speaks for, or None for an unknown, revoked or suspended one."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, secret: str) -> uuid.UUID | None:
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        with self.uow_factory(ANY_CLINIC) as uow:
            token = uow.api_tokens.get_by_hash(token_hash(secret))
            if token is None or not token.active:
                return None
            clinic = uow.clinics.get(token.clinic_id)
            if clinic is None or clinic.status != ClinicStatus.ACTIVE:
                return None
            return token.clinic_id
