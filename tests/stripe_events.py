"""Stripe as the webhook tests meet it: realistic event JSON, signed as Stripe signs it, and a
stand-in for Stripe's API that answers with the subscriptions' current state."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from clinic.application.billing.ports import ProviderSubscription
from clinic.domain.licensing import SubscriptionStatus
from tests.stripe_support import TEST_WEBHOOK_SECRET, sign_webhook

PERIOD_END = datetime(2026, 12, 24, tzinfo=UTC)
URL = "/webhooks/stripe"


class ProviderStandIn:
    """Stripe's subscriptions as its API answers them now, whatever the events said."""

    test_mode = False

    def __init__(self) -> None:
        self.subscriptions: dict[str, ProviderSubscription] = {}
        self.fail_next = False

    def set(self, ref: str, chairs: int, seats: int = 0,
            status: SubscriptionStatus = SubscriptionStatus.ACTIVE) -> None:
        self.subscriptions[ref] = ProviderSubscription(ref, "cus_test_1", status, chairs, seats,
                                                       PERIOD_END)

    def current_subscription(self, subscription_ref: str) -> ProviderSubscription | None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("Stripe did not answer")
        return self.subscriptions.get(subscription_ref)

    def recent_invoices(self, customer_ref: str) -> list:
        return []


# -- realistic events ------------------------------------------------------------------------------

def event(kind: str, obj: dict[str, Any], event_id: str | None = None,
          created: int | None = None) -> dict[str, Any]:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event",
            "api_version": "2026-10-28.endive", "created": created or int(time.time()),
            "type": kind, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": obj, "previous_attributes": {}}}


def subscription(clinic_id: uuid.UUID | None, chairs: int, sub: str = "sub_test_1",
                 status: str = "active") -> dict[str, Any]:
    end = int(PERIOD_END.timestamp())
    return {"id": sub, "object": "subscription", "customer": "cus_test_1", "status": status,
            "collection_method": "charge_automatically", "cancel_at_period_end": False,
            "metadata": {"clinic_id": str(clinic_id)} if clinic_id else {},
            "items": {"object": "list", "data": [{
                "id": "si_chair", "object": "subscription_item", "quantity": chairs,
                "current_period_start": end - 30 * 86400, "current_period_end": end,
                "price": {"id": "price_chair", "object": "price", "unit_amount": 500,
                          "currency": "usd", "recurring": {"interval": "month"}}}]}}


def invoice(clinic_id: uuid.UUID | None, invoice_id: str = "in_test_1", amount: int = 1500,
            sub: str = "sub_test_1", status: str = "paid") -> dict[str, Any]:
    return {"id": invoice_id, "object": "invoice", "customer": "cus_test_1", "status": status,
            "amount_due": amount, "amount_paid": amount if status == "paid" else 0,
            "currency": "usd", "billing_reason": "subscription_cycle",
            "hosted_invoice_url": f"https://invoice.stripe.test/i/{invoice_id}",
            "parent": {"type": "subscription_details", "subscription_details": {
                "subscription": sub,
                "metadata": {"clinic_id": str(clinic_id)} if clinic_id else {}}},
            "status_transitions": {"paid_at": int(time.time())}}


def charge_refunded(refunds: list[tuple[str, int]], amount: int = 1500) -> dict[str, Any]:
    return {"id": "ch_test_1", "object": "charge", "customer": "cus_test_1", "amount": amount,
            "amount_refunded": sum(a for _r, a in refunds), "currency": "usd",
            "refunded": sum(a for _r, a in refunds) >= amount, "metadata": {},
            "refunds": {"object": "list", "data": [
                {"id": ref, "object": "refund", "amount": cents, "currency": "usd",
                 "charge": "ch_test_1", "status": "succeeded"} for ref, cents in refunds]}}


def post(client, body: dict[str, Any], secret: str = TEST_WEBHOOK_SECRET,
         timestamp: int | None = None, sign: bool = True, tamper: bool = False):
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["Stripe-Signature"] = sign_webhook(payload, secret, timestamp)
    if tamper:
        payload = payload.replace(b'"amount_paid": 1500', b'"amount_paid": 9900')
        assert b"9900" in payload
    return client.post(URL, data=payload, headers=headers)




def deliver_at_once(app, body: dict[str, Any], times: int = 20) -> list[int]:
    """The same signed event posted by `times` clients released together (Stripe retrying while
    the first delivery is still being handled); their status codes."""
    payload = json.dumps(body).encode()
    header = sign_webhook(payload, TEST_WEBHOOK_SECRET)
    statuses: list[int] = []
    start = threading.Barrier(times)

    def deliver() -> None:
        own = app.test_client()
        start.wait()
        statuses.append(own.post(URL, data=payload, headers={
            "Stripe-Signature": header, "Content-Type": "application/json"}).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses
