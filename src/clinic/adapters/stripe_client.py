"""Stripe's SDK, loaded when first used, with a per-client base URL (tests point it at localstripe
or a recorder), and what the gateway and the webhook reader both read out of its objects."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import requests

from clinic.domain.licensing import (
    SubscriptionStatus,
)


def stripe_sdk() -> Any:
    """The SDK, imported when first used: it is 15 MB in every worker, and a clinic server
    without Stripe keys never needs it."""
    import stripe

    return stripe

log = logging.getLogger(__name__)

WEBHOOK_TOLERANCE = 300  # seconds: an older (or that much newer) signature is refused
WEBHOOK_MAX_BYTES = 1 << 20  # an invoice with a hundred lines is about 100 KiB
INVOICES_SHOWN = 24

# Stripe's subscription status -> the licence. "unpaid" is past Stripe's retries: lapsed.
# "incomplete": the first payment has not gone through yet, nothing was paid.
STATUSES: dict[str, SubscriptionStatus] = {
    "active": SubscriptionStatus.ACTIVE,
    "trialing": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.LAPSED,
    "canceled": SubscriptionStatus.LAPSED,
    "incomplete_expired": SubscriptionStatus.LAPSED,
    "paused": SubscriptionStatus.LAPSED,
    "incomplete": SubscriptionStatus.NONE,
}


def make_stripe_client(secret_key: str | None, api_base: str | None = None,
                       timeout: float = 20.0) -> Any:
    """A ``stripe.StripeClient`` (None without a key); ``api_base`` replaces api.stripe.com."""
    if not secret_key:
        return None
    options: dict[str, Any] = {"max_network_retries": 2}
    if api_base:
        base = api_base.rstrip("/")
        session = requests.Session()
        session.trust_env = False  # a local stand-in is never reached through a proxy
        options.update(base_addresses={"api": base, "connect": base, "files": base},
                       http_client=stripe_sdk().RequestsClient(timeout=timeout, session=session),
                       max_network_retries=0)
    else:
        options["http_client"] = stripe_sdk().RequestsClient(timeout=timeout)
    return stripe_sdk().StripeClient(secret_key, **options)


def field_of(obj: Any, name: str) -> Any:
    """A field of a StripeObject or of a plain dict, None if absent (SDK 16 has no .get)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    try:
        return obj[name] if name in obj else None  # noqa: SIM401 (no .get in SDK 16)
    except (KeyError, TypeError):
        return None


def ref_of(value: Any) -> str | None:
    """An id, whether Stripe sent it as a string or as an expanded object."""
    if value is None or isinstance(value, str):
        return value or None
    found = field_of(value, "id")
    return str(found) if found else None


def moment_of(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), UTC) if epoch else None


def clinic_of(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
