"""Read models for pages, the API and the ops CLI, and the port that answers them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from clinic.domain.accounts import DEFAULT_BOOKING_STEP, WorkingHours


@dataclass(frozen=True)
class SessionUser:
    """Who is signed in and in which clinic, loaded once per request."""

    user_id: uuid.UUID
    email: str
    name: str
    locale: str | None
    session_version: int
    clinic_id: uuid.UUID | None
    clinic_name: str | None
    clinic_status: str | None
    role: str | None
    clinic_country: str | None = None
    clinic_currency: str | None = None
    clinic_timezone: str | None = None
    calendar_view: str | None = None  # what their calendar showed last, in this clinic
    # Beyond the seats the clinic pays for (after a lapse, the latest joined first): they
    # sign in and read, but change nothing until the clinic pays again.
    read_only: bool = False
    # The clinic's calendar version as this request began: a calendar drawn now shows every
    # change up to it (moved by each change the calendar shows, in that change's transaction).
    calendar_version: int = 0


@dataclass(frozen=True)
class PollSession:
    """What an open calendar's poll needs of its browser's session (every 2 s, so no more):
    the session version, the person's role in the chosen clinic (None: not a member), the
    clinic's status and its calendar version."""

    session_version: int
    role: str | None
    clinic_status: str | None
    calendar_version: int


@dataclass(frozen=True)
class ClinicDetails:
    id: uuid.UUID
    name: str
    timezone: str
    currency: str
    country: str
    locale: str
    working_days: list[int]
    opens_at: str
    closes_at: str
    booking_step_minutes: int = DEFAULT_BOOKING_STEP

    @property
    def booking_step(self) -> timedelta:
        """Where a tap on the calendar books: at this step (5, 10 or 15 minutes)."""
        return timedelta(minutes=self.booking_step_minutes)

    @property
    def hours(self) -> WorkingHours:
        """The one parse of the clinic's working days and hours (domain.accounts)."""
        return WorkingHours.parse("".join(map(str, self.working_days)), self.opens_at,
                                  self.closes_at, self.timezone)


@dataclass(frozen=True)
class TenantRow:
    id: uuid.UUID
    name: str
    created_at: datetime
    owner_email: str | None
    status: str


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    failed: int
    sent: int


@dataclass(frozen=True)
class TokenRow:
    """An API token as authentication needs it: whose, for which clinic, still valid?"""

    id: uuid.UUID
    clinic_id: uuid.UUID
    created_by: uuid.UUID | None
    active: bool
    clinic_status: str
    owner_id: uuid.UUID | None = None  # the clinic's owner, for whom an operator's token acts


class AccountQueries(Protocol):
    def session_user(self, user_id: uuid.UUID, clinic_id: uuid.UUID | None) -> SessionUser | None:
        """The user and, when they are a member of it, the chosen clinic; one round trip."""
        ...

    def web_session_user(self, user_id: uuid.UUID, clinic_id: uuid.UUID | None,
                         session_hash: str, now: datetime) -> SessionUser | None:
        """`session_user`, only while that browser's session record exists and is unexpired
        (still one round trip: it runs on every request)."""
        ...

    def poll_session(self, user_id: uuid.UUID, clinic_id: uuid.UUID | None, session_hash: str,
                     now: datetime) -> PollSession | None:
        """`web_session_user` cut to what the calendar's poll needs: the same conditions (the
        session record there and unexpired, the account enabled, the membership of that
        clinic), one small indexed round trip; None when the session is not valid."""
        ...

    def clinic_details(self, clinic_id: uuid.UUID) -> ClinicDetails | None: ...

    def api_token(self, token_hash: str) -> TokenRow | None:
        """The token with this hash, revoked or not, and its clinic's status."""
        ...

    def tenants(self, status: str | None = None) -> Sequence[TenantRow]: ...

    def outbox_status(self) -> OutboxStatus: ...
