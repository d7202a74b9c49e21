"""The Stripe gateway through the real SDK: against localstripe where it is faithful (one-plan
subscriptions, invoices, cancelling, a failing card), and against a recording server for what
localstripe lacks (Checkout Sessions, the portal, Prices, two-item subscriptions), asserting the
exact request sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("stripe")
pytest.register_assert_rewrite("tests.stripe_support")

from clinic.adapters.stripe_client import make_stripe_client  # noqa: E402
from clinic.adapters.stripe_gateway import StripeGateway  # noqa: E402
from clinic.domain.licensing import SubscriptionStatus  # noqa: E402
from clinic.domain.shared import ValidationFailed  # noqa: E402
from tests.stripe_support import TEST_API_KEY, RecordingStripe, stripe_client  # noqa: E402
from tests.unit.fakes import FakeClock  # noqa: E402

pytest_plugins = ["tests.stripe_support"]  # the localstripe and recording_stripe fixtures

CLINIC = uuid.UUID("6f1c0d7e-0000-4000-8000-000000000042")
PERIOD_END = 1_800_000_000


# -- localstripe -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(localstripe: str) -> Any:
    return stripe_client(localstripe)


@pytest.fixture(scope="module")
def plans(client: Any) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    product = client.v1.products.create({"name": "Chairside"})
    return {name: client.v1.plans.create({
        "id": f"gw-{name}-{suffix}", "product": product.id, "amount": amount,
        "currency": "usd", "interval": "month"})
        for name, amount in (("chair", 500), ("seat", 100))}


@pytest.fixture(scope="module")
def gateway(localstripe: str, plans: dict[str, Any]) -> StripeGateway:
    # Plan ids stand for the price ids of the settings (localstripe has no Prices)
    return StripeGateway(make_stripe_client(TEST_API_KEY, localstripe),
                         plans["chair"].id, plans["seat"].id)


def customer(client: Any, card: str = "4242424242424242") -> Any:
    method = client.v1.payment_methods.create({"type": "card", "card": {
        "number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    return client.v1.customers.create({
        "email": f"owner-{uuid.uuid4().hex[:6]}@clinic.test", "payment_method": method.id,
        "invoice_settings": {"default_payment_method": method.id}})


def subscribe(client: Any, who: Any, plan: Any, quantity: int) -> Any:
    return client.v1.subscriptions.create({
        "customer": who.id, "items": [{"plan": plan.id, "quantity": quantity}],
        "metadata": {"clinic_id": str(CLINIC)}})


def test_a_subscription_is_read_back(client: Any, plans: dict[str, Any],
                                     gateway: StripeGateway) -> None:
    who = customer(client)
    chairs = subscribe(client, who, plans["chair"], 3)
    seats = subscribe(client, who, plans["seat"], 2)

    read = gateway.current_subscription(chairs.id)
    assert read is not None
    assert (read.subscription_ref, read.customer_ref, read.status, read.chairs, read.seats) == (
        chairs.id, who.id, SubscriptionStatus.ACTIVE, 3, 0)
    assert read.period_end == datetime.fromtimestamp(chairs.current_period_end, UTC)
    seat_read = gateway.current_subscription(seats.id)
    assert seat_read is not None and (seat_read.chairs, seat_read.seats) == (0, 2)
    assert gateway.current_subscription("sub_does_not_exist") is None


def test_paid_invoices_newest_first(client: Any, plans: dict[str, Any],
                                    gateway: StripeGateway) -> None:
    who = customer(client)
    chairs = subscribe(client, who, plans["chair"], 1)
    seats = subscribe(client, who, plans["seat"], 2)

    invoices = gateway.recent_invoices(who.id)
    by_ref = {i.ref: i for i in invoices}
    assert set(by_ref) == {chairs.latest_invoice, seats.latest_invoice}
    assert (by_ref[chairs.latest_invoice].amount_cents,
            by_ref[chairs.latest_invoice].currency) == (500, "usd")
    assert by_ref[seats.latest_invoice].amount_cents == 200
    assert all(i.url is None for i in invoices)  # localstripe has no hosted_invoice_url
    assert all(i.paid_at.tzinfo is not None for i in invoices)

    failing = customer(client, "4000000000000341")
    subscribe(client, failing, plans["chair"], 1)  # its invoice stays open: not a payment
    assert gateway.recent_invoices(failing.id) == []


def test_cancelled_lapses_and_an_unpaid_first_invoice_holds_nothing(
        client: Any, plans: dict[str, Any], gateway: StripeGateway) -> None:
    who = customer(client)
    chairs = subscribe(client, who, plans["chair"], 1)
    client.v1.subscriptions.cancel(chairs.id)
    read = gateway.current_subscription(chairs.id)
    assert read is not None and read.status is SubscriptionStatus.LAPSED
    assert read.chairs == 1  # what was paid is kept; the licence no longer holds it

    failing = customer(client, "4000000000000341")
    incomplete = subscribe(client, failing, plans["chair"], 1)
    read = gateway.current_subscription(incomplete.id)
    assert read is not None and read.status is SubscriptionStatus.NONE


# -- the recorder ----------------------------------------------------------------------------------

@pytest.fixture
def recorded(recording_stripe: RecordingStripe) -> StripeGateway:
    return StripeGateway(make_stripe_client(TEST_API_KEY, recording_stripe.url),
                         "price_chair", "price_seat")


def two_items(status: str = "active", chairs: int = 2, seats: int = 1,
              on_items: bool = True) -> dict[str, Any]:
    """A subscription as Stripe's current API sends it: the period on each item."""
    item_period = {"current_period_end": PERIOD_END} if on_items else {}
    items = [{"id": "si_chair", "object": "subscription_item", "quantity": chairs,
              "price": {"id": "price_chair", "object": "price"}, **item_period},
             {"id": "si_seat", "object": "subscription_item", "quantity": seats,
              "price": {"id": "price_seat", "object": "price"},
              "plan": {"id": "price_seat", "object": "plan"}, **item_period}]
    body: dict[str, Any] = {"id": "sub_test_1", "object": "subscription", "status": status,
                            "customer": "cus_test_1",
                            "items": {"object": "list", "data": items}}
    if not on_items:
        body["current_period_end"] = PERIOD_END - 1
    return body


def test_checkout_session_request(recording_stripe: RecordingStripe,
                                  recorded: StripeGateway) -> None:
    start = recorded.start_checkout(CLINIC, None, "anna@example.com", 1, 2,
                                    "https://app.test/billing?paid=1", "https://app.test/billing")
    assert start.url == "https://checkout.stripe.test/c/pay/cs_test_0001"
    [request] = recording_stripe.requests
    assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    assert request.form == [
        ("mode", "subscription"),
        ("line_items[0][price]", "price_chair"), ("line_items[0][quantity]", "1"),
        ("line_items[1][price]", "price_seat"), ("line_items[1][quantity]", "2"),
        ("customer_email", "anna@example.com"),
        ("client_reference_id", str(CLINIC)),
        ("success_url", "https://app.test/billing?paid=1"),
        ("cancel_url", "https://app.test/billing"),
        ("metadata[clinic_id]", str(CLINIC)),
        ("subscription_data[metadata][clinic_id]", str(CLINIC)),
    ]


def test_checkout_omits_an_item_of_quantity_zero_and_names_a_known_customer(
        recording_stripe: RecordingStripe, recorded: StripeGateway) -> None:
    recorded.start_checkout(CLINIC, "cus_test_1", "anna@example.com", 0, 3, "https://ok",
                            "https://back")
    [request] = recording_stripe.requests
    params = request.params
    assert (params["line_items[0][price]"], params["line_items[0][quantity]"]) == (
        "price_seat", "3")
    assert "line_items[1][price]" not in params
    assert params["customer"] == "cus_test_1" and "customer_email" not in params
    with pytest.raises(ValidationFailed):  # nothing to buy
        recorded.start_checkout(CLINIC, None, "anna@example.com", 0, 0, "https://ok", "https://b")
    assert len(recording_stripe.requests) == 1


def test_portal_request(recording_stripe: RecordingStripe, recorded: StripeGateway) -> None:
    url = recorded.portal_url("cus_test_1", "https://app.test/billing")
    assert url.startswith("https://billing.stripe.test/p/session/")
    [request] = recording_stripe.requests
    assert (request.method, request.path) == ("POST", "/v1/billing_portal/sessions")
    assert request.form == [("customer", "cus_test_1"), ("return_url", "https://app.test/billing")]


def test_an_increase_updates_both_items_and_is_invoiced_at_once(
        recording_stripe: RecordingStripe, recorded: StripeGateway) -> None:
    recording_stripe.respond("/v1/subscriptions/sub_test_1", two_items(chairs=2, seats=1))
    recorded.change_quantities("sub_test_1", 3, 1)
    read, update = recording_stripe.to("/v1/subscriptions/sub_test_1")
    assert read.method == "GET"
    assert update.method == "POST"
    assert update.form == [
        ("items[0][id]", "si_chair"), ("items[0][quantity]", "3"),
        ("items[1][id]", "si_seat"), ("items[1][quantity]", "1"),
        ("proration_behavior", "always_invoice"), ("payment_behavior", "error_if_incomplete")]


def test_a_new_item_is_added_and_a_zero_item_deleted_without_credit(
        recording_stripe: RecordingStripe, recorded: StripeGateway) -> None:
    only_chairs = two_items(chairs=2)
    only_chairs["items"]["data"] = only_chairs["items"]["data"][:1]
    recording_stripe.respond("/v1/subscriptions/sub_test_1", only_chairs)
    recorded.change_quantities("sub_test_1", 2, 4)
    recording_stripe.respond("/v1/subscriptions/sub_test_1", two_items(chairs=2, seats=4))
    recorded.change_quantities("sub_test_1", 0, 4)
    added, lowered = [r for r in recording_stripe.requests if r.method == "POST"]
    assert added.form == [
        ("items[0][id]", "si_chair"), ("items[0][quantity]", "2"),
        ("items[1][price]", "price_seat"), ("items[1][quantity]", "4"),
        ("proration_behavior", "always_invoice"), ("payment_behavior", "error_if_incomplete")]
    assert lowered.form == [
        ("items[0][id]", "si_chair"), ("items[0][deleted]", "true"),
        ("items[1][id]", "si_seat"), ("items[1][quantity]", "4"),
        ("proration_behavior", "none")]


@pytest.mark.parametrize(("stripe_status", "ours"), [
    ("active", SubscriptionStatus.ACTIVE),
    ("trialing", SubscriptionStatus.ACTIVE),
    ("past_due", SubscriptionStatus.PAST_DUE),  # Stripe still retries: the licence holds
    ("unpaid", SubscriptionStatus.LAPSED),  # past the retries
    ("canceled", SubscriptionStatus.LAPSED),
    ("incomplete_expired", SubscriptionStatus.LAPSED),
    ("incomplete", SubscriptionStatus.NONE),
])
def test_status_mapping_and_two_items_read_back(
        recording_stripe: RecordingStripe, recorded: StripeGateway, stripe_status: str,
        ours: SubscriptionStatus) -> None:
    recording_stripe.respond("/v1/subscriptions/sub_test_1", two_items(stripe_status, 4, 7))
    read = recorded.current_subscription("sub_test_1")
    assert read is not None
    assert (read.status, read.chairs, read.seats, read.customer_ref) == (
        ours, 4, 7, "cus_test_1")
    assert read.period_end == datetime.fromtimestamp(PERIOD_END, UTC)
    [request] = recording_stripe.requests
    assert (request.method, request.path) == ("GET", "/v1/subscriptions/sub_test_1")


