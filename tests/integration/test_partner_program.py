"""The partner programme (issue 8): a clinic that signs up with another's promo code earns it
30% of every payment, credited once per payment even when Stripe's webhook arrives twenty times
at once, taken back on a refund, kept after the referred clinic is gone, and checked by
`clinic referrals verify`."""

from __future__ import annotations

import re
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, insert, select

from clinic.adapters.sqlalchemy import tables
from clinic.adapters.stripe_webhooks import StripeWebhooks
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.domain.shared import ValidationFailed
from clinic.entrypoints.cli import Context, main
from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import Browser
from tests.stripe_events import (
    ProviderStandIn,
    charge_refunded,
    deliver_at_once,
    event,
    invoice,
    post,
)
from tests.stripe_support import TEST_WEBHOOK_SECRET

CODE = re.compile(r"^[A-Z]{1,6}-[34679ACDEFGHJKMNPQRTWXY]{4}$")


def _sign_up(container, email: str, clinic: str, promo: str = ""):
    return container.sign_up()(SignUpCommand(clinic, "Anna", email, "correct horse", "en",
                                             "Europe/Moscow", promo_code=promo))


def _clinic(container, clinic_id):
    with container.engine().connect() as conn:
        return conn.execute(select(tables.clinics).where(tables.clinics.c.id == clinic_id)).one()


def _count(container, table) -> int:
    with container.engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _ledger(container, clinic_id) -> list[tuple]:
    e = tables.referral_entries.c
    with container.engine().connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(e.kind, e.amount_cents, e.currency, e.source_clinic_name)
            .where(e.clinic_id == clinic_id).order_by(e.created_at, e.amount_cents.desc()))]


@pytest.fixture
def referrer(container):
    return _sign_up(container, "anna@example.com", "Smile Dental")


def test_every_clinic_gets_its_own_readable_code_and_a_code_refers_a_new_one(container,
                                                                             referrer):
    code = _clinic(container, referrer.clinic_id).promo_code
    assert CODE.match(code) and code.startswith("SMILE-")
    referred = _sign_up(container, "boris@example.com", "Dent", promo=f" {code.lower()} ")
    row = _clinic(container, referred.clinic_id)
    assert row.referred_by == referrer.clinic_id  # case and spaces do not matter
    assert CODE.match(row.promo_code) and row.promo_code != code
    lone = _sign_up(container, "olga@example.com", "Olga's")
    assert _clinic(container, lone.clinic_id).referred_by is None  # no code is fine


def test_a_wrong_or_own_code_is_a_field_error_and_creates_nothing(container, referrer):
    before = (_count(container, tables.clinics), _count(container, tables.users))
    with pytest.raises(ValidationFailed) as wrong:
        _sign_up(container, "boris@example.com", "Dent", promo="SMILE-0000")
    assert wrong.value.errors == {"promo_code": "promo_unknown"}
    code = _clinic(container, referrer.clinic_id).promo_code
    with pytest.raises(ValidationFailed) as own:  # the referrer's own email: itself
        _sign_up(container, "ANNA@example.com", "Smile again", promo=code)
    assert own.value.errors == {"promo_code": "promo_own"}
    assert (_count(container, tables.clinics), _count(container, tables.users)) == before


# -- payments through Stripe's webhooks, on both databases -----------------------------------

@pytest.fixture
def stripe(container):
    stand_in = ProviderStandIn()
    container.payment_gateway.override(stand_in)
    container.webhook_reader.override(StripeWebhooks(TEST_WEBHOOK_SECRET))
    stand_in.set("sub_test_1", 3)
    yield stand_in
    container.payment_gateway.reset_override()
    container.webhook_reader.reset_override()


def test_a_referred_clinics_payment_credits_the_referrer_once_even_twenty_times_at_once(
        container, referrer, stripe):
    app = create_app(container.settings(), container)
    code = _clinic(container, referrer.clinic_id).promo_code
    referred = _sign_up(container, "boris@example.com", "Dent", promo=code)
    statuses = deliver_at_once(app, event("invoice.paid",
                                          invoice(referred.clinic_id, amount=1500)))
    assert statuses == [200] * 20
    assert _ledger(container, referrer.clinic_id) == [("credit", 450, "USD", "Dent")]

    client = app.test_client()
    refund = event("charge.refunded", charge_refunded([("re_1", 500)]))
    assert post(client, refund).status_code == 200
    assert post(client, refund).status_code == 200  # a replay: nothing more
    assert _ledger(container, referrer.clinic_id) == [
        ("credit", 450, "USD", "Dent"), ("reversal", -150, "USD", "Dent")]
    rest = event("charge.refunded", charge_refunded([("re_1", 500), ("re_2", 1000)]))
    assert post(client, rest).status_code == 200
    assert sum(a for _k, a, _c, _n in _ledger(container, referrer.clinic_id)) == 0
    assert container.verify_referrals()() == (1, [])

    # the referred clinic leaves: its share stays, with its name
    with container.engine().begin() as conn:
        conn.execute(delete(tables.clinics).where(tables.clinics.c.id == referred.clinic_id))
    assert [n for *_rest, n in _ledger(container, referrer.clinic_id)] == ["Dent"] * 3


