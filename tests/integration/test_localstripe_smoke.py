"""The real stripe SDK against localstripe and a recording fake: what the billing work can rely on.

Each test states what localstripe does, including where it differs from real Stripe, so a change
of localstripe or of the SDK that breaks an assumption of docs/stripe-testing.md fails here first.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import stripe

pytest.register_assert_rewrite("tests.stripe_support")

from tests.stripe_support import (  # noqa: E402 (after the importorskip)
    TEST_API_KEY,
    TEST_WEBHOOK_SECRET,
    RecordingStripe,
    register_webhook,
    sign_webhook,
    stripe_client,
    unregister_webhook,
)

pytest_plugins = ["tests.stripe_support"]  # the localstripe and recording_stripe fixtures

CHAIR_CENTS = 500  # an extra chair: $5 a month
SEAT_CENTS = 100  # an extra seat: $1 a month


@pytest.fixture(scope="module")
def client(localstripe: str) -> Any:
    return stripe_client(localstripe)


@pytest.fixture(scope="module")
def plans(client: Any) -> dict[str, Any]:
    """The product and its two monthly plans, in USD cents, with our own ids."""
    suffix = uuid.uuid4().hex[:8]
    product = client.v1.products.create({"name": "Chairside", "metadata": {"app": "chairside"}})
    chair = client.v1.plans.create({
        "id": f"chairside-chair-{suffix}", "product": product.id, "amount": CHAIR_CENTS,
        "currency": "usd", "interval": "month", "nickname": "extra chair"})
    seat = client.v1.plans.create({
        "id": f"chairside-seat-{suffix}", "product": product.id, "amount": SEAT_CENTS,
        "currency": "usd", "interval": "month", "nickname": "extra seat"})
    return {"product": product, "chair": chair, "seat": seat}


def paying_customer(client: Any, card: str = "4242424242424242") -> Any:
    """A customer whose default payment method is a card localstripe charges successfully."""
    method = client.v1.payment_methods.create({"type": "card", "card": {
        "number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    return client.v1.customers.create({
        "email": f"owner-{uuid.uuid4().hex[:6]}@clinic.test", "name": "Smile Clinic",
        "metadata": {"clinic_id": "42"},
        "payment_method": method.id, "invoice_settings": {"default_payment_method": method.id}})


def subscribe(client: Any, customer: Any, plan: Any, quantity: int) -> Any:
    return client.v1.subscriptions.create({
        "customer": customer.id, "items": [{"plan": plan.id, "quantity": quantity}],
        "metadata": {"clinic_id": "42"}})


# -- webhook signatures ---------------------------------------------------------------------------

def test_sign_webhook_is_what_the_sdk_verifies() -> None:
    payload = json.dumps({"id": "evt_test_1", "object": "event", "type": "invoice.paid",
                          "data": {"object": {"id": "in_1", "object": "invoice"}}}).encode()
    now = int(time.time())
    header = sign_webhook(payload, TEST_WEBHOOK_SECRET, now)

    assert header == stripe.WebhookSignature.generate_signature_header(
        payload.decode(), TEST_WEBHOOK_SECRET, now)
    assert stripe.WebhookSignature.verify_header(payload, header, TEST_WEBHOOK_SECRET, 300)
    event = stripe.Webhook.construct_event(payload, header, TEST_WEBHOOK_SECRET)
    assert (event.id, event.type, event.data.object.id) == ("evt_test_1", "invoice.paid", "in_1")

    bad = stripe.SignatureVerificationError
    with pytest.raises(bad):  # tampered body
        stripe.Webhook.construct_event(payload.replace(b"in_1", b"in_2"), header,
                                       TEST_WEBHOOK_SECRET)
    with pytest.raises(bad):  # wrong secret
        stripe.Webhook.construct_event(payload, header, "whsec_other")
    with pytest.raises(bad):  # 6 minutes old, past the default 300 s tolerance
        stripe.Webhook.construct_event(
            payload, sign_webhook(payload, TEST_WEBHOOK_SECRET, now - 360), TEST_WEBHOOK_SECRET)
    for missing in (None, ""):
        with pytest.raises(bad):
            stripe.Webhook.construct_event(payload, missing, TEST_WEBHOOK_SECRET)
    # The SDK only rejects *old* timestamps: one from the future passes its check.
    assert stripe.Webhook.construct_event(
        payload, sign_webhook(payload, TEST_WEBHOOK_SECRET, now + 3600), TEST_WEBHOOK_SECRET)


# -- catalogue -------------------------------------------------------------------------------------

def test_plans_exist_but_prices_do_not(client: Any, plans: dict[str, Any]) -> None:
    chair = client.v1.plans.retrieve(plans["chair"].id)
    assert (chair.amount, chair.currency, chair.interval, chair.product) == (
        CHAIR_CENTS, "usd", "month", plans["product"].id)
    seat = client.v1.plans.retrieve(plans["seat"].id)
    assert (seat.amount, seat.nickname) == (SEAT_CENTS, "extra seat")

    with pytest.raises(stripe.APIError) as error:  # localstripe has no /v1/prices at all
        client.v1.prices.create({"product": plans["product"].id, "unit_amount": CHAIR_CENTS,
                                 "currency": "usd", "recurring": {"interval": "month"}})
    assert error.value.http_status == 404
    customer = paying_customer(client)
    with pytest.raises(stripe.InvalidRequestError):  # and items take "plan", not "price"
        client.v1.subscriptions.create({"customer": customer.id,
                                        "items": [{"price": plans["chair"].id}]})


# -- subscriptions, invoices -----------------------------------------------------------------------

def test_a_subscription_has_exactly_one_item(client: Any, plans: dict[str, Any]) -> None:
    customer = paying_customer(client)
    with pytest.raises(stripe.APIError, match="Not implemented") as error:
        client.v1.subscriptions.create({"customer": customer.id, "items": [
            {"plan": plans["chair"].id, "quantity": 1},
            {"plan": plans["seat"].id, "quantity": 2}]})
    assert error.value.http_status == 500
    assert client.v1.subscriptions.list({"customer": customer.id, "status": "all"}).data == []


def test_subscribe_read_back_and_invoices(client: Any, plans: dict[str, Any]) -> None:
    customer = paying_customer(client)
    # One subscription per plan: localstripe's stand-in for one subscription with two items.
    chairs = subscribe(client, customer, plans["chair"], 1)
    seats = subscribe(client, customer, plans["seat"], 2)

    for subscription, plan, quantity in ((chairs, plans["chair"], 1), (seats, plans["seat"], 2)):
        back = client.v1.subscriptions.retrieve(subscription.id)
        assert back.status == "active"
        assert back.customer == customer.id
        assert back.metadata["clinic_id"] == "42"
        [item] = back["items"].data
        assert (item.plan.id, item.quantity) == (plan.id, quantity)
        # period on the subscription (the pre-2025 shape), one month long
        assert back.current_period_end > back.current_period_start >= back.start_date

    listed = client.v1.subscriptions.list({"customer": customer.id})
    assert {s.id for s in listed.data} == {chairs.id, seats.id}

    invoices = client.v1.invoices.list({"customer": customer.id}).data
    paid = {i.subscription: i for i in invoices if i.status == "paid"}
    assert set(paid) == {chairs.id, seats.id}
    chair_invoice = paid[chairs.id]
    assert (chair_invoice.amount_paid, chair_invoice.currency) == (CHAIR_CENTS, "usd")
    assert paid[seats.id].amount_paid == 2 * SEAT_CENTS
    assert chair_invoice.id == client.v1.subscriptions.retrieve(chairs.id).latest_invoice
    assert chair_invoice.parent.subscription_details.subscription == chairs.id
    assert chair_invoice.status_transitions.paid_at is not None
    [line] = chair_invoice.lines.data
    assert (line.amount, line.quantity, line.plan.id) == (CHAIR_CENTS, 1, plans["chair"].id)
    # invoice.charge is an expanded Charge here (real Stripe: an id, or no field since 2025)
    assert chair_invoice.charge.status == "succeeded"
    assert chair_invoice.charge.amount == CHAIR_CENTS
    assert chair_invoice.charge.payment_intent == chair_invoice.payment_intent
    # absent from localstripe's invoices: the links the billing page shows, and the number
    for field in ("hosted_invoice_url", "invoice_pdf", "number"):
        assert field not in chair_invoice


def test_quantity_change_and_its_proration(client: Any, plans: dict[str, Any]) -> None:
    customer = paying_customer(client)
    seats = subscribe(client, customer, plans["seat"], 2)
    [old_item] = seats["items"].data

    with pytest.raises(stripe.APIError):  # proration_behavior is not accepted (HTTP 500)
        client.v1.subscriptions.update(seats.id, {
            "items": [{"id": old_item.id, "quantity": 3}], "proration_behavior": "always_invoice"})

    updated = client.v1.subscriptions.update(seats.id, {
        "items": [{"id": old_item.id, "quantity": 3}]})
    [new_item] = updated["items"].data
    assert new_item.quantity == 3
    assert new_item.id != old_item.id  # the item is replaced, its id changes
    # No invoice is made at once; a pending credit of the *whole* last invoice is left instead
    # (not time-based), to be billed with the next invoice.
    assert len(client.v1.invoices.list({"subscription": seats.id}).data) == 1
    [credit] = client.v1.invoice_items.list({"customer": customer.id}).data
    assert (credit.amount, credit.proration, credit.description) == (
        -2 * SEAT_CENTS, True, "Unused time")

    # Charging the difference now, as Stripe's "always_invoice" would: invoice, then pay.
    invoice = client.v1.invoices.create({"customer": customer.id, "subscription": seats.id})
    assert invoice.status == "draft"
    assert sorted(line.amount for line in invoice.lines.data) == [-2 * SEAT_CENTS, 3 * SEAT_CENTS]
    paid = client.v1.invoices.pay(invoice.id)
    assert (paid.status, paid.amount_paid) == ("paid", SEAT_CENTS)
    assert client.v1.invoice_items.list({"customer": customer.id}).data == []


def test_cancel_and_a_failing_card(client: Any, plans: dict[str, Any]) -> None:
    customer = paying_customer(client)
    chairs = subscribe(client, customer, plans["chair"], 1)
    assert client.v1.subscriptions.update(chairs.id, {"cancel_at_period_end": True}
                                          ).cancel_at_period_end is True
    canceled = client.v1.subscriptions.cancel(chairs.id)
    assert canceled.status == "canceled"
    assert canceled.ended_at is not None
    assert client.v1.subscriptions.list({"customer": customer.id}).data == []  # hides canceled

    # 4000000000000341 attaches but every charge fails: the lapsed-payment case.
    failing = paying_customer(client, card="4000000000000341")
    unpaid = subscribe(client, failing, plans["chair"], 1)
    assert unpaid.status == "incomplete"
    [invoice] = client.v1.invoices.list({"subscription": unpaid.id}).data
    assert (invoice.status, invoice.amount_paid, invoice.charge.status) == ("open", 0, "failed")


# -- refunds ---------------------------------------------------------------------------------------

def test_refunds_full_and_partial(client: Any, plans: dict[str, Any]) -> None:
    customer = paying_customer(client)
    partly = subscribe(client, customer, plans["chair"], 2)
    fully = subscribe(client, customer, plans["seat"], 3)
    partly_charge = client.v1.invoices.retrieve(partly.latest_invoice).charge
    fully_charge = client.v1.invoices.retrieve(fully.latest_invoice).charge

    refund = client.v1.refunds.create({"charge": fully_charge.id})
    assert (refund.amount, refund.currency, refund.status) == (3 * SEAT_CENTS, "usd", "succeeded")
    charge = client.v1.charges.retrieve(fully_charge.id)
    assert (charge.refunded, charge.amount_refunded) == (True, 3 * SEAT_CENTS)

    refund = client.v1.refunds.create({"charge": partly_charge.id, "amount": 300})
    charge = client.v1.charges.retrieve(partly_charge.id)
    assert (charge.refunded, charge.amount_refunded) == (False, 300)
    assert [r.id for r in charge.refunds.data] == [refund.id]
    # Unlike Stripe, a refund without an amount is the whole charge again, and nothing stops
    # refunding more than was paid: keep the amounts right in the code under test.
    again = client.v1.refunds.create({"charge": partly_charge.id})
    assert again.amount == 2 * CHAIR_CENTS
    charge = client.v1.charges.retrieve(partly_charge.id)
    assert (charge.refunded, charge.amount_refunded) == (True, 300 + 2 * CHAIR_CENTS)

    by_intent = paying_customer(client)
    sub = subscribe(client, by_intent, plans["seat"], 1)
    intent = client.v1.invoices.retrieve(sub.latest_invoice).payment_intent
    assert client.v1.refunds.create({"payment_intent": intent}).amount == SEAT_CENTS


# -- webhooks --------------------------------------------------------------------------------------

def test_localstripe_posts_signed_webhooks(
        localstripe: str, client: Any, plans: dict[str, Any],
        recording_stripe: RecordingStripe) -> None:
    endpoint = f"test-{uuid.uuid4().hex[:8]}"
    register_webhook(localstripe, endpoint, f"{recording_stripe.url}/webhooks/stripe",
                     TEST_WEBHOOK_SECRET,
                     events=["customer.subscription.created", "invoice.payment_succeeded"])
    try:
        customer = paying_customer(client)
        sub = subscribe(client, customer, plans["chair"], 1)

        def about(kind: str) -> Any:
            def matches(request: Any) -> bool:
                event = json.loads(request.body)
                obj = event["data"]["object"]
                return event["type"] == kind and sub.id in (obj.get("id"), obj.get("subscription"))
            return matches

        created = recording_stripe.wait_for(about("customer.subscription.created"))
        paid = recording_stripe.wait_for(about("invoice.payment_succeeded"))
    finally:
        unregister_webhook(localstripe, endpoint)

    for request in (created, paid):
        assert (request.method, request.path) == ("POST", "/webhooks/stripe")
        assert request.headers["content-type"].startswith("application/json")
        event = stripe.Webhook.construct_event(
            request.body, request.headers["stripe-signature"], TEST_WEBHOOK_SECRET)
        assert event.id.startswith("evt_")
        assert event.api_version == "2017-08-15"  # whatever version the client asks for
        assert request.headers["stripe-signature"].startswith(f"t={event.created},v1=")
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(
                request.body, request.headers["stripe-signature"], "whsec_other")
    assert json.loads(paid.body)["data"]["object"]["amount_paid"] == CHAIR_CENTS
    assert json.loads(created.body)["data"]["object"]["status"] == "active"  # first invoice paid


def test_events_localstripe_never_sends(client: Any, plans: dict[str, Any]) -> None:
    customer = paying_customer(client)
    sub = subscribe(client, customer, plans["seat"], 1)
    [item] = sub["items"].data
    client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "quantity": 2}]})
    charge = client.v1.invoices.retrieve(sub.latest_invoice).charge
    client.v1.refunds.create({"charge": charge.id})
    client.v1.subscriptions.cancel(sub.id)

    # v16's StripeObject is no dict (no .get): read the event payloads through to_dict()
    # localstripe lists oldest first (real Stripe: newest first): page through all of them
    events = client.v1.events.list({"limit": 100}).auto_paging_iter()
    objects = [(e.type, e.data.object.to_dict()) for e in events]
    sent = {kind for kind, obj in objects
            if obj.get("id") in (sub.id, sub.latest_invoice, charge.id)
            or obj.get("subscription") == sub.id}
    assert {"customer.subscription.created", "invoice.created", "invoice.payment_succeeded",
            "customer.subscription.deleted"} <= sent
    for never in ("customer.subscription.updated", "invoice.paid", "charge.refunded",
                  "checkout.session.completed", "invoice.finalized"):
        assert never not in sent


# -- what localstripe lacks: assert the exact request ---------------------------------------------

def test_localstripe_has_no_checkout_sessions(client: Any) -> None:
    with pytest.raises(stripe.APIError) as error:
        client.v1.checkout.sessions.create({"mode": "subscription"})
    assert error.value.http_status == 404


def test_checkout_session_request_is_recorded(
        recording_stripe: RecordingStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    # The module-level API (what stripe.checkout.Session.create uses) reads these globals:
    # monkeypatch puts them back after the test.
    monkeypatch.setattr(stripe, "api_base", recording_stripe.url)
    monkeypatch.setattr(stripe, "api_key", TEST_API_KEY)
    monkeypatch.setattr(stripe, "max_network_retries", 0)

    session = stripe.checkout.Session.create(
        mode="subscription", customer="cus_test_1", client_reference_id="clinic-42",
        line_items=[{"price": "price_chair", "quantity": 1},
                    {"price": "price_seat", "quantity": 2}],
        success_url="https://app.test/billing?paid={CHECKOUT_SESSION_ID}",
        cancel_url="https://app.test/billing",
        metadata={"clinic_id": "42"}, subscription_data={"metadata": {"clinic_id": "42"}},
    )

    assert session.id.startswith("cs_test_")
    assert session.url.startswith("https://checkout.stripe.test/")
    [request] = recording_stripe.requests
    assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["stripe-version"] == stripe.api_version
    assert request.headers["idempotency-key"]
    assert request.form == [
        ("mode", "subscription"), ("customer", "cus_test_1"),
        ("client_reference_id", "clinic-42"),
        ("line_items[0][price]", "price_chair"), ("line_items[0][quantity]", "1"),
        ("line_items[1][price]", "price_seat"), ("line_items[1][quantity]", "2"),
        ("success_url", "https://app.test/billing?paid={CHECKOUT_SESSION_ID}"),
        ("cancel_url", "https://app.test/billing"),
        ("metadata[clinic_id]", "42"), ("subscription_data[metadata][clinic_id]", "42"),
    ]


def test_portal_and_two_item_update_requests_are_recorded(
        recording_stripe: RecordingStripe) -> None:
    client = stripe_client(recording_stripe.url)
    portal = client.v1.billing_portal.sessions.create(
        {"customer": "cus_test_1", "return_url": "https://app.test/billing"})
    assert portal.url.startswith("https://billing.stripe.test/")

    recording_stripe.respond("/v1/subscriptions/sub_test_1", {
        "id": "sub_test_1", "object": "subscription", "status": "active"})
    client.v1.subscriptions.update("sub_test_1", {
        "items": [{"id": "si_chair", "quantity": 3}, {"id": "si_seat", "quantity": 2}],
        "proration_behavior": "always_invoice", "payment_behavior": "error_if_incomplete"})

    portal_request, update_request = recording_stripe.requests
    assert portal_request.path == "/v1/billing_portal/sessions"
    assert portal_request.params == {
        "customer": "cus_test_1", "return_url": "https://app.test/billing"}
    assert (update_request.method, update_request.path) == ("POST", "/v1/subscriptions/sub_test_1")
    assert update_request.params == {
        "items[0][id]": "si_chair", "items[0][quantity]": "3",
        "items[1][id]": "si_seat", "items[1][quantity]": "2",
        "proration_behavior": "always_invoice", "payment_behavior": "error_if_incomplete"}
    assert recording_stripe.to("/v1/subscriptions/sub_test_1") == [update_request]
