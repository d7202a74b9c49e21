"""Sign out everywhere, and remember the language a person chose."""

from __future__ import annotations

import uuid

from clinic.application.ports import ANY_CLINIC, UnitOfWorkFactory
from clinic.domain.accounts import SUPPORTED_LOCALES


class SignOutEverywhere:
    """Every session of this user, on every device, ends at its next request."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, user_id: uuid.UUID) -> None:
        with self.uow_factory(ANY_CLINIC) as uow:
            user = uow.users.get(user_id)
            if user is not None:
                user.end_all_sessions()
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
