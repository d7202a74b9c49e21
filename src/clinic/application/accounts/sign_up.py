"""Create a clinic with its owner in one step, and sign the owner in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from clinic.application.accounts.clinic_settings import timezone_error
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
from clinic.domain.catalog import STARTER_PROCEDURES, Doctor, Procedure, Room, pick_color
from clinic.domain.shared import Money, ValidationFailed


@dataclass(frozen=True)
class StarterKit:
    """What a new clinic starts with, named in its language by the caller."""

    room_name: str
    procedure_names: dict[str, str] = field(default_factory=dict)  # STARTER_PROCEDURES key


@dataclass(frozen=True)
class SignUpCommand:
    clinic_name: str
    owner_name: str
    email: str
    password: str
    locale: str | None = None
    timezone: str | None = None
    treats_patients: bool = True
    starter: StarterKit | None = None


def _starter_records(clinic: Clinic, user: User, command: SignUpCommand,
                     now: datetime) -> list[tuple[str, object]]:
    """One room, the owner as a doctor if they treat patients, and the starter price list."""
    starter = command.starter or StarterKit(room_name="Room 1")
    records: list[tuple[str, object]] = [
        ("rooms", Room(clinic.id, starter.room_name, None, created_at=now))]
    if command.treats_patients:
        records.append(("doctors", Doctor(clinic.id, " ".join(user.name.split()),
                                          pick_color([]), created_at=now, user_id=user.id)))
    for key, minutes, prices in STARTER_PROCEDURES:
        price = Money.from_decimal(Decimal(prices.get(clinic.currency, 0)), clinic.currency)
        records.append(("procedures", Procedure(
            clinic.id, starter.procedure_names.get(key, key.replace("_", " ").capitalize()),
            price.amount_minor, price.currency, minutes, created_at=now)))
    return records


def _timezone(name: str | None) -> str:
    return name if name and timezone_error(name) is None else DEFAULT_TIMEZONE


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
            for repository, record in _starter_records(clinic, user, command, now):
                getattr(uow, repository).add(record)
            try:
                uow.commit()
            except Conflict:  # a concurrent sign-up won the unique email
                raise ValidationFailed({"email": EmailAlreadyTaken.code}) from None
        return SignedIn(user.id, clinic.id, user.session_version, locale)
