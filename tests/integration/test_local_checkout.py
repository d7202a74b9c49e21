"""The test-mode gateway end to end on both databases: "Pay" makes a local checkout, "Complete
payment" raises the licence and records the payment through the webhook use cases, an increase
is charged, and reconciling twice changes nothing the second time."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.domain.licensing import PaymentReceived


@pytest.fixture
def owner(container):
    return container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com",
                                              "correct horse", "en"))


def _payments(container) -> list[tuple[str, int]]:
    with container.engine().connect() as conn:
        return [(r.external_ref[:8], r.amount_cents) for r in conn.execute(
            select(tables.payments).order_by(tables.payments.c.created_at))]


def test_paying_in_test_mode_raises_the_licence_and_records_the_payment(container, owner):
    heard: list = []
    container.billing_events().subscribe(heard.append)
    clinic = owner.clinic_id
    url = container.change_plan()(clinic, owner.user_id, 1, 2, "/billing?paid=1", "/billing")
    assert url.startswith("/billing/test-pay/")
    token = url.rsplit("/", 1)[1]
    assert container.payment_gateway().checkout(token)["chairs"] == 1
    assert container.show_billing()(clinic).licence.allowed_chairs == 2  # not paid yet
    done = container.complete_test_checkout()(token)
    assert done is not None and done.success_url == "/billing?paid=1"
    overview = container.show_billing()(clinic)
    assert (overview.licence.allowed_chairs, overview.licence.allowed_seats) == (3, 2)
    assert overview.test_mode and overview.has_customer
    assert _payments(container) == [("test_in_", 700)]
    assert [type(e) for e in heard] == [PaymentReceived] and heard[0].amount_cents == 700
    assert container.complete_test_checkout()(token) is None  # a second click: nothing
    assert container.complete_test_checkout()(f"{clinic}.{'0' * 32}") is None
    assert container.complete_test_checkout()("nonsense") is None
    assert len(_payments(container)) == 1

    # No webhook comes in test mode: changing the plan reads the outcome back at once.
    assert container.change_plan()(clinic, owner.user_id, 3, 2, "/ok", "/back") is None
    assert container.show_billing()(clinic).licence.allowed_chairs == 5
    assert sorted(a for _r, a in _payments(container)) == [700, 1000]
    # A change the local state missed (as a lost webhook would): reconciling fixes it, once.
    container.payment_gateway().change_quantities(f"test_sub_{clinic}", 4, 2)
    assert container.show_billing()(clinic).licence.allowed_chairs == 5
    assert container.reconcile_billing()(clinic) == (True, 1)
    assert container.show_billing()(clinic).licence.allowed_chairs == 6
    assert sorted(a for _r, a in _payments(container)) == [500, 700, 1000]
    assert container.reconcile_billing()(clinic) == (False, 0)
    with container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.payments)).scalar() == 3


def test_reconciling_a_clinic_that_never_paid_does_nothing(container, owner):
    assert container.reconcile_billing()(owner.clinic_id) == (False, 0)
