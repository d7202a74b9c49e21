"""Create a clinic with its owner in one step, and sign the owner in."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clinic.application.accounts.signed_in import SignedIn
from clinic.application.ports import (
    ANY_CLINIC,
    Clock,
    Conflict,
    PasswordHasher,
    UnitOfWorkFactory,
)
from clinic.domain.accounts import (
    DEFAULT_TIMEZONE,
    Clinic,
    EmailAlreadyTaken,
    Membership,
    Role,
    User,
    check_sign_up,
    normalize_email,
    pick_locale,
)
from clinic.domain.shared import ValidationFailed


@dataclass(frozen=True)
class SignUpCommand:
    clinic_name: str
    owner_name: str
    email: str
    password: str
    locale: str | None = None
    timezone: str | None = None


def _timezone(name: str | None) -> str:
    if not name or len(name) > 64:
        return DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_TIMEZONE
    return name


class SignUp:
    """The first thing a user does: their clinic, themselves as its owner, signed in."""

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher,
                 clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.hasher = hasher
        self.clock = clock

    def __call__(self, command: SignUpCommand) -> SignedIn:
        check_sign_up(command.clinic_name, command.owner_name, command.email, command.password)
        email = normalize_email(command.email)
        locale = pick_locale(command.locale)
        with self.uow_factory(ANY_CLINIC) as uow:
            if uow.users.get_by_email(email) is not None:
                raise ValidationFailed({"email": EmailAlreadyTaken.code})
        # Hashing is slow on purpose, so it happens outside the transaction.
        password_hash = self.hasher.hash(command.password)
        now = self.clock.now()
        russian = locale == "ru"
        clinic = Clinic(
            name=command.clinic_name.strip(), timezone=_timezone(command.timezone),
            currency="RUB" if russian else "USD", country="RU" if russian else "US",
            locale=locale, created_at=now,
        )
        user = User(email=email, name=command.owner_name.strip(), password_hash=password_hash,
                    created_at=now, locale=locale)
        with self.uow_factory(ANY_CLINIC) as uow:
            if uow.users.get_by_email(email) is not None:
                raise ValidationFailed({"email": EmailAlreadyTaken.code})
            uow.clinics.add(clinic)
            uow.users.add(user)
            uow.memberships.add(Membership(clinic.id, user.id, Role.OWNER, created_at=now))
            try:
                uow.commit()
            except Conflict:  # a concurrent sign-up won the unique email
                raise ValidationFailed({"email": EmailAlreadyTaken.code}) from None
        return SignedIn(user.id, clinic.id, user.session_version, locale)
