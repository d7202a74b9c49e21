"""Forgotten password: an emailed single-use link that expires in an hour."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from clinic.application.accounts.secrets import new_token, token_hash
from clinic.application.accounts.sessions import revoke_api_tokens
from clinic.application.accounts.signed_in import SignedIn
from clinic.application.outbox.dispatch import OutboxDispatcher
from clinic.application.outbox.message import OutboxMessage
from clinic.application.ports import (
    ANY_CLINIC,
    Clock,
    EmailComposer,
    PasswordHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from clinic.domain.accounts import (
    PASSWORD_RESET_TTL,
    PasswordReset,
    ResetLinkInvalid,
    email_error,
    normalize_email,
    password_error,
    pick_locale,
)
from clinic.domain.shared import ValidationFailed


class RequestPasswordReset:
    """Email a reset link if the address is known; the caller's answer is the same either way."""

    def __init__(self, uow_factory: UnitOfWorkFactory, composer: EmailComposer, clock: Clock,
                 dispatcher: OutboxDispatcher) -> None:
        self.uow_factory = uow_factory
        self.composer = composer
        self.clock = clock
        self.dispatcher = dispatcher

    def __call__(self, email: str, locale: str | None, link_for: Callable[[str], str]) -> None:
        code = email_error(email)
        if code:
            raise ValidationFailed({"email": code})
        with self.uow_factory(ANY_CLINIC) as uow:
            user = uow.users.get_by_email(normalize_email(email))
            if user is None or user.disabled:
                return
            now = self.clock.now()
            token = new_token()
            uow.password_resets.add(PasswordReset.issue(user.id, token_hash(token), now))
            email_message = self.composer.compose(
                "password_reset", pick_locale(user.locale or locale), user.email,
                {"name": user.name, "link": link_for(token),
                 "minutes": int(PASSWORD_RESET_TTL.total_seconds() // 60)},
            )
            message = OutboxMessage.email(email_message, now)
            uow.outbox.add(message)
            uow.commit()
        self.dispatcher.dispatch([message.id])


class CheckResetLink:
    """Whether a reset link can still be used (to show the form or say it has expired)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, token: str) -> bool:
        with self.uow_factory(ANY_CLINIC) as uow:
            reset = uow.password_resets.get_by_token_hash(token_hash(token))
            return bool(reset and reset.used_at is None and self.clock.now() < reset.expires_at)


class ResetPassword:
    """Set a new password through a valid link; every other session of that user ends."""

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher,
                 clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.hasher = hasher
        self.clock = clock

    def __call__(self, token: str, password: str) -> SignedIn:
        general = password_error(password)  # the general rule first, before any database work
        if general:
            raise ValidationFailed({"password": general})
        with self.uow_factory(ANY_CLINIC) as uow:
            reset = uow.password_resets.get_by_token_hash(token_hash(token))
            if reset is None:
                raise ResetLinkInvalid()
            reset.use(self.clock.now())
            user = uow.users.get(reset.user_id)
            if user is None or user.disabled:
                raise ResetLinkInvalid()
            code = password_error(password, (user.email, *self._clinic_names(uow, user.id)))
            if code:
                raise ValidationFailed({"password": code})
            password_hash = self.hasher.hash(password)
            user.change_password(password_hash)  # ends every session (a new version)
            uow.web_sessions.remove_all_of(user.id)
            revoke_api_tokens(uow, user.id, self.clock.now())
            memberships = sorted(uow.memberships.for_user(user.id), key=lambda m: m.created_at)
            uow.commit()
            clinic_id = memberships[0].clinic_id if memberships else None
            return SignedIn(user.id, clinic_id, user.session_version, user.locale)

    @staticmethod
    def _clinic_names(uow: UnitOfWork, user_id: uuid.UUID) -> list[str]:
        clinics = (uow.clinics.get(m.clinic_id) for m in uow.memberships.for_user(user_id))
        return [clinic.name for clinic in clinics if clinic is not None]
