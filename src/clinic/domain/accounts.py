"""Clinics, the people who use them, and how they prove who they are."""

from __future__ import annotations

import enum
import gzip
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from clinic.domain.shared import DomainError, ValidationFailed, new_id

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 120
PASSWORD_RESET_TTL = timedelta(hours=1)
SIGN_UP_LINK_TTL = timedelta(hours=24)
WEB_SESSION_TTL = timedelta(days=14)  # as long as the session cookie lives
SUPPORTED_LOCALES = ("ru", "en")
ERASED_NAME = "Deleted user"
DEFAULT_TIMEZONE = "Europe/Moscow"
DEFAULT_WORKING_DAYS = "123456"  # ISO weekdays: Monday to Saturday
DEFAULT_OPENS, DEFAULT_CLOSES = "08:00", "20:00"
# A tap on the calendar books at this step (minutes); each divides an hour.
BOOKING_STEPS = (5, 10, 15)
DEFAULT_BOOKING_STEP = 15
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")

# Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is proven by email.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


class Role(enum.StrEnum):
    """What a member may do in a clinic."""

    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"


class ClinicStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class EmailAlreadyTaken(DomainError):
    code = "email_taken"


class OwnsClinics(DomainError):
    """An owner's account cannot be erased while it owns clinics: hand them over first."""

    code = "owns_clinics"

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


class InvalidCredentials(DomainError):
    """Wrong email or password; deliberately does not say which."""

    code = "invalid_credentials"


class ResetLinkInvalid(DomainError):
    """The password-reset link was used already, has expired, or never existed."""

    code = "reset_link_invalid"


class SignUpLinkInvalid(DomainError):
    """The link that opens a new clinic was used already, has expired, or never existed."""

    code = "sign_up_link_invalid"


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def email_error(raw: str) -> str | None:
    """An error code for a malformed email, or None."""
    email = normalize_email(raw)
    if not email:
        return "required"
    if len(email) > 254 or not _EMAIL_RE.match(email):
        return "email_invalid"
    return None


@cache
def common_passwords() -> frozenset[str]:
    """The 20,000 passwords people choose most (domain/data/README.md says whence)."""
    data = resources.files("clinic.domain").joinpath("data/common-passwords.txt.gz")
    return frozenset(gzip.decompress(data.read_bytes()).decode().split())


MIN_PERSONAL_WORD = 4  # shorter parts of a name or an email are too common to refuse
MIN_DISTINCT_CHARACTERS = 3


def password_error(password: str, personal: Iterable[str] = ()) -> str | None:
    """The password rule in one line: at least 8 characters, not a common password, and not
    made of the email or the clinic's name (NIST SP 800-63B; no rules about symbols)."""
    if not password:
        return "required"
    if len(password) < MIN_PASSWORD_LENGTH:
        return "password_too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "password_too_long"
    folded = password.strip().casefold()
    if not folded:
        return "password_blank"
    if folded in common_passwords() or len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        return "password_common"  # "........" and "abababab" are guessed as early
    if any(word in folded for word in _personal_words(personal)):
        return "password_personal"
    return None


def _personal_words(texts: Iterable[str]) -> set[str]:
    """An email's part before the @ and whole names, as a person would type them."""
    words: set[str] = set()
    for text in texts:
        folded = text.strip().casefold()
        for word in (folded, folded.split("@", 1)[0], "".join(folded.split())):
            if len(word) >= MIN_PERSONAL_WORD:
                words.add(word)
    return words


def name_error(raw: str) -> str | None:
    name = raw.strip()
    if not name:
        return "required"
    if len(name) > MAX_NAME_LENGTH:
        return "too_long"
    return None


def check_sign_up(clinic_name: str, owner_name: str, email: str, password: str) -> None:
    """Raise ValidationFailed naming every field at fault, so the form can show all at once."""
    errors = {
        name: code
        for name, code in (
            ("clinic_name", name_error(clinic_name)),
            ("name", name_error(owner_name)),
            ("email", email_error(email)),
            ("password", password_error(password, (email, clinic_name))),
        )
        if code
    }
    if errors:
        raise ValidationFailed(errors)


def working_hours_errors(days: list[int], opens: str, closes: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not days or any(day not in range(1, 8) for day in days):
        errors["working_days"] = "days_required"
    if not _HHMM.fullmatch(opens):
        errors["opens_at"] = "time_invalid"
    if not _HHMM.fullmatch(closes):
        errors["closes_at"] = "time_invalid"
    if "opens_at" not in errors and "closes_at" not in errors and opens >= closes:
        errors["closes_at"] = "hours_order"
    return errors


def booking_step_error(minutes: int) -> str | None:
    return None if minutes in BOOKING_STEPS else "booking_step_invalid"


def pick_locale(locale: str | None) -> str:
    return locale if locale in SUPPORTED_LOCALES else "en"


@dataclass(frozen=True)
class WorkingHours:
    """The clinic's working days and hours in its own zone, parsed once from what it keeps
    (`working_days` "123456", `opens_at` "08:00", `closes_at` "20:00", its time zone)."""

    days: frozenset[int]  # ISO weekdays: 1 is Monday
    opens: time
    closes: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, days: str, opens: str, closes: str, timezone: str) -> WorkingHours:
        return cls(frozenset(int(day) for day in days), time.fromisoformat(opens),
                   time.fromisoformat(closes), ZoneInfo(timezone))

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.days

    def contains(self, start: datetime, end: datetime) -> bool:
        """Whether a visit from `start` to `end` lies within one working day's hours."""
        start, end = start.astimezone(self.zone), end.astimezone(self.zone)
        return (self.is_working_day(start.date()) and start.date() == end.date()
                and self.opens <= start.time() and end.time() <= self.closes)

    def open_on(self, day: date) -> tuple[datetime, datetime] | None:
        """From opening to closing on a local day, or None if the clinic is closed then."""
        if not self.is_working_day(day):
            return None
        return (datetime.combine(day, self.opens, self.zone),
                datetime.combine(day, self.closes, self.zone))

    def openings(self, first: date, days: int) -> list[datetime]:
        """The opening moment of each of `days` days from `first` (working or not)."""
        return [datetime.combine(first + timedelta(days=n), self.opens, self.zone)
                for n in range(days)]


