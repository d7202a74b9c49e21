"""Stripe: the PaymentGateway port through the official SDK (a per-client base URL, so tests
point it at localstripe or a recorder), and the reader of its signed webhooks.

One subscription per clinic with up to two items: the extra-chair price and the extra-seat
price (ids from settings; a Plan id works as well). The licence is always read back from
Stripe, never copied from an event."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from clinic.application.billing.ports import (
    CheckoutStart,
    EventKind,
    InvalidWebhook,
    ProviderEvent,
    ProviderInvoice,
    ProviderPayment,
    ProviderSubscription,
)
from clinic.domain.licensing import (
    BILLING_CURRENCY,
    CHAIR_PRICE_CENTS,
    SEAT_PRICE_CENTS,
    PaymentKind,
    SubscriptionStatus,
)
from clinic.domain.shared import ValidationFailed


def _stripe() -> Any:
    """The SDK, imported when first used: it is 15 MB in every worker, and a clinic server
    without Stripe keys never needs it."""
    import stripe

    return stripe

log = logging.getLogger(__name__)

WEBHOOK_TOLERANCE = 300  # seconds: an older (or that much newer) signature is refused
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
                       http_client=_stripe().RequestsClient(timeout=timeout, session=session),
                       max_network_retries=0)
    else:
        options["http_client"] = _stripe().RequestsClient(timeout=timeout)
    return _stripe().StripeClient(secret_key, **options)


def _field(obj: Any, name: str) -> Any:
    """A field of a StripeObject or of a plain dict, None if absent (SDK 16 has no .get)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    try:
        return obj[name] if name in obj else None  # noqa: SIM401 (no .get in SDK 16)
    except (KeyError, TypeError):
        return None


def _ref(value: Any) -> str | None:
    """An id, whether Stripe sent it as a string or as an expanded object."""
    if value is None or isinstance(value, str):
        return value or None
    found = _field(value, "id")
    return str(found) if found else None


def _moment(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), UTC) if epoch else None


