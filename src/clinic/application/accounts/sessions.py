"""Browser sessions (start, end, end everywhere), and remember the language a person chose."""

from __future__ import annotations

import uuid
from datetime import datetime

from clinic.application.accounts.secrets import new_token, token_hash
from clinic.application.ports import ANY_CLINIC, Clock, UnitOfWork, UnitOfWorkFactory
from clinic.domain.accounts import SUPPORTED_LOCALES, User, WebSession


def end_every_session(uow: UnitOfWork, user: User) -> None:
    """Every browser of this person is signed out at its next request."""
    user.end_all_sessions()
    uow.web_sessions.remove_all_of(user.id)


def revoke_api_tokens(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> None:
    """The API tokens this person made stop, in every clinic (a reset or a disabled account:
    whoever had the password may have made one)."""
    for token in uow.api_tokens.made_by(user_id):
        token.revoke(now)


class StartWebSession:
    """A new session record for a browser that just signed in; the secret goes in its cookie."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, user_id: uuid.UUID) -> str:
        secret = new_token()
        now = self.clock.now()
        with self.uow_factory(ANY_CLINIC) as uow:
            uow.web_sessions.remove_all_of(user_id, now)  # expired ones of this person
            uow.web_sessions.add(WebSession.start(user_id, token_hash(secret), now))
            uow.commit()
        return secret


class EndWebSession:
    """Sign out: the record goes, so the cookie (and any copy of it) no longer opens a page."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, secret: str) -> None:
        with self.uow_factory(ANY_CLINIC) as uow:
            found = uow.web_sessions.get_by_hash(token_hash(secret))
            if found is not None:
                uow.web_sessions.remove(found)
                uow.commit()


class SignOutEverywhere:
    """Every session of this user, on every device, ends at its next request."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, user_id: uuid.UUID) -> None:
        with self.uow_factory(ANY_CLINIC) as uow:
            user = uow.users.get(user_id)
            if user is not None:
                end_every_session(uow, user)
                uow.commit()


class ChooseLanguage:
    """Keep the interface language a signed-in person picked, for every device."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, user_id: uuid.UUID, locale: str) -> None:
        if locale not in SUPPORTED_LOCALES:
            return
        with self.uow_factory(ANY_CLINIC) as uow:
            user = uow.users.get(user_id)
            if user is not None and user.locale != locale:
                user.locale = locale
                uow.commit()
