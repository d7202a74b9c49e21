"""The licence of a clinic, paying for more, and keeping the local state true to the provider."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from clinic.application.authorization import authorize
from clinic.application.billing.allowance import (
    Usage,
    frozen_members,
    frozen_rooms,
    licence_of,
    usage,
)
from clinic.application.billing.ports import (
    CompletedCheckout,
    LocalCheckout,
    PaymentGateway,
)
from clinic.application.events import EventBus
from clinic.application.ports import Clock, Conflict, UnitOfWorkFactory
from clinic.domain.licensing import (
    BILLING_CURRENCY,
    Licence,
    Payment,
    PaymentKind,
    PaymentReceived,
    PaymentRefunded,
    Subscription,
    SubscriptionStatus,
    check_can_lower,
    monthly_cents,
    to_cover,
)
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission

MAX_EXTRA = 500  # far beyond any clinic of 1-10 chairs; keeps a typo from costing a fortune


@dataclass(frozen=True)
class BillingOverview:
    licence: Licence
    usage: Usage
    payments: Sequence[Payment]
    test_mode: bool
    has_customer: bool
    customer_ref: str | None = None
    # Beyond the allowance (after a lapse): rooms that take no new visits, people who only read.
    frozen_rooms: Sequence[str] = ()
    frozen_people: Sequence[str] = ()
    next_numbers: tuple[int, int] | None = None  # (chairs, seats) from the next period on

    @property
    def monthly_cents(self) -> int:
        """What is paid a month now (0 on the free plan)."""
        return self.licence.monthly_cents

    @property
    def next_monthly_cents(self) -> int | None:
        """What will be paid a month from the next period on, when lower numbers are waiting."""
        return monthly_cents(*self.next_numbers) if self.next_numbers else None

    @property
    def to_cover(self) -> tuple[int, int]:
        """The extra (chairs, seats) that paying again must cover."""
        return to_cover(self.licence, self.usage.active_rooms, self.usage.seats_in_use)


class ShowBilling:
    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway,
                 clock: Clock) -> None:
        self.uow_factory, self.gateway, self.clock = uow_factory, gateway, clock

    def __call__(self, clinic_id: uuid.UUID) -> BillingOverview:
        with self.uow_factory(clinic_id) as uow:
            subscription = uow.billing.subscription(clinic_id)
            licence = licence_of(uow, clinic_id)
            frozen = frozen_rooms(uow, clinic_id)
            rooms = [room.name for room in uow.rooms.list() if room.id in frozen]
            people = [user.name for user_id in sorted(frozen_members(
                licence, list(uow.memberships.for_clinic(clinic_id))), key=str)
                if (user := uow.users.get(user_id)) is not None]
            return BillingOverview(
                licence, usage(uow, clinic_id, self.clock.now()),
                list(uow.billing.payments(clinic_id)), self.gateway.test_mode,
                bool(subscription and subscription.customer_ref),
                subscription.customer_ref if subscription else None, rooms, people,
                (subscription.next_chairs or 0, subscription.next_seats or 0)
                if subscription and subscription.next_chairs is not None else None)


def _quantity(raw: int, field: str) -> int:
    if not 0 <= raw <= MAX_EXTRA:
        raise ValidationFailed({field: "quantity_invalid"})
    return raw


class ChangePlan:
    """Pay for another number of extra chairs and seats. The first time goes through the
    provider's checkout (the answer is where to send the person); later an increase is
    charged at once and a decrease takes effect at the end of the paid period, refused while
    more is in use than the lower numbers allow."""

    requires = Permission.BILLING

    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway,
                 clock: Clock, reconcile: Callable[[uuid.UUID], object] | None = None) -> None:
        self.uow_factory, self.gateway, self.clock = uow_factory, gateway, clock
        self.reconcile = reconcile

    @property
    def applies_at_once(self) -> bool:
        """A change made without a checkout is in force when the call returns (test mode);
        with a provider that sends webhooks, once its payment is confirmed."""
        return not self.gateway.sends_webhooks

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, chairs: int, seats: int,
                 success_url: str, cancel_url: str) -> str | None:
        chairs, seats = _quantity(chairs, "chairs"), _quantity(seats, "seats")
        with self.uow_factory(clinic_id) as uow:
            actor, _clinic = authorize(uow, clinic_id, actor_id, self.requires)
            in_use = usage(uow, clinic_id, self.clock.now())
            check_can_lower(chairs, seats, in_use.active_rooms, in_use.seats_in_use)
            subscription = uow.billing.subscription(clinic_id)
        if subscription and subscription.subscription_ref and subscription.licence.holds:
            self.gateway.change_quantities(subscription.subscription_ref, chairs, seats)
            if self.reconcile is not None and not self.gateway.sends_webhooks:
                self.reconcile(clinic_id)  # no webhook will come: read the outcome back now
            return None
        start = self.gateway.start_checkout(
            clinic_id, subscription.customer_ref if subscription else None, actor.email,
            chairs, seats, success_url, cancel_url)
        return start.url


class SyncSubscription:
    """Make the local licence what the provider says now (read, never copied from an event)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway,
                 clock: Clock) -> None:
        self.uow_factory, self.gateway, self.clock = uow_factory, gateway, clock

    def __call__(self, clinic_id: uuid.UUID, subscription_ref: str) -> bool:
        current = self.gateway.current_subscription(subscription_ref)
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()
            if uow.clinics.get(clinic_id) is None:
                raise NotFound()
            now = self.clock.now()
            subscription = uow.billing.subscription(clinic_id)
            if subscription is None:
                subscription = Subscription(clinic_id, now)
                uow.billing.add_subscription(subscription)
            if current is None:
                changed = subscription.sync(SubscriptionStatus.LAPSED, subscription.paid_chairs,
                                            subscription.paid_seats, subscription.period_end,
                                            now)
            else:
                subscription.customer_ref = current.customer_ref
                subscription.subscription_ref = current.subscription_ref
                changed = subscription.sync(current.status, current.chairs, current.seats,
                                            current.period_end, now)
            uow.commit()
            return changed


