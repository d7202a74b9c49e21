"""Stripe's signed webhooks read into the neutral ProviderEvent: the signature checked, the JSON
rule applied, each object's shape checked before any handler runs."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from clinic.adapters.stripe_client import (
    WEBHOOK_MAX_BYTES,
    WEBHOOK_TOLERANCE,
    clinic_of,
    log,
    ref_of,
    stripe_sdk,
)
from clinic.application.billing.ports import (
    EventKind,
    InvalidWebhook,
    MalformedWebhook,
    ProviderEvent,
    ProviderPayment,
)
from clinic.application.json_input import JsonRefused, load_json
from clinic.domain.licensing import (
    BILLING_CURRENCY,
    PaymentKind,
)

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
            stripe_sdk().WebhookSignature.verify_header(payload.decode("utf-8"), signature,
                                                  self.secret, self.tolerance)
        except (stripe_sdk().SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
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
            subscription = ref_of(obj.get("subscription"))
            if not subscription:
                return ProviderEvent(**base, kind=EventKind.OTHER)
            return ProviderEvent(
                **base, kind=EventKind.SUBSCRIPTION_CHANGED,
                clinic_id=clinic_of(obj.get("client_reference_id") or metadata.get("clinic_id")),
                subscription_ref=subscription, customer_ref=ref_of(obj.get("customer")))
        if kind in ("customer.subscription.created", "customer.subscription.updated",
                    "customer.subscription.deleted"):
            return ProviderEvent(
                **base, kind=EventKind.SUBSCRIPTION_CHANGED,
                clinic_id=clinic_of(metadata.get("clinic_id")),
                subscription_ref=ref_of(obj.get("id")),
                customer_ref=ref_of(obj.get("customer")))
        if kind in ("invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed"):
            details = ((obj.get("parent") or {}).get("subscription_details")
                       or obj.get("subscription_details") or {})
            subscription = ref_of(obj.get("subscription")) or ref_of(details.get("subscription"))
            found = dict(base, subscription_ref=subscription,
                         customer_ref=ref_of(obj.get("customer")),
                         clinic_id=clinic_of((details.get("metadata") or {}).get("clinic_id")
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
                **base, kind=EventKind.REFUNDED, clinic_id=clinic_of(metadata.get("clinic_id")),
                customer_ref=ref_of(obj.get("customer")), payments=self._refunds(obj))
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