def test_the_period_end_of_the_older_shape_is_on_the_subscription(
        recording_stripe: RecordingStripe, recorded: StripeGateway) -> None:
    recording_stripe.respond("/v1/subscriptions/sub_test_1", two_items(on_items=False))
    read = recorded.current_subscription("sub_test_1")
    assert read is not None and read.period_end == datetime.fromtimestamp(PERIOD_END - 1, UTC)


def test_a_missing_subscription_reads_as_none(recording_stripe: RecordingStripe,
                                             recorded: StripeGateway) -> None:
    recording_stripe.respond("/v1/subscriptions/sub_gone", {"error": {
        "type": "invalid_request_error", "code": "resource_missing",
        "message": "No such subscription: 'sub_gone'"}}, status=404)
    assert recorded.current_subscription("sub_gone") is None


def test_hosted_invoice_links_are_kept(recording_stripe: RecordingStripe,
                                       recorded: StripeGateway) -> None:
    recording_stripe.respond("/v1/invoices", {"object": "list", "has_more": False, "data": [
        {"id": "in_2", "object": "invoice", "status": "paid", "amount_paid": 700,
         "currency": "usd", "hosted_invoice_url": "https://invoice.stripe.test/i/in_2",
         "status_transitions": {"paid_at": PERIOD_END}},
        {"id": "in_0", "object": "invoice", "status": "paid", "amount_paid": 0,
         "currency": "usd", "created": PERIOD_END - 10},
        {"id": "in_open", "object": "invoice", "status": "open", "amount_paid": 0,
         "amount_due": 500, "currency": "usd"}]})
    [invoice] = recorded.recent_invoices("cus_test_1")
    assert (invoice.ref, invoice.amount_cents, invoice.url, invoice.paid_at) == (
        "in_2", 700, "https://invoice.stripe.test/i/in_2", datetime.fromtimestamp(PERIOD_END, UTC))
    [request] = recording_stripe.requests
    assert (request.method, request.path) == ("GET", "/v1/invoices")
    assert dict(request.query) == {"customer": "cus_test_1", "limit": "24"}


def test_an_invoice_without_any_time_is_dated_by_the_gateways_clock(
        recording_stripe: RecordingStripe) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 20, 59, 30, tzinfo=UTC))
    gateway = StripeGateway(make_stripe_client(TEST_API_KEY, recording_stripe.url),
                            "price_chair", "price_seat", clock)
    recording_stripe.respond("/v1/invoices", {"object": "list", "has_more": False, "data": [
        {"id": "in_1", "object": "invoice", "status": "paid", "amount_paid": 700,
         "currency": "usd"}]})
    [invoice] = gateway.recent_invoices("cus_test_1")
    assert invoice.paid_at == clock.now()


def test_the_gateway_needs_its_settings() -> None:
    with pytest.raises(RuntimeError):
        StripeGateway(make_stripe_client(None), "price_chair", "price_seat")
    with pytest.raises(RuntimeError):
        StripeGateway(make_stripe_client(TEST_API_KEY), "price_chair", None)


# -- the settings choose the gateway ---------------------------------------------------------------

def test_stripe_settings_are_read_and_never_shown(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Any) -> None:
    from clinic.config import load_settings

    for name, value in (("STRIPE_SECRET_KEY", "sk_test_secret"),
                        ("STRIPE_WEBHOOK_SECRET", "whsec_secret"),
                        ("STRIPE_PRICE_CHAIR", "price_chair"), ("STRIPE_PRICE_SEAT", "price_seat"),
                        ("STRIPE_API_BASE", "http://127.0.0.1:9")):
        monkeypatch.setenv(name, value)
    settings = load_settings(instance_dir=tmp_path, secret_key="x")
    assert (settings.stripe_secret_key, settings.stripe_webhook_secret,
            settings.stripe_price_chair, settings.stripe_price_seat,
            settings.stripe_api_base) == ("sk_test_secret", "whsec_secret", "price_chair",
                                          "price_seat", "http://127.0.0.1:9")
    assert settings.payment_provider == "stripe"
    assert "sk_test_secret" not in repr(settings) and "whsec_secret" not in repr(settings)
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    assert load_settings(instance_dir=tmp_path, secret_key="x").payment_provider == "local"


