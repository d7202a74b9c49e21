"""What a clinic may use: chairs (active rooms) and seats (people other than the owner), against
what it has paid for. Nothing is ever deleted when a subscription lapses: what is beyond the
allowance is frozen (rooms take no new visits, people only read) until it is paid again."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from clinic.domain.shared import DomainError, Event, new_id

FREE_CHAIRS = 2
CHAIR_PRICE_CENTS = 500  # USD a month, for each chair beyond the free ones
SEAT_PRICE_CENTS = 100  # USD a month, for each person beyond the owner
BILLING_CURRENCY = "USD"


class SubscriptionStatus(enum.StrEnum):
    NONE = "none"  # never paid: the free allowance
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a payment failed; Stripe is still retrying: the licence holds
    LAPSED = "lapsed"  # unpaid past the retries, or cancelled: back to the free allowance


class ChairLimitReached(DomainError):
    code = "chair_limit"

    def __init__(self, in_use: int, allowed: int) -> None:
        super().__init__(f"{in_use} chairs in use, {allowed} allowed")
        self.in_use, self.allowed = in_use, allowed


class SeatLimitReached(DomainError):
    code = "seat_limit"

    def __init__(self, in_use: int, allowed: int) -> None:
        super().__init__(f"{in_use} seats in use, {allowed} allowed")
        self.in_use, self.allowed = in_use, allowed


class LowerThanInUse(DomainError):
    """Fewer paid chairs or seats than are in use: archive rooms or remove people first."""

    code = "lower_than_in_use"

    def __init__(self, chairs_over: int, seats_over: int) -> None:
        super().__init__(f"{chairs_over} chair(s), {seats_over} seat(s) too many")
        self.chairs_over, self.seats_over = chairs_over, seats_over


@dataclass(frozen=True)
class Licence:
    """What was really paid (as Stripe last confirmed it)."""

    status: SubscriptionStatus = SubscriptionStatus.NONE
    paid_chairs: int = 0
    paid_seats: int = 0
    period_end: datetime | None = None

    @property
    def holds(self) -> bool:
        return self.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)

    @property
    def held_chairs(self) -> int:
        """The paid extra chairs in force: none unless the licence holds."""
        return self.paid_chairs if self.holds else 0

    @property
    def held_seats(self) -> int:
        return self.paid_seats if self.holds else 0

    @property
    def allowed_chairs(self) -> int:
        return FREE_CHAIRS + self.held_chairs

    @property
    def allowed_seats(self) -> int:
        return self.held_seats

    @property
    def monthly_cents(self) -> int:
        """What the licence costs a month: the extras in force (nothing on the free plan)."""
        return monthly_cents(self.held_chairs, self.held_seats)


def monthly_cents(extra_chairs: int, extra_seats: int) -> int:
    """The monthly price of extra chairs and seats, in cents of `BILLING_CURRENCY`."""
    return extra_chairs * CHAIR_PRICE_CENTS + extra_seats * SEAT_PRICE_CENTS


def to_cover(licence: Licence, active_rooms: int, seats_in_use: int) -> tuple[int, int]:
    """The extra (chairs, seats) that paying again must cover: what is paid and in force, and
    at least everything in use (after a lapse that may be more)."""
    return (max(licence.held_chairs, active_rooms - FREE_CHAIRS),
            max(licence.held_seats, seats_in_use))


def check_can_add_chair(active_rooms: int, licence: Licence) -> None:
    """Adding or restoring a room: refused beyond the allowance (the page offers to pay)."""
    if active_rooms + 1 > licence.allowed_chairs:
        raise ChairLimitReached(active_rooms + 1, licence.allowed_chairs)


def check_can_add_seat(seats_in_use: int, licence: Licence) -> None:
    """Inviting a person: members other than the owner plus pending invitations are seats."""
    if seats_in_use + 1 > licence.allowed_seats:
        raise SeatLimitReached(seats_in_use + 1, licence.allowed_seats)


def check_can_lower(chairs: int, seats: int, active_rooms: int, seats_in_use: int) -> None:
    """A lower quantity (from the end of the paid period) must still cover what is in use."""
    chairs_over = max(0, active_rooms - (FREE_CHAIRS + chairs))
    seats_over = max(0, seats_in_use - seats)
    if chairs_over or seats_over:
        raise LowerThanInUse(chairs_over, seats_over)


@dataclass(frozen=True)
class Dated:
    """A room or a member with the moment it came: the latest beyond the allowance freeze."""

    id: uuid.UUID
    since: datetime


def beyond_allowance(items: Sequence[Dated], allowed: int) -> set[uuid.UUID]:
    """The ids beyond `allowed`, the latest first to go: the oldest keep working."""
    ordered = sorted(items, key=lambda item: (item.since, str(item.id)))
    return {item.id for item in ordered[max(allowed, 0):]}


@dataclass(eq=False)
class Subscription:
    """A clinic's paid extras as the payment provider last confirmed them."""

    clinic_id: uuid.UUID
    updated_at: datetime
    status: SubscriptionStatus = SubscriptionStatus.NONE
    paid_chairs: int = 0
    paid_seats: int = 0
    period_end: datetime | None = None
    customer_ref: str | None = None  # Stripe's customer id (or the test gateway's)
    subscription_ref: str | None = None
    # Lower numbers the provider already bills from the next period: until `period_end` the
    # clinic keeps what it paid for this one.
    next_chairs: int | None = None
    next_seats: int | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @property
    def licence(self) -> Licence:
        return Licence(self.status, self.paid_chairs, self.paid_seats, self.period_end)

    def sync(self, status: SubscriptionStatus, chairs: int, seats: int,
             period_end: datetime | None, now: datetime) -> bool:
        """Take the provider's current state (read from it, never from an event's copy, so
        events arriving out of order cannot roll the licence back); True if anything changed.
        A decrease within the paid period is kept for later: the licence stays as paid until
        the period ends (the provider renews with the lower numbers, a new period_end)."""
        chairs, seats = max(chairs, 0), max(seats, 0)
        next_chairs = next_seats = None
        same_period = (self.licence.holds and status in (SubscriptionStatus.ACTIVE,
                                                         SubscriptionStatus.PAST_DUE)
                       and period_end is not None and period_end == self.period_end)
        if same_period and (chairs < self.paid_chairs or seats < self.paid_seats):
            next_chairs, next_seats = chairs, seats
            chairs, seats = max(chairs, self.paid_chairs), max(seats, self.paid_seats)
        new = (status, chairs, seats, period_end, next_chairs, next_seats)
        old = (self.status, self.paid_chairs, self.paid_seats, self.period_end,
               self.next_chairs, self.next_seats)
        if new == old:
            return False
        (self.status, self.paid_chairs, self.paid_seats, self.period_end, self.next_chairs,
         self.next_seats) = new
        self.updated_at = now
        return True


class PaymentKind(enum.StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


@dataclass(eq=False)
class Payment:
    """Money received (or given back): integer cents, kept with the clinic's name so the record
    outlives the clinic. `external_ref` (the invoice or refund id) is unique: a replayed event
    records nothing twice."""

    clinic_id: uuid.UUID | None
    clinic_name: str
    kind: PaymentKind
    amount_cents: int
    currency: str
    external_ref: str
    created_at: datetime
    invoice_url: str | None = None
    id: uuid.UUID = field(default_factory=new_id)


@dataclass(frozen=True)
class PaymentReceived(Event):
    """Published after a payment is recorded; the partner programme listens."""

    payment_id: uuid.UUID
    clinic_id: uuid.UUID
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class PaymentRefunded(Event):
    payment_id: uuid.UUID
    clinic_id: uuid.UUID
    amount_cents: int
    currency: str