def _clinic(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class StripeGateway:
    test_mode = False
    sends_webhooks = True

    def __init__(self, client: Any, price_chair: str | None, price_seat: str | None) -> None:
        if client is None or not price_chair or not price_seat:
            raise RuntimeError("Stripe needs STRIPE_SECRET_KEY, STRIPE_PRICE_CHAIR and "
                               "STRIPE_PRICE_SEAT")
        self.client, self.price_chair, self.price_seat = client, price_chair, price_seat

    # reading -------------------------------------------------------------------------------

    @staticmethod
    def _price_of(item: Any) -> str | None:
        return _ref(_field(item, "price")) or _ref(_field(item, "plan"))

    def _items(self, subscription: Any) -> list[Any]:
        items = _field(subscription, "items")
        return list(_field(items, "data") or [])

    def _read(self, subscription: Any) -> ProviderSubscription:
        chairs = seats = 0
        period_end = _moment(_field(subscription, "current_period_end"))
        for item in self._items(subscription):
            price, quantity = self._price_of(item), int(_field(item, "quantity") or 0)
            if price == self.price_chair:
                chairs += quantity
            elif price == self.price_seat:
                seats += quantity
            # since 2025 the period is on each item, no longer on the subscription
            period_end = _moment(_field(item, "current_period_end")) or period_end
        status = STATUSES.get(str(_field(subscription, "status")), SubscriptionStatus.LAPSED)
        return ProviderSubscription(str(subscription.id), _ref(_field(subscription, "customer"))
                                    or "", status, chairs, seats, period_end)

    def current_subscription(self, subscription_ref: str) -> ProviderSubscription | None:
        try:
            subscription = self.client.v1.subscriptions.retrieve(subscription_ref)
        except _stripe().InvalidRequestError as error:
            if error.http_status == 404:
                return None
            raise
        return self._read(subscription)

    def recent_invoices(self, customer_ref: str) -> Sequence[ProviderInvoice]:
        # every status, filtered here: localstripe cannot filter by status (HTTP 500)
        found = self.client.v1.invoices.list({"customer": customer_ref,
                                              "limit": INVOICES_SHOWN})
        invoices = []
        for invoice in found.data:
            amount = int(_field(invoice, "amount_paid") or 0)
            if _field(invoice, "status") != "paid" or amount <= 0:
                continue
            paid_at = (_moment(_field(_field(invoice, "status_transitions"), "paid_at"))
                       or _moment(_field(invoice, "created")) or datetime.now(UTC))
            invoices.append(ProviderInvoice(
                str(invoice.id), amount, str(_field(invoice, "currency") or BILLING_CURRENCY),
                paid_at, _field(invoice, "hosted_invoice_url")))
        return invoices

    # paying --------------------------------------------------------------------------------

    def _line_items(self, chairs: int, seats: int) -> list[dict[str, Any]]:
        items = [{"price": price, "quantity": quantity}
                 for price, quantity in ((self.price_chair, chairs), (self.price_seat, seats))
                 if quantity > 0]
        if not items:
            raise ValidationFailed({"chairs": "quantity_invalid"})
        return items

    def start_checkout(self, clinic_id: uuid.UUID, customer_ref: str | None, email: str,
                       chairs: int, seats: int, success_url: str,
                       cancel_url: str) -> CheckoutStart:
        params: dict[str, Any] = {"mode": "subscription",
                                  "line_items": self._line_items(chairs, seats)}
        if customer_ref:
            params["customer"] = customer_ref
        else:
            params["customer_email"] = email
        params.update(client_reference_id=str(clinic_id), success_url=success_url,
                      cancel_url=cancel_url, metadata={"clinic_id": str(clinic_id)},
                      subscription_data={"metadata": {"clinic_id": str(clinic_id)}})
        session = self.client.v1.checkout.sessions.create(params)
        return CheckoutStart(str(session.url))

    def change_quantities(self, subscription_ref: str, chairs: int, seats: int) -> None:
        """An increase is prorated and invoiced at once (and refused if that payment fails);
        a decrease is not credited: the lower price applies from the next period."""
        subscription = self.client.v1.subscriptions.retrieve(subscription_ref)
        current = self._read(subscription)
        existing = {self._price_of(item): item for item in self._items(subscription)}
        items: list[dict[str, Any]] = []
        for price, quantity in ((self.price_chair, chairs), (self.price_seat, seats)):
            item = existing.get(price)
            if item is not None:
                items.append({"id": item.id, "quantity": quantity} if quantity > 0
                             else {"id": item.id, "deleted": True})
            elif quantity > 0:
                items.append({"price": price, "quantity": quantity})
        increase = chairs > current.chairs or seats > current.seats
        params: dict[str, Any] = {"items": items}
        if increase:
            params.update(proration_behavior="always_invoice",
                          payment_behavior="error_if_incomplete")
        else:
            params["proration_behavior"] = "none"
        self.client.v1.subscriptions.update(subscription_ref, params)

    def portal_url(self, customer_ref: str, return_url: str) -> str:
        session = self.client.v1.billing_portal.sessions.create(
            {"customer": customer_ref, "return_url": return_url})
        return str(session.url)


class StripeWebhooks:
    """Verifies ``Stripe-Signature`` on the raw body and tells the event in neutral terms."""

    def __init__(self, secret: str | None, client: Any = None,
                 tolerance: int = WEBHOOK_TOLERANCE) -> None:
        self.secret, self.client, self.tolerance = secret, client, tolerance

    def read(self, payload: bytes, signature: str | None) -> ProviderEvent:
        if not self.secret or not signature:
            raise InvalidWebhook("no webhook secret configured or no signature")
        try:
            _stripe().WebhookSignature.verify_header(payload.decode("utf-8"), signature,
                                                  self.secret, self.tolerance)
            event = json.loads(payload)
        except (_stripe().SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise InvalidWebhook(str(error)) from error
        # the SDK only refuses old timestamps; one from the far future is as suspect
        stamps = [p[2:] for p in signature.split(",") if p.strip().startswith("t=")]
        if not stamps or not stamps[0].strip().isdigit() \
                or int(stamps[0]) > time.time() + self.tolerance:
            raise InvalidWebhook("timestamp in the future")
        if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
            raise InvalidWebhook("not an event")
        return self._tell(event)

    def _tell(self, event: dict[str, Any]) -> ProviderEvent:
        kind, obj = str(event["type"]), (event.get("data") or {}).get("object") or {}
        base: dict[str, Any] = {"id": str(event["id"]), "type": kind}
        metadata = obj.get("metadata") or {}
        if kind == "checkout.session.completed":
            subscription = _ref(obj.get("subscription"))
            if not subscription:
                return ProviderEvent(**base, kind=EventKind.OTHER)
            return ProviderEvent(
                **base, kind=EventKind.SUBSCRIPTION_CHANGED,
                clinic_id=_clinic(obj.get("client_reference_id") or metadata.get("clinic_id")),
                subscription_ref=subscription, customer_ref=_ref(obj.get("customer")))
        if kind in ("customer.subscription.created", "customer.subscription.updated",
                    "customer.subscription.deleted"):
            return ProviderEvent(
                **base, kind=EventKind.SUBSCRIPTION_CHANGED,
                clinic_id=_clinic(metadata.get("clinic_id")), subscription_ref=_ref(obj.get("id")),
                customer_ref=_ref(obj.get("customer")))
        if kind in ("invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed"):
            details = ((obj.get("parent") or {}).get("subscription_details")
                       or obj.get("subscription_details") or {})
            subscription = _ref(obj.get("subscription")) or _ref(details.get("subscription"))
            found = dict(base, subscription_ref=subscription,
                         customer_ref=_ref(obj.get("customer")),
                         clinic_id=_clinic((details.get("metadata") or {}).get("clinic_id")
                                           or metadata.get("clinic_id")))
            if kind == "invoice.payment_failed":
                return ProviderEvent(**found, kind=EventKind.PAYMENT_FAILED)
            amount = int(obj.get("amount_paid") or 0)
            payments = (ProviderPayment(
                PaymentKind.PAYMENT, str(obj["id"]), amount,
                str(obj.get("currency") or BILLING_CURRENCY), obj.get("hosted_invoice_url")),
            ) if amount > 0 and obj.get("id") else ()
            return ProviderEvent(**found, kind=EventKind.INVOICE_PAID, payments=payments)
        if kind == "charge.refunded":
            return ProviderEvent(
                **base, kind=EventKind.REFUNDED, clinic_id=_clinic(metadata.get("clinic_id")),
                customer_ref=_ref(obj.get("customer")), payments=self._refunds(obj))
        return ProviderEvent(**base, kind=EventKind.OTHER)

    def _refunds(self, charge: dict[str, Any]) -> tuple[ProviderPayment, ...]:
        refunds = (charge.get("refunds") or {}).get("data")
        if refunds is None and self.client is not None and charge.get("id"):
            # since API 2022-11-15 a charge no longer carries its refunds: ask for them
            listed = self.client.v1.refunds.list({"charge": charge["id"], "limit": 100})
            refunds = [r.to_dict() for r in listed.data]
        currency = str(charge.get("currency") or BILLING_CURRENCY)
        if refunds is None:  # cannot tell the refunds apart: `clinic billing reconcile` later
            log.warning("charge.refunded %s without its refunds", charge.get("id"))
            return ()
        return tuple(
            ProviderPayment(PaymentKind.REFUND, str(r["id"]), int(r.get("amount") or 0),
                            str(r.get("currency") or currency))
            for r in refunds
            if r.get("id") and r.get("status") not in ("failed", "canceled")
            and int(r.get("amount") or 0) > 0)


PRICE_LOOKUP_KEYS = {"chair": "chairside_extra_chair", "seat": "chairside_extra_seat"}
_PRICES = {"chair": ("Chairside: extra chair", CHAIR_PRICE_CENTS),
           "seat": ("Chairside: extra person", SEAT_PRICE_CENTS)}


def setup_prices(client: Any) -> dict[str, tuple[str, bool]]:
    """The two recurring monthly USD prices, found by their lookup keys or created once:
    {"chair": (price id, created now?), "seat": (...)}. Running it again creates nothing."""
    listed = client.v1.prices.list({"lookup_keys": list(PRICE_LOOKUP_KEYS.values()),
                                    "active": True, "limit": 10})
    existing = {_field(p, "lookup_key"): _field(p, "id") for p in _field(listed, "data") or []}
    out: dict[str, tuple[str, bool]] = {}
    for kind, key in PRICE_LOOKUP_KEYS.items():
        if key in existing:
            out[kind] = (str(existing[key]), False)
            continue
        name, cents = _PRICES[kind]
        price = client.v1.prices.create(
            {"currency": BILLING_CURRENCY.lower(), "unit_amount": cents, "lookup_key": key,
             "recurring": {"interval": "month"}, "product_data": {"name": name}},
            {"idempotency_key": f"chairside-setup-{key}"})
        out[kind] = (str(_field(price, "id")), True)
    return out