def test_a_clinic_nobody_referred_earns_nobody_anything(container, referrer, stripe):
    app = create_app(container.settings(), container)
    assert post(app.test_client(), event("invoice.paid", invoice(referrer.clinic_id))
                ).status_code == 200
    assert _count(container, tables.referral_entries) == 0


# -- the ledger checked, and printed ----------------------------------------------------------

def test_verify_finds_an_entry_that_does_not_follow_from_the_payments(container, referrer):
    code = _clinic(container, referrer.clinic_id).promo_code
    referred = _sign_up(container, "boris@example.com", "Dent", promo=code)
    from clinic.domain.licensing import PaymentKind

    container.record_payment()(referred.clinic_id, PaymentKind.PAYMENT, "in_1", 1234)
    context = Context()
    context._container = container

    def run(*args: str):
        return CliRunner().invoke(main, list(args), obj=context)

    fine = run("referrals", "verify")
    assert fine.exit_code == 0 and "1 referrer-and-clinic pair(s): 0 difference(s)" in fine.output
    shown = run("referrals", "show", str(referrer.clinic_id))
    assert shown.exit_code == 0
    assert "balance 3.70 USD" in shown.output and "credit" in shown.output
    assert "Dent" in shown.output and code in shown.output
    with container.engine().begin() as conn:  # someone writes a line by hand
        conn.execute(insert(tables.referral_entries).values(
            id=uuid.uuid4(), clinic_id=referrer.clinic_id, kind="credit", amount_cents=1000,
            currency="USD", source_ref="payment:forged", source_clinic_id=referred.clinic_id,
            source_clinic_name="Dent", created_at=container.clock().now()))
    broken = run("referrals", "verify")
    assert broken.exit_code == 1
    assert "expected 3.70 USD, ledger 13.70 USD" in broken.output and "«Dent»" in broken.output
    assert run("referrals", "show", "not-a-uuid").exit_code == 2


# -- the pages and the API (SQLite) -----------------------------------------------------------

def test_the_share_link_fills_the_sign_up_form_and_a_wrong_code_keeps_what_was_typed(
        app, web_container):
    anna = Browser(app.test_client())
    anna.sign_up()
    code = web_container.referral_queries().overview(
        web_container.account_queries().tenants()[0].id).promo_code
    page = app.test_client().get(f"/signup?promo={code}").get_data(as_text=True)
    assert f'value="{code}"' in page
    boris = Browser(app.test_client())
    refused = boris.sign_up(email="boris@example.com", clinic="Dent", promo_code="SMILE-0000")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "There is no clinic with this promo code" in text
    assert 'value="Dent"' in text and 'value="boris@example.com"' in text
    assert boris.sign_up(email="boris@example.com", clinic="Dent",
                         promo_code=code).status_code == 302


def test_the_partner_page_and_api_show_the_code_the_clinics_and_the_balance(
        app, web_container, client):
    anna = Browser(app.test_client())
    anna.sign_up()
    a_id = web_container.account_queries().tenants()[0].id
    code = web_container.referral_queries().overview(a_id).promo_code
    referred = _sign_up(web_container, "boris@example.com", "Dent", promo=code)
    from clinic.domain.licensing import PaymentKind

    web_container.record_payment()(referred.clinic_id, PaymentKind.PAYMENT, "in_1", 500)
    page = anna.client.get("/partner").get_data(as_text=True)
    assert code in page and f"/signup?promo={code}" in page
    assert "<svg" in page and 'class="qr"' in page  # the QR code, drawn on the server
    assert "Dent" in page and "$1.50" in page
    assert "boris@example.com" not in page  # nothing of theirs but the name and the day
    token = web_container.create_operator_token()(a_id, "site").secret
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/partner", headers=headers).get_json()
    assert body == {"promo_code": code, "share_url": f"http://localhost/signup?promo={code}",
                    "balance": "1.50", "currency": "USD", "referred_clinics_count": 1}
    ledger = client.get("/api/v1/partner/ledger?limit=10", headers=headers).get_json()
    assert ledger["total"] == 1
    assert [(i["kind"], i["amount"], i["source_clinic_name"]) for i in ledger["items"]] == [
        ("credit", "1.50", "Dent")]


def test_clinics_made_before_the_programme_get_a_code_when_migrated(tmp_path):
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    from clinic.adapters.sqlalchemy import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0008")
    engine = create_engine(url)
    with engine.begin() as conn:
        for name in ("Old one", "Old two"):
            conn.execute(text(
                "INSERT INTO clinics (id, name, timezone, currency, country, locale, status, "
                "created_at) VALUES (:id, :name, 'Europe/Moscow', 'RUB', 'RU', 'ru', 'active', "
                ":at)"), {"id": uuid.uuid4().hex, "name": name, "at": datetime.now(UTC)})
    migrate.upgrade(url)
    with engine.connect() as conn:
        codes = [c for (c,) in conn.execute(text("SELECT promo_code FROM clinics"))]
    engine.dispose()
    assert len(set(codes)) == 2 and all(re.match(r"^CLINIC-[34679A-Z]{4}$", c) for c in codes)