def test_the_container_uses_stripe_only_with_a_key(recording_stripe: RecordingStripe,
                                                   tmp_path: Any) -> None:
    from clinic.adapters.local_checkout import LocalCheckoutGateway
    from clinic.container import build_container
    from tests.integration.conftest import make_settings

    url = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    local = build_container(make_settings(url, tmp_path))
    assert isinstance(local.payment_gateway(), LocalCheckoutGateway)
    live = build_container(make_settings(
        url, tmp_path, stripe_secret_key=TEST_API_KEY, stripe_price_chair="price_chair",
        stripe_price_seat="price_seat", stripe_api_base=recording_stripe.url))
    gateway = live.payment_gateway()
    assert isinstance(gateway, StripeGateway) and gateway.test_mode is False
    assert gateway is live.payment_gateway()  # one client for the process
    gateway.portal_url("cus_test_1", "https://app.test/billing")
    assert [r.path for r in recording_stripe.requests] == ["/v1/billing_portal/sessions"]


def test_setup_prices_creates_the_two_prices_once(sqlite_url, tmp_path, recording_stripe):
    from click.testing import CliRunner

    from clinic.entrypoints.cli import Context, main
    from tests.integration.conftest import make_container, make_settings

    container = make_container(make_settings(
        sqlite_url, tmp_path, stripe_secret_key="sk_test_chairside",
        stripe_api_base=recording_stripe.url))
    context = Context()
    context._container = container
    recording_stripe.respond("/v1/prices", {"object": "list", "data": [], "has_more": False})
    first = CliRunner().invoke(main, ["billing", "setup-prices"], obj=context)
    assert first.exit_code == 0, first.output
    created = [r for r in recording_stripe.to("/v1/prices") if r.method == "POST"]
    assert sorted(r.params["lookup_key"] for r in created) == [
        "chairside_extra_chair", "chairside_extra_seat"]
    chair = next(r for r in created if r.params["lookup_key"] == "chairside_extra_chair")
    assert (chair.params["unit_amount"], chair.params["currency"],
            chair.params["recurring[interval]"]) == ("500", "usd", "month")
    assert "STRIPE_PRICE_CHAIR=" in first.output
    recording_stripe.respond("/v1/prices", {"object": "list", "has_more": False, "data": [
        {"id": "price_chair", "object": "price", "lookup_key": "chairside_extra_chair"},
        {"id": "price_seat", "object": "price", "lookup_key": "chairside_extra_seat"}]})
    again = CliRunner().invoke(main, ["billing", "setup-prices"], obj=context)
    assert "STRIPE_PRICE_CHAIR=price_chair" in again.output
    assert "STRIPE_PRICE_SEAT=price_seat" in again.output
    assert len([r for r in recording_stripe.to("/v1/prices") if r.method == "POST"]) == 2
    container.engine().dispose()


def test_setup_prices_needs_a_stripe_key(sqlite_url, tmp_path):
    from click.testing import CliRunner

    from clinic.entrypoints.cli import Context, main
    from tests.integration.conftest import make_container, make_settings

    container = make_container(make_settings(sqlite_url, tmp_path))
    context = Context()
    context._container = container
    refused = CliRunner().invoke(main, ["billing", "setup-prices"], obj=context)
    assert refused.exit_code == 2 and "STRIPE_SECRET_KEY" in refused.output
    container.engine().dispose()