@dataclass(eq=False)
class Clinic:
    """A dental clinic: the tenant that owns every other record."""

    name: str
    timezone: str
    currency: str
    country: str
    locale: str
    created_at: datetime
    status: ClinicStatus = ClinicStatus.ACTIVE
    working_days: str = DEFAULT_WORKING_DAYS
    opens_at: str = DEFAULT_OPENS
    closes_at: str = DEFAULT_CLOSES
    booking_step_minutes: int = DEFAULT_BOOKING_STEP
    promo_code: str | None = None  # the partner programme's code: others sign up with it
    referred_by: uuid.UUID | None = None  # the clinic whose code it signed up with; never changes
    suspended_at: datetime | None = None
    suspended_reason: str | None = None  # the operator's words; the members see a plain notice
    id: uuid.UUID = field(default_factory=new_id)

    def suspend(self, reason: str, now: datetime) -> None:
        """Members see a notice instead of the clinic, the API answers 403; nothing is deleted."""
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationFailed({"reason": "required"})
        self.status, self.suspended_at, self.suspended_reason = (
            ClinicStatus.SUSPENDED, now, reason[:200])

    def resume(self) -> None:
        self.status, self.suspended_at, self.suspended_reason = ClinicStatus.ACTIVE, None, None

    @property
    def working_weekdays(self) -> list[int]:
        return [int(day) for day in self.working_days]

    @property
    def hours(self) -> WorkingHours:
        return WorkingHours.parse(self.working_days, self.opens_at, self.closes_at,
                                  self.timezone)


@dataclass(eq=False)
class User:
    """A person who signs in; may belong to several clinics through memberships."""

    email: str
    name: str
    password_hash: str
    created_at: datetime
    locale: str | None = None
    session_version: int = 1
    disabled: bool = False
    id: uuid.UUID = field(default_factory=new_id)

    def end_all_sessions(self) -> None:
        """Every session signed with an older version stops working on its next request."""
        self.session_version += 1

    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.end_all_sessions()

    def erase(self) -> None:
        """At the person's request: name and email wiped, no password can match, no sign-in
        ever again. What they did stays under their id. Their sessions are ended by the one
        rule that ends them (`end_every_session`, called by `EraseUser`)."""
        self.name = ERASED_NAME
        self.email = f"erased-{self.id.hex}@erased.invalid"
        self.password_hash = "!erased"  # noqa: S105 - not a hash: no password matches it
        self.locale = None
        self.disabled = True


@dataclass(eq=False)
class Membership:
    """A user's place in a clinic, with their role."""

    clinic_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    created_at: datetime
    calendar_view: str | None = None  # what their calendar last showed, to show it again
    id: uuid.UUID = field(default_factory=new_id)


@dataclass(eq=False)
class PasswordReset:
    """A single-use, short-lived permission to set a new password; only the token's hash is kept."""

    user_id: uuid.UUID
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def issue(cls, user_id: uuid.UUID, token_hash: str, now: datetime) -> PasswordReset:
        return cls(user_id, token_hash, created_at=now, expires_at=now + PASSWORD_RESET_TTL)

    def use(self, now: datetime) -> None:
        if self.used_at is not None or now >= self.expires_at:
            raise ResetLinkInvalid()
        self.used_at = now


@dataclass(eq=False)
class PendingSignUp:
    """A sign-up waiting for its email to be confirmed. Nothing is created before the emailed
    link is opened, so the form answers alike whether or not the email has an account (that
    account's owner gets a notice instead). Only the link token's hash is kept."""

    token_hash: str
    email: str
    clinic_name: str
    owner_name: str
    password_hash: str
    locale: str
    timezone: str
    treats_patients: bool
    promo_code: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def use(self, now: datetime) -> None:
        if not self.usable(now):
            raise SignUpLinkInvalid()
        self.used_at = now


@dataclass(eq=False)
class WebSession:
    """One signed-in browser. Its cookie carries a secret; only the secret's hash is kept, and
    signing out deletes the record, so a copy of the cookie is useless from then on."""

    user_id: uuid.UUID
    token_hash: str
    created_at: datetime
    expires_at: datetime
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def start(cls, user_id: uuid.UUID, token_hash: str, now: datetime) -> WebSession:
        return cls(user_id, token_hash, created_at=now, expires_at=now + WEB_SESSION_TTL)


@dataclass(eq=False)
class ApiToken:
    """A clinic's key to the JSON API; the secret is shown once and only its hash is kept."""

    clinic_id: uuid.UUID
    name: str
    token_hash: str
    prefix: str
    created_at: datetime
    created_by: uuid.UUID | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
