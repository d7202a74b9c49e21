"""The test-mode payment gateway: no Stripe keys, no real money. "Pay" leads to a local checkout
page whose "Complete payment" goes through the very use cases Stripe's webhooks would, so a
newcomer can try the whole flow. Its provider-side state is a small JSON file per clinic in the
file store, so it works the same with several server processes."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from clinic.application.billing.ports import (
    CheckoutStart,
    CompletedCheckout,
    ProviderInvoice,
    ProviderSubscription,
)
from clinic.application.ports import Clock, FileStore
from clinic.domain.licensing import BILLING_CURRENCY, SubscriptionStatus, monthly_cents

PERIOD = timedelta(days=30)
_JSON = "application/json"


def _key(clinic_id: uuid.UUID, name: str) -> str:
    return f"{clinic_id}/billing-test/{name}"


class LocalCheckoutGateway:
    test_mode = True
    sends_webhooks = False

    def __init__(self, files: FileStore, clock: Clock, checkout_path: str = "/billing/test-pay",
                 portal_path: str = "/billing") -> None:
        self.files, self.clock = files, clock
        self.checkout_path, self.portal_path = checkout_path, portal_path

    # state ---------------------------------------------------------------------------------

    def _read(self, clinic_id: uuid.UUID, name: str) -> dict[str, Any] | None:
        found = self.files.load(_key(clinic_id, name))
        return json.loads(found[0]) if found else None

    def _write(self, clinic_id: uuid.UUID, name: str, data: dict[str, Any]) -> None:
        self.files.save(_key(clinic_id, name), json.dumps(data).encode(), _JSON)

    @staticmethod
    def _clinic_of(ref: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(ref.removeprefix("test_sub_").removeprefix("test_cus_"))
        except ValueError:
            return None

    # the PaymentGateway port ---------------------------------------------------------------

    def start_checkout(self, clinic_id: uuid.UUID, customer_ref: str | None, email: str,
                       chairs: int, seats: int, success_url: str,
                       cancel_url: str) -> CheckoutStart:
        token = secrets.token_hex(16)
        self._write(clinic_id, f"checkout-{token}", {
            "chairs": chairs, "seats": seats, "email": email, "success_url": success_url,
            "cancel_url": cancel_url, "created_at": self.clock.now().isoformat()})
        return CheckoutStart(f"{self.checkout_path}/{clinic_id}.{token}")

    def checkout(self, token: str) -> dict[str, Any] | None:
        """What a pending test checkout is for (to show it), or None."""
        clinic_id, _dot, secret = token.partition(".")
        try:
            owner = uuid.UUID(clinic_id)
        except ValueError:
            return None
        if not secret.isalnum() or len(secret) != 32:
            return None
        found = self._read(owner, f"checkout-{secret.lower()}")
        return {**found, "clinic_id": owner} if found else None

    def complete(self, token: str) -> CompletedCheckout | None:
        """Pay a pending test checkout: the subscription is active with its quantities and the
        first month is invoiced and paid. A second time does nothing (None)."""
        pending = self.checkout(token)
        if pending is None or pending.get("completed"):
            return None
        clinic_id = pending["clinic_id"]
        now = self.clock.now()
        invoice = f"test_in_{secrets.token_hex(8)}"
        amount = monthly_cents(pending["chairs"], pending["seats"])
        state = self._read(clinic_id, "subscription") or {"invoices": []}
        state.update(status=SubscriptionStatus.ACTIVE.value, chairs=pending["chairs"],
                     seats=pending["seats"], period_end=(now + PERIOD).isoformat())
        state["invoices"].append({"ref": invoice, "amount_cents": amount,
                                  "paid_at": now.isoformat()})
        self._write(clinic_id, "subscription", state)
        secret = token.partition(".")[2].lower()
        self._write(clinic_id, f"checkout-{secret}", {
            **{k: v for k, v in pending.items() if k != "clinic_id"}, "completed": True})
        return CompletedCheckout(clinic_id, f"test_sub_{clinic_id}", invoice, amount,
                                 BILLING_CURRENCY, pending["success_url"])

    def current_subscription(self, subscription_ref: str) -> ProviderSubscription | None:
        clinic_id = self._clinic_of(subscription_ref)
        state = self._read(clinic_id, "subscription") if clinic_id else None
        if clinic_id is None or state is None:
            return None
        return ProviderSubscription(
            f"test_sub_{clinic_id}", f"test_cus_{clinic_id}",
            SubscriptionStatus(state["status"]), state["chairs"], state["seats"],
            datetime.fromisoformat(state["period_end"]))

    def change_quantities(self, subscription_ref: str, chairs: int, seats: int) -> None:
        clinic_id = self._clinic_of(subscription_ref)
        state = self._read(clinic_id, "subscription") if clinic_id else None
        if clinic_id is None or state is None:
            raise LookupError(subscription_ref)
        extra = monthly_cents(chairs, seats) - monthly_cents(state["chairs"], state["seats"])
        if extra > 0:  # an increase is charged at once (a whole month here: no proration)
            state["invoices"].append({"ref": f"test_in_{secrets.token_hex(8)}",
                                      "amount_cents": extra,
                                      "paid_at": self.clock.now().isoformat()})
        state.update(chairs=chairs, seats=seats)
        self._write(clinic_id, "subscription", state)

    def portal_url(self, customer_ref: str, return_url: str) -> str:
        return self.portal_path

    def recent_invoices(self, customer_ref: str) -> Sequence[ProviderInvoice]:
        clinic_id = self._clinic_of(customer_ref)
        state = self._read(clinic_id, "subscription") if clinic_id else None
        return [ProviderInvoice(i["ref"], i["amount_cents"], BILLING_CURRENCY,
                                datetime.fromisoformat(i["paid_at"]), None)
                for i in (state or {}).get("invoices", [])]
