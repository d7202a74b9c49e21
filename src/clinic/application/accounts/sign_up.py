"""Create a clinic with its owner in one step, and sign the owner in."""

from __future__ import annotations

import uuid
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
    UnitOfWork,
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
from clinic.domain.referrals import (
    OwnPromoCode,
    PromoCodeUnknown,
    new_promo_code,
    normalize_code,
)
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
    promo_code: str = ""  # another clinic's partner code (optional; only ever given here)


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


def referrer_of(uow: UnitOfWork, raw_code: str, email: str, errors: dict[str, str],
                own_code_is_error: bool = True) -> uuid.UUID | None:
    """The clinic whose partner code was given (none given: None). A code nobody has is a field
    error; so is one of the very person signing up (a clinic cannot refer itself), unless the
    caller must not say that this email owns a clinic (then it is simply not a referral)."""
    if not raw_code.strip():
        return None
    code = normalize_code(raw_code)
    referrer = uow.clinics.by_promo_code(code) if code else None
    if referrer is None:
        errors["promo_code"] = PromoCodeUnknown.code
        return None
    owners = [uow.users.get(m.user_id) for m in uow.memberships.for_clinic(referrer.id)
              if m.role is Role.OWNER]
    if any(owner is not None and owner.email == email for owner in owners):
        if own_code_is_error:
            errors["promo_code"] = OwnPromoCode.code
        return None
    return referrer.id


def _free_code(uow: UnitOfWork, clinic_name: str) -> str:
    """A new clinic's own partner code, one no other clinic has."""
    while True:
        code = new_promo_code(clinic_name)
        if uow.clinics.by_promo_code(code) is None:
            return code


def check_new_clinic(uow: UnitOfWork, command: SignUpCommand, *,
                     reveal_accounts: bool = True) -> tuple[uuid.UUID | None, bool]:
    """Every field of the form checked at once: the referring clinic (None: no code given),
    and whether the email already has an account. With `reveal_accounts=False` no error says
    anything about an existing account (the web's sign-up answers alike for every email)."""
    errors: dict[str, str] = {}
    try:
        check_sign_up(command.clinic_name, command.owner_name, command.email, command.password)
    except ValidationFailed as error:
        errors.update(error.errors)
    email = normalize_email(command.email)
    referrer = referrer_of(uow, command.promo_code, email, errors,
                           own_code_is_error=reveal_accounts)
    if errors:
        raise ValidationFailed(errors)
    return referrer, uow.users.get_by_email(email) is not None


def open_clinic(uow: UnitOfWork, command: SignUpCommand, password_hash: str,
                referrer: uuid.UUID | None, now: datetime) -> SignedIn:
    """Add the clinic, its owner and its starter records to the unit of work (not committed)."""
    email = normalize_email(command.email)
    locale = pick_locale(command.locale)
    if uow.users.get_by_email(email) is not None:
        raise EmailAlreadyTaken()
    russian = locale == "ru"
    clinic = Clinic(
        name=command.clinic_name.strip(), timezone=_timezone(command.timezone),
        currency="RUB" if russian else "USD", country="RU" if russian else "US",
        locale=locale, created_at=now, referred_by=referrer,
    )
    user = User(email=email, name=command.owner_name.strip(), password_hash=password_hash,
                created_at=now, locale=locale)
    clinic.promo_code = _free_code(uow, clinic.name)
    uow.clinics.add(clinic)
    uow.users.add(user)
    uow.memberships.add(Membership(clinic.id, user.id, Role.OWNER, created_at=now))
    for repository, record in _starter_records(clinic, user, command, now):
        getattr(uow, repository).add(record)
    return SignedIn(user.id, clinic.id, user.session_version, locale)


class SignUp:
    """A clinic and its owner at once, signed in (the demo, the operator and tests; people on
    the web confirm their email first: `sign_up_by_email`)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher,
                 clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.hasher = hasher
        self.clock = clock

    def __call__(self, command: SignUpCommand) -> SignedIn:
        with self.uow_factory(ANY_CLINIC) as uow:
            referrer, taken = check_new_clinic(uow, command)
            if taken:
                raise ValidationFailed({"email": EmailAlreadyTaken.code})
        # Hashing is slow on purpose, so it happens outside the transaction.
        password_hash = self.hasher.hash(command.password)
        with self.uow_factory(ANY_CLINIC) as uow:
            try:
                signed_in = open_clinic(uow, command, password_hash, referrer, self.clock.now())
                uow.commit()
            except (EmailAlreadyTaken, Conflict):  # a concurrent sign-up won the unique email
                raise ValidationFailed({"email": EmailAlreadyTaken.code}) from None
        return signed_in