class RecordPayment:
    """A payment or a refund, once per provider reference; the event is published after the
    commit, so a listener never sees a payment that was rolled back."""

    def __init__(self, uow_factory: UnitOfWorkFactory, events: EventBus, clock: Clock) -> None:
        self.uow_factory, self.events, self.clock = uow_factory, events, clock

    def __call__(self, clinic_id: uuid.UUID, kind: PaymentKind, external_ref: str,
                 amount_cents: int, currency: str = BILLING_CURRENCY,
                 invoice_url: str | None = None) -> Payment | None:
        if amount_cents < 0:
            raise ValidationFailed({"amount": "amount_invalid"})
        with self.uow_factory(clinic_id) as uow:
            uow.lock_for_writing()  # SQLite: no read-then-write race with a twin event
            clinic = uow.clinics.get(clinic_id)
            if clinic is None:
                raise NotFound()
            if uow.billing.payment(external_ref) is not None:
                return None  # a replay
            payment = Payment(clinic_id, clinic.name, kind, amount_cents, currency.upper(),
                              external_ref, self.clock.now(), invoice_url)
            uow.billing.add_payment(payment)
            try:
                uow.commit()
            except Conflict:  # the same event twice at once: the other one recorded it
                return None
        event_type = PaymentReceived if kind is PaymentKind.PAYMENT else PaymentRefunded
        self.events.publish(event_type(payment.id, clinic_id, amount_cents, payment.currency))
        return payment


class CompleteTestCheckout:
    """"Complete payment" on the test-mode checkout page: the same use cases as Stripe's
    webhooks (the licence synced from the provider, the payment recorded and published)."""

    def __init__(self, checkout: LocalCheckout, sync: SyncSubscription,
                 record: RecordPayment) -> None:
        self.checkout, self.sync, self.record = checkout, sync, record

    def pending(self, clinic_id: uuid.UUID, token: str) -> PendingCheckout | None:
        """The test-mode checkout a clinic was sent to (None: not this clinic's, or payments
        are real: the provider's own checkout page is used then)."""
        if not getattr(self.checkout, "test_mode", False) or not hasattr(self.checkout,
                                                                          "checkout"):
            return None
        found = self.checkout.checkout(token)
        if found is None or found["clinic_id"] != clinic_id:
            return None
        return PendingCheckout(int(str(found["chairs"])), int(str(found["seats"])),
                               bool(found.get("completed")))

    def __call__(self, token: str) -> CompletedCheckout | None:
        done = self.checkout.complete(token)
        if done is None:
            return None
        self.sync(done.clinic_id, done.subscription_ref)
        self.record(done.clinic_id, PaymentKind.PAYMENT, done.invoice_ref, done.amount_cents,
                    done.currency)
        return done


@dataclass(frozen=True)
class PendingCheckout:
    """What the test-mode checkout page shows."""

    chairs: int
    seats: int
    completed: bool

    @property
    def monthly_cents(self) -> int:
        return monthly_cents(self.chairs, self.seats)


class OpenCardPortal:
    """Where the owner manages the card and sees invoices (the provider's customer portal);
    None while nothing has been paid, and in test mode."""

    requires = Permission.BILLING

    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway) -> None:
        self.uow_factory, self.gateway = uow_factory, gateway

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID,
                 return_url: str) -> str | None:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            subscription = uow.billing.subscription(clinic_id)
        if self.gateway.test_mode:
            return None
        if subscription is None or not subscription.customer_ref:
            return None
        return self.gateway.portal_url(subscription.customer_ref, return_url)


class Reconcile:
    """Re-read the subscription and the recent invoices from the provider and fix the local
    state; a second run changes nothing."""

    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway,
                 sync: SyncSubscription, record: RecordPayment) -> None:
        self.uow_factory, self.gateway = uow_factory, gateway
        self.sync, self.record = sync, record

    def __call__(self, clinic_id: uuid.UUID) -> tuple[bool, int]:
        """(whether the licence changed, how many payments were missing and are now kept)."""
        with self.uow_factory(clinic_id) as uow:
            subscription = uow.billing.subscription(clinic_id)
        if subscription is None or not subscription.subscription_ref:
            return False, 0
        changed = self.sync(clinic_id, subscription.subscription_ref)
        added = 0
        if subscription.customer_ref:
            for invoice in self.gateway.recent_invoices(subscription.customer_ref):
                if self.record(clinic_id, PaymentKind.PAYMENT, invoice.ref,
                               invoice.amount_cents, invoice.currency, invoice.url):
                    added += 1
        return changed, added
