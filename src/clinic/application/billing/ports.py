"""The payment provider as the billing use cases see it: Stripe, or the test-mode gateway."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from clinic.domain.licensing import (
    PaymentKind,
    PaymentReceived,
    PaymentRefunded,
    SubscriptionStatus,
)


@dataclass(frozen=True)
class ProviderSubscription:
    """The subscription as the provider says it is now."""

    subscription_ref: str
    customer_ref: str
    status: SubscriptionStatus
    chairs: int
    seats: int
    period_end: datetime | None


@dataclass(frozen=True)
class ProviderInvoice:
    ref: str
    amount_cents: int
    currency: str
    paid_at: datetime
    url: str | None


@dataclass(frozen=True)
class CompletedCheckout:
    """A test-mode checkout just paid: what the provider's webhooks would have told us."""

    clinic_id: uuid.UUID
    subscription_ref: str
    invoice_ref: str
    amount_cents: int
    currency: str
    success_url: str


@dataclass(frozen=True)
class CheckoutStart:
    url: str  # where to send the person to pay


class PaymentGateway(Protocol):
    test_mode: bool  # "Test mode — no real payment" on every billing screen
    # Whether the provider tells of a change by webhook; if not (the test-mode gateway), the
    # use case reads the outcome back at once through the same use cases a webhook runs.
    sends_webhooks: bool

    def start_checkout(self, clinic_id: uuid.UUID, customer_ref: str | None, email: str,
                       chairs: int, seats: int, success_url: str,
                       cancel_url: str) -> CheckoutStart: ...

    def current_subscription(self, subscription_ref: str) -> ProviderSubscription | None: ...

    def change_quantities(self, subscription_ref: str, chairs: int, seats: int) -> None:
        """An increase is prorated and charged at once; the licence rises when the provider
        confirms (the webhook, or a sync)."""
        ...

    def portal_url(self, customer_ref: str, return_url: str) -> str: ...

    def recent_invoices(self, customer_ref: str) -> Sequence[ProviderInvoice]: ...


class InvalidWebhook(Exception):
    """A webhook whose signature is missing, wrong or stale, or that cannot be read: ignored."""


class MalformedWebhook(InvalidWebhook):
    """A correctly signed webhook whose body is not an event of the shape we read: refused
    whole, nothing recorded."""


@dataclass(frozen=True)
class ProviderPayment:
    """Money the provider says moved: an invoice paid, or a refund."""

    kind: PaymentKind
    ref: str  # the invoice or refund id: unique, so a replay records nothing twice
    amount_cents: int
    currency: str
    url: str | None = None


class EventKind(enum.StrEnum):
    SUBSCRIPTION_CHANGED = "subscription_changed"  # checkout done, subscription created/updated
    INVOICE_PAID = "invoice_paid"
    PAYMENT_FAILED = "payment_failed"
    REFUNDED = "refunded"
    OTHER = "other"  # acknowledged and remembered, nothing else


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook, told in the provider's neutral terms (the adapter reads its JSON)."""

    id: str
    type: str  # the provider's own name, e.g. "invoice.paid"
    kind: EventKind
    clinic_id: uuid.UUID | None = None  # what the event itself says, if anything
    subscription_ref: str | None = None
    customer_ref: str | None = None
    payments: tuple[ProviderPayment, ...] = ()


class WebhookReader(Protocol):
    def read(self, payload: bytes, signature: str | None) -> ProviderEvent:
        """Verify the signature on the raw body and read the event; raises InvalidWebhook."""
        ...


class LocalCheckout(Protocol):
    """The test-mode gateway's own local checkout (Stripe has its hosted page instead)."""

    def checkout(self, token: str) -> dict[str, object] | None: ...

    def complete(self, token: str) -> CompletedCheckout | None: ...


BillingEvent = PaymentReceived | PaymentRefunded
