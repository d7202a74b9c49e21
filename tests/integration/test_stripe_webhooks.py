"""POST /webhooks/stripe on SQLite (a correctly signed event of the wrong shape on PostgreSQL
too): the signature on the raw body, and the event's shape (else 400 and nothing written),
each event once, the licence read back from the provider (a stand-in that behaves like Stripe's
API from the outside), payments and refunds recorded once. Events are realistic Stripe JSON,
built (tests/stripe_events.py) and signed like Stripe signs them."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import func, select

pytest.importorskip("stripe")
pytest.register_assert_rewrite("tests.stripe_support")

from clinic.adapters.sqlalchemy import tables  # noqa: E402
from clinic.adapters.stripe_webhooks import StripeWebhooks  # noqa: E402
from clinic.application.accounts.sign_up import SignUpCommand  # noqa: E402
from clinic.domain.licensing import (  # noqa: E402
    PaymentKind,
    PaymentReceived,
    SubscriptionStatus,
)
from tests.stripe_events import (  # noqa: E402
    PERIOD_END,
    URL,
    ProviderStandIn,
    charge_refunded,
    deliver_at_once,
    event,
    invoice,
    post,
    subscription,
)
from tests.stripe_support import TEST_WEBHOOK_SECRET, sign_webhook  # noqa: E402

pytest_plugins = ["tests.stripe_support"]


@pytest.fixture
def provider(web_container) -> ProviderStandIn:
    stand_in = ProviderStandIn()
    web_container.payment_gateway.override(stand_in)
    web_container.webhook_reader.override(StripeWebhooks(TEST_WEBHOOK_SECRET))
    yield stand_in
    web_container.payment_gateway.reset_override()
    web_container.webhook_reader.reset_override()


@pytest.fixture
def clinic(web_container) -> uuid.UUID:
    return web_container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "en")).clinic_id


@pytest.fixture
def heard(web_container) -> list:
    events: list = []
    web_container.billing_events().subscribe(events.append)
    return events


def counts(web_container) -> dict[str, int]:
    with web_container.engine().connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (tables.payments, tables.processed_events, tables.subscriptions)}


def licence(web_container, clinic_id: uuid.UUID):
    with web_container.uow(clinic_id) as uow:
        found = uow.billing.subscription(clinic_id)
        return found.licence if found else None


def payments(web_container, clinic_id: uuid.UUID):
    with web_container.uow(clinic_id) as uow:
        return [(p.kind, p.external_ref, p.amount_cents, p.currency, p.invoice_url)
                for p in uow.billing.payments(clinic_id)]


# -- the signature ---------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["tampered", "wrong secret", "six minutes old", "no header",
                                 "from the future", "garbage header"])
def test_a_bad_signature_answers_400_and_writes_nothing(client, web_container, provider, clinic,
                                                         how):
    provider.set("sub_test_1", 3)
    body = event("invoice.paid", invoice(clinic))
    before = counts(web_container)
    if how == "tampered":
        response = post(client, body, tamper=True)
    elif how == "wrong secret":
        response = post(client, body, secret="whsec_other")
    elif how == "six minutes old":
        response = post(client, body, timestamp=int(time.time()) - 360)
    elif how == "no header":
        response = post(client, body, sign=False)
    elif how == "from the future":
        response = post(client, body, timestamp=int(time.time()) + 3600)
    else:
        response = client.post(URL, data=json.dumps(body).encode(),
                               headers={"Stripe-Signature": "t=abc,v1=zzz"})
    assert response.status_code == 400
    assert counts(web_container) == before == {"payments": 0, "processed_events": 0,
                                               "subscriptions": 0}


def test_without_a_webhook_secret_every_event_is_refused(client, web_container, clinic):
    assert web_container.settings().stripe_webhook_secret is None
    response = post(client, event("invoice.paid", invoice(clinic)))
    assert response.status_code == 400
    assert set(counts(web_container).values()) == {0}


def test_no_csrf_token_or_session_is_needed_but_a_get_is_not_allowed(client, provider):
    assert post(client, event("customer.created", {"id": "cus_x", "object": "customer"})
                ).status_code == 200
    assert client.get(URL).status_code == 405


# -- each event once -------------------------------------------------------------------------------

def test_the_same_invoice_paid_20_times_at_once_is_one_payment(app, web_container, provider,
                                                                clinic, heard):
    provider.set("sub_test_1", 3)
    statuses = deliver_at_once(app, event("invoice.paid", invoice(clinic, amount=1500)))
    assert statuses == [200] * 20
    assert counts(web_container) == {"payments": 1, "processed_events": 1, "subscriptions": 1}
    assert payments(web_container, clinic) == [
        (PaymentKind.PAYMENT, "in_test_1", 1500, "USD", "https://invoice.stripe.test/i/in_test_1")]
    assert [type(e) for e in heard] == [PaymentReceived]
    assert licence(web_container, clinic).paid_chairs == 3


def test_a_replayed_event_does_nothing(client, web_container, provider, clinic, heard):
    provider.set("sub_test_1", 3)
    body = event("invoice.paid", invoice(clinic))
    first = post(client, body)
    assert first.get_json()["outcome"] == "handled"
    provider.set("sub_test_1", 9)  # the provider changed meanwhile; a replay must not sync
    again = post(client, body)
    assert (again.status_code, again.get_json()["outcome"]) == (200, "duplicate")
    assert licence(web_container, clinic).paid_chairs == 3
    assert len(heard) == 1
    # the same invoice in another event (invoice.payment_succeeded): still one payment
    assert post(client, event("invoice.payment_succeeded", invoice(clinic))).status_code == 200
    assert counts(web_container)["payments"] == 1


def test_a_failure_half_way_is_handled_again_when_stripe_retries(app, web_container, provider,
                                                                  clinic):
    provider.set("sub_test_1", 3)
    body = event("invoice.paid", invoice(clinic))
    provider.fail_next = True
    failing = app.test_client()
    try:
        response = post(failing, body)
        assert response.status_code == 500
    except ConnectionError:  # the test app propagates the error instead of answering 500
        pass
    assert counts(web_container) == {"payments": 0, "processed_events": 0, "subscriptions": 0}
    assert post(app.test_client(), body).get_json()["outcome"] == "handled"
    assert counts(web_container) == {"payments": 1, "processed_events": 1, "subscriptions": 1}


# -- the licence follows the provider --------------------------------------------------------------

def test_an_older_event_cannot_roll_the_licence_back(client, web_container, provider, clinic):
    now = int(time.time())
    provider.set("sub_test_1", 5)  # what Stripe says now
    newer = event("customer.subscription.updated", subscription(clinic, 5), created=now)
    older = event("customer.subscription.updated", subscription(clinic, 3), created=now - 60)
    assert post(client, newer).status_code == 200
    assert licence(web_container, clinic).paid_chairs == 5
    assert post(client, older).get_json()["outcome"] == "handled"
    held = licence(web_container, clinic)
    assert (held.paid_chairs, held.allowed_chairs, held.status) == (
        5, 7, SubscriptionStatus.ACTIVE)
    assert counts(web_container)["processed_events"] == 2


def test_checkout_completed_links_the_subscription_and_later_events_find_the_clinic(
        client, web_container, provider, clinic):
    provider.set("sub_test_1", 2, 1)
    session = {"id": "cs_test_1", "object": "checkout.session", "mode": "subscription",
               "status": "complete", "payment_status": "paid", "client_reference_id": str(clinic),
               "customer": "cus_test_1", "subscription": "sub_test_1", "metadata": {}}
    assert post(client, event("checkout.session.completed", session)).status_code == 200
    with web_container.uow(clinic) as uow:
        mine = uow.billing.subscription(clinic)
        assert (mine.subscription_ref, mine.customer_ref) == ("sub_test_1", "cus_test_1")
        assert (mine.paid_chairs, mine.paid_seats, mine.period_end) == (2, 1, PERIOD_END)
    # no clinic id in this one: found by the subscription's id
    assert post(client, event("invoice.paid", invoice(None, "in_test_2", 1100))
                ).get_json()["outcome"] == "handled"
    assert [p[1] for p in payments(web_container, clinic)] == ["in_test_2"]


def test_a_failed_payment_and_a_deletion_follow_the_provider(client, web_container, provider,
                                                             clinic):
    provider.set("sub_test_1", 2)
    post(client, event("customer.subscription.created", subscription(clinic, 2)))
    provider.set("sub_test_1", 2, status=SubscriptionStatus.PAST_DUE)
    post(client, event("invoice.payment_failed", invoice(clinic, status="open")))
    assert licence(web_container, clinic).status is SubscriptionStatus.PAST_DUE
    assert licence(web_container, clinic).allowed_chairs == 4  # Stripe still retries
    assert counts(web_container)["payments"] == 0
    del provider.subscriptions["sub_test_1"]  # gone at Stripe: lapsed, nothing deleted here
    post(client, event("customer.subscription.deleted",
                       subscription(clinic, 2, status="canceled")))
    lapsed = licence(web_container, clinic)
    assert (lapsed.status, lapsed.paid_chairs, lapsed.allowed_chairs) == (
        SubscriptionStatus.LAPSED, 2, 2)


def test_the_end_of_an_older_subscription_does_not_lapse_the_new_one(client, web_container,
                                                                    provider, clinic):
    provider.set("sub_new", 4)
    post(client, event("customer.subscription.created", subscription(clinic, 4, "sub_new")))
    provider.set("sub_old", 1, status=SubscriptionStatus.LAPSED)
    post(client, event("customer.subscription.deleted",
                       subscription(clinic, 1, "sub_old", status="canceled")))
    held = licence(web_container, clinic)
    assert (held.status, held.paid_chairs) == (SubscriptionStatus.ACTIVE, 4)


def test_an_event_for_no_known_clinic_is_acknowledged(client, web_container, provider):
    provider.set("sub_elsewhere", 3)
    response = post(client, event("customer.subscription.updated",
                                  subscription(uuid.uuid4(), 3, "sub_elsewhere")))
    assert (response.status_code, response.get_json()["outcome"]) == (200, "ignored")
    assert counts(web_container) == {"payments": 0, "processed_events": 1, "subscriptions": 0}


def test_an_unknown_type_is_remembered_and_nothing_else(client, web_container, provider, clinic):
    body = event("customer.tax_id.created", {"id": "txi_1", "object": "tax_id"})
    assert post(client, body).get_json()["outcome"] == "ignored"
    assert post(client, body).get_json()["outcome"] == "duplicate"
    assert counts(web_container) == {"payments": 0, "processed_events": 1, "subscriptions": 0}


# -- refunds ---------------------------------------------------------------------------------------

def test_a_refund_is_recorded_once(client, web_container, provider, clinic, heard):
    provider.set("sub_test_1", 3)
    post(client, event("customer.subscription.created", subscription(clinic, 3)))
    body = event("charge.refunded", charge_refunded([("re_test_1", 500)]))
    assert post(client, body).get_json()["outcome"] == "handled"
    assert post(client, body).get_json()["outcome"] == "duplicate"
    # a second partial refund of the same charge: the first is not counted again
    post(client, event("charge.refunded", charge_refunded([("re_test_2", 300),
                                                           ("re_test_1", 500)])))
    refunds = sorted(p[1:3] for p in payments(web_container, clinic)
                     if p[0] is PaymentKind.REFUND)
    assert refunds == [("re_test_1", 500), ("re_test_2", 300)]
    assert [e.amount_cents for e in heard] == [500, 300]


# -- a signed event of the wrong shape: 400, nothing recorded (SQLite and PostgreSQL) ------------

def _without(obj: dict, key: str) -> dict:
    return {k: v for k, v in obj.items() if k != key}


def _refund(**changes) -> dict:
    charge = charge_refunded([("re_test_1", 500)])
    charge["refunds"]["data"][0].update(changes)
    return charge


MALFORMED = {
    "amount_paid a string": lambda c: event("invoice.paid", {**invoice(c), "amount_paid": "abc"}),
    "amount_paid a fraction": lambda c: event("invoice.paid", {**invoice(c), "amount_paid": 15.5}),
    "amount_paid true": lambda c: event("invoice.paid", {**invoice(c), "amount_paid": True}),
    "amount_paid negative": lambda c: event("invoice.paid", {**invoice(c), "amount_paid": -1500}),
    "amount_paid absurd": lambda c: event("invoice.paid", {**invoice(c), "amount_paid": 10**30}),
    "amount_paid missing": lambda c: event("invoice.paid", _without(invoice(c), "amount_paid")),
    "a 9-letter currency": lambda c: event("invoice.paid", {**invoice(c), "currency": "usdollars"}),
    "currency missing": lambda c: event("invoice.payment_succeeded",
                                        _without(invoice(c), "currency")),
    "data.object a string": lambda c: {**event("invoice.paid", {}), "data": {"object": "in_1"}},
    "data a list": lambda c: {**event("invoice.paid", invoice(c)), "data": [invoice(c)]},
    "data missing": lambda c: _without(event("invoice.paid", invoice(c)), "data"),
    "event id missing": lambda c: _without(event("invoice.paid", invoice(c)), "id"),
    "event type a number": lambda c: {**event("invoice.paid", invoice(c)), "type": 7},
    "invoice id a number": lambda c: event("invoice.paid", {**invoice(c), "id": 12}),
    "customer a number": lambda c: event("invoice.paid", {**invoice(c), "customer": 42}),
    "subscription details a string": lambda c: event("invoice.paid", {
        **invoice(c), "parent": {"subscription_details": "sub_test_1"}}),
    "metadata a string": lambda c: event("customer.subscription.updated", {
        **subscription(c, 3), "metadata": "clinic"}),
    "subscription id missing": lambda c: event("customer.subscription.created",
                                               _without(subscription(c, 3), "id")),
    "refunds not a list": lambda c: event("charge.refunded", {
        **charge_refunded([]), "refunds": {"data": "re_test_1"}}),
    "refund amount a string": lambda c: event("charge.refunded", _refund(amount="500")),
    "refund id missing": lambda c: event("charge.refunded", _refund(id=None)),
    "refund currency of 4 letters": lambda c: event("charge.refunded", _refund(currency="usdd")),
    "the event a list": lambda c: [event("invoice.paid", invoice(c))],
    "a lone surrogate": lambda c: event("invoice.paid", {**invoice(c), "customer": "\ud800"}),
    # json.dumps itself cannot write this one: the text is made by hand
    "nested 1,000 deep": lambda c: json.dumps(event("invoice.paid", invoice(c))).replace(
        '"status": "paid"', '"status": "paid", "lines": ' + "[" * 1000 + "]" * 1000).encode(),
}


@pytest.fixture
def any_db_stripe(container):
    """The app on each database, Stripe's signed webhooks read for real, the provider a
    stand-in, a clinic with a subscription the stand-in knows."""
    from clinic.entrypoints.web.app import create_app

    stand_in = ProviderStandIn()
    stand_in.set("sub_test_1", 3)
    container.payment_gateway.override(stand_in)
    container.webhook_reader.override(StripeWebhooks(TEST_WEBHOOK_SECRET))
    clinic_id = container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "en")).clinic_id
    yield create_app(container.settings(), container).test_client(), clinic_id
    container.payment_gateway.reset_override()
    container.webhook_reader.reset_override()


@pytest.mark.parametrize("how", MALFORMED)
def test_a_signed_event_of_the_wrong_shape_answers_400_and_records_nothing(
        any_db_stripe, container, how):
    client, clinic_id = any_db_stripe
    body = MALFORMED[how](clinic_id)
    if isinstance(body, bytes):
        response = client.post(URL, data=body, headers={
            "Stripe-Signature": sign_webhook(body, TEST_WEBHOOK_SECRET),
            "Content-Type": "application/json"})
    else:
        response = post(client, body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"].startswith("malformed event")
    assert counts(container) == {"payments": 0, "processed_events": 0, "subscriptions": 0}


def test_a_well_formed_event_after_a_malformed_one_is_handled(any_db_stripe, container):
    client, clinic_id = any_db_stripe
    bad = event("invoice.paid", {**invoice(clinic_id), "amount_paid": "abc"})
    assert post(client, bad).status_code == 400
    good = {**bad, "data": {"object": invoice(clinic_id)}}  # Stripe's retry, the same id
    assert post(client, good).get_json()["outcome"] == "handled"
    assert counts(container) == {"payments": 1, "processed_events": 1, "subscriptions": 1}


# -- wired to Stripe (the recorder stands in for api.stripe.com) ---------------------------------

def test_with_stripe_keys_the_owner_pays_at_stripe_and_the_webhook_raises_the_licence(
        sqlite_url, tmp_path, recording_stripe):
    from clinic.entrypoints.web.app import create_app
    from tests.integration.conftest import Browser, make_container, make_settings

    container = make_container(make_settings(
        sqlite_url, tmp_path, stripe_secret_key="sk_test_chairside",
        stripe_webhook_secret=TEST_WEBHOOK_SECRET, stripe_price_chair="price_chair",
        stripe_price_seat="price_seat", stripe_api_base=recording_stripe.url))
    try:
        app = create_app(container.settings(), container)
        owner = Browser(app.test_client())
        owner.sign_up()
        clinic_id = container.account_queries().tenants()[0].id
        assert "Test mode" not in owner.client.get("/billing").get_data(as_text=True)
        start = owner.post("/billing/plan", {"chairs": "1", "seats": "2"}, source="/billing")
        assert start.status_code == 302
        assert start.headers["Location"] == "https://checkout.stripe.test/c/pay/cs_test_0001"
        [checkout] = recording_stripe.to("/v1/checkout/sessions")
        assert checkout.params["client_reference_id"] == str(clinic_id)
        assert checkout.params["customer_email"] == "anna@example.com"
        assert owner.client.get(f"/billing/test-pay/{clinic_id}.{'a' * 32}").status_code == 404

        recording_stripe.respond("/v1/subscriptions/sub_test_1", {
            **subscription(clinic_id, 1), "items": {"object": "list", "data": [
                {"id": "si_chair", "object": "subscription_item", "quantity": 1,
                 "price": {"id": "price_chair", "object": "price"},
                 "current_period_end": int(PERIOD_END.timestamp())},
                {"id": "si_seat", "object": "subscription_item", "quantity": 2,
                 "price": {"id": "price_seat", "object": "price"},
                 "current_period_end": int(PERIOD_END.timestamp())}]}})
        session = {"id": "cs_test_0001", "object": "checkout.session", "mode": "subscription",
                   "client_reference_id": str(clinic_id), "customer": "cus_test_1",
                   "subscription": "sub_test_1", "metadata": {"clinic_id": str(clinic_id)}}
        response = post(owner.client, event("checkout.session.completed", session))
        assert response.get_json()["outcome"] == "handled"
        held = licence(container, clinic_id)
        assert (held.status, held.paid_chairs, held.paid_seats, held.period_end) == (
            SubscriptionStatus.ACTIVE, 1, 2, PERIOD_END)
        card = owner.post("/billing/card", {}, source="/billing")  # Manage card: the portal
        [portal] = recording_stripe.to("/v1/billing_portal/sessions")
        assert portal.params["customer"] == "cus_test_1"
        assert card.status_code == 302 and card.headers["Location"].startswith("https://")
    finally:
        container.engine().dispose()
