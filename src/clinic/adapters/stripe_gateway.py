"""Stripe: the PaymentGateway port through the official SDK.

One subscription per clinic with up to two items: the extra-chair price and the extra-seat
price (ids from settings; a Plan id works as well). The licence is always read back from
Stripe, never copied from an event."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from clinic.adapters.clock import SystemClock
from clinic.adapters.stripe_client import (
    INVOICES_SHOWN,
    STATUSES,
    field_of,
    moment_of,
    ref_of,
    stripe_sdk,
)
from clinic.application.billing.ports import (
    CheckoutStart,
    ProviderInvoice,
    ProviderSubscription,
)
from clinic.application.ports import Clock
from clinic.domain.licensing import (
    BILLING_CURRENCY,
    SubscriptionStatus,
)
from clinic.domain.shared import ValidationFailed


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
        return ref_of(field_of(item, "price")) or ref_of(field_of(item, "plan"))

    def _items(self, subscription: Any) -> list[Any]:
        items = field_of(subscription, "items")
        return list(field_of(items, "data") or [])

    def _read(self, subscription: Any) -> ProviderSubscription:
        chairs = seats = 0
        period_end = moment_of(field_of(subscription, "current_period_end"))
        for item in self._items(subscription):
            price, quantity = self._price_of(item), int(field_of(item, "quantity") or 0)
            if price == self.price_chair:
                chairs += quantity
            elif price == self.price_seat:
                seats += quantity
            # since 2025 the period is on each item, no longer on the subscription
            period_end = moment_of(field_of(item, "current_period_end")) or period_end
        status = STATUSES.get(str(field_of(subscription, "status")), SubscriptionStatus.LAPSED)
        return ProviderSubscription(str(subscription.id), ref_of(field_of(subscription, "customer"))
                                    or "", status, chairs, seats, period_end)

    def current_subscription(self, subscription_ref: str) -> ProviderSubscription | None:
        try:
            subscription = self.client.v1.subscriptions.retrieve(subscription_ref)
        except stripe_sdk().InvalidRequestError as error:
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
            amount = int(field_of(invoice, "amount_paid") or 0)
            if field_of(invoice, "status") != "paid" or amount <= 0:
                continue
            paid_at = (moment_of(field_of(field_of(invoice, "status_transitions"), "paid_at"))
                       or moment_of(field_of(invoice, "created")) or self.clock.now())
            invoices.append(ProviderInvoice(
                str(invoice.id), amount, str(field_of(invoice, "currency") or BILLING_CURRENCY),
                paid_at, field_of(invoice, "hosted_invoice_url")))
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
