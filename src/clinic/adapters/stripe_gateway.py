"""Stripe: the PaymentGateway port through the official SDK (a per-client base URL, so tests
point it at localstripe or a recorder), and the reader of its signed webhooks.

One subscription per clinic with up to two items: the extra-chair price and the extra-seat
price (ids from settings; a Plan id works as well). The licence is always read back from
Stripe, never copied from an event."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from clinic.adapters.clock import SystemClock
from clinic.application.billing.ports import (
    CheckoutStart,
    EventKind,
    InvalidWebhook,
    MalformedWebhook,
    ProviderEvent,
    ProviderInvoice,
    ProviderPayment,
    ProviderSubscription,
)
from clinic.application.json_input import JsonRefused, load_json
from clinic.application.ports import Clock
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

    def __init__(self, client: Any, price_chair: str | None, price_seat: str | None,
                 clock: Clock | None = None) -> None:
        if client is None or not price_chair or not price_seat:
            raise RuntimeError("Stripe needs STRIPE_SECRET_KEY, STRIPE_PRICE_CHAIR and "
                               "STRIPE_PRICE_SEAT")
        self.client, self.price_chair, self.price_seat = client, price_chair, price_seat
        self.clock = clock or SystemClock()

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
                       or _moment(_field(invoice, "created")) or self.clock.now())
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


# -- the shape of the events read ------------------------------------------------------------------
# Checked once, when an event is read, for every field `_tell` uses: a correctly signed event of
# another shape is refused (400, nothing recorded) instead of failing half-way in a handler.
# A shape is a test of one value, an object's fields ({name: shape}), or a list's items ([shape]).

Shape = Callable[[Any], bool] | dict[str, Any] | list[Any]
_MAX_CENTS = 10**12  # ten billion of anything: beyond any invoice of ours


def _is_text(value: Any) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= 5000)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255


def _is_ref(value: Any) -> bool:
    """An id, or the object it names expanded (with its own id); absent is allowed."""
    return value is None or _is_id(value) or (isinstance(value, dict) and _is_id(value.get("id")))


def _is_cents(value: Any) -> bool:
    return type(value) is int and 0 <= value <= _MAX_CENTS


def _is_currency(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch("[A-Za-z]{3}", value) is not None


def _optional(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or test(value)


def _is_metadata(value: Any) -> bool:
    return value is None or (isinstance(value, dict)
                             and all(isinstance(v, str | int | float | bool | None)
                                     for v in value.values()))


_SUBSCRIPTION_DETAILS = {"subscription": _is_ref, "metadata": _is_metadata}
_INVOICE = {"id": _is_id, "customer": _is_ref, "subscription": _is_ref, "metadata": _is_metadata,
            "hosted_invoice_url": _is_text, "amount_paid": _optional(_is_cents),
            "currency": _optional(_is_currency), "subscription_details": _SUBSCRIPTION_DETAILS,
            "parent": {"subscription_details": _SUBSCRIPTION_DETAILS}}
_PAID_INVOICE = {**_INVOICE, "amount_paid": _is_cents, "currency": _is_currency}
OBJECT_SHAPES: dict[str, dict[str, Any]] = {
    "checkout.session.completed": {"id": _is_id, "subscription": _is_ref, "customer": _is_ref,
                                   "client_reference_id": _is_text, "metadata": _is_metadata},
    **{kind: {"id": _is_id, "customer": _is_ref, "metadata": _is_metadata}
       for kind in ("customer.subscription.created", "customer.subscription.updated",
                    "customer.subscription.deleted")},
    "invoice.paid": _PAID_INVOICE,
    "invoice.payment_succeeded": _PAID_INVOICE,
    "invoice.payment_failed": _INVOICE,
    "charge.refunded": {"id": _is_id, "customer": _is_ref, "metadata": _is_metadata,
                        "currency": _is_currency, "refunds": {"data": [{
                            "id": _is_id, "amount": _is_cents, "currency": _optional(_is_currency),
                            "status": _is_text}]}},
}


def _fault(value: Any, shape: Shape, where: str) -> str | None:
    """Where `value` is not of `shape` (an absent object or list is allowed), or None."""
    if isinstance(shape, dict):
        if value is None:
            return None
        if not isinstance(value, dict):
            return where
        return next((fault for name, inner in shape.items()
                     if (fault := _fault(value.get(name), inner, f"{where}.{name}"))), None)
    if isinstance(shape, list):
        if value is None:
            return None
        if not isinstance(value, list):
            return where
        return next((fault for n, item in enumerate(value)
                     if (fault := _fault(item, shape[0], f"{where}[{n}]"))), None)
    return None if shape(value) else where


def malformed(event: Any) -> str | None:
    """Which field of a decoded event is missing or of the wrong type, or None: the event's
    id, type and object, and every field read from an object of a type we act on."""
    if not isinstance(event, dict):
        return "the event"
    fault = _fault(event, {"id": _is_id, "type": _is_id}, "event")
    data = event.get("data")
    if fault or not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return fault or "event.data.object"
    return _fault(data["object"], OBJECT_SHAPES.get(event["type"], {}), "data.object")


class StripeWebhooks:
    """Verifies ``Stripe-Signature`` on the raw body, checks the event's shape, and tells the
    event in neutral terms."""

    def __init__(self, secret: str | None, client: Any = None,
                 tolerance: int = WEBHOOK_TOLERANCE) -> None:
        self.secret, self.client, self.tolerance = secret, client, tolerance

    def read(self, payload: bytes, signature: str | None) -> ProviderEvent:
        if not self.secret or not signature:
            raise InvalidWebhook("no webhook secret configured or no signature")
        try:
            _stripe().WebhookSignature.verify_header(payload.decode("utf-8"), signature,
                                                  self.secret, self.tolerance)
        except (_stripe().SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise InvalidWebhook(str(error)) from error
        # the SDK only refuses old timestamps; one from the far future is as suspect
        stamps = [p[2:] for p in signature.split(",") if p.strip().startswith("t=")]
        if not stamps or not stamps[0].strip().isdigit() \
                or int(stamps[0]) > time.time() + self.tolerance:
            raise InvalidWebhook("timestamp in the future")
        try:
            event = load_json(payload, max_bytes=WEBHOOK_MAX_BYTES)
        except JsonRefused as refused:
            raise MalformedWebhook(f"the body is {refused.code}") from refused
        fault = malformed(event)
        if fault:
            raise MalformedWebhook(f"{fault} is missing or of the wrong type")
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
