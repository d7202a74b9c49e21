"""The billing tables on both databases: one subscription per clinic, a payment and a provider
event recorded once whatever the replays, payments kept (with the name) when a clinic goes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.ports import ANY_CLINIC, Conflict
from clinic.domain.licensing import Payment, PaymentKind, Subscription, SubscriptionStatus

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def clinic_id(container):
    return container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com",
                                              "correct horse", "en")).clinic_id


def _payment(clinic_id, ref: str) -> Payment:
    return Payment(clinic_id, "Smile", PaymentKind.PAYMENT, 700, "USD", ref, NOW)


def test_a_subscription_is_kept_and_synced(container, clinic_id):
    with container.uow(clinic_id) as uow:
        uow.billing.add_subscription(Subscription(clinic_id, NOW))
        uow.commit()
    with container.uow(clinic_id) as uow:
        subscription = uow.billing.subscription(clinic_id)
        assert subscription.licence.allowed_chairs == 2
        assert subscription.sync(SubscriptionStatus.ACTIVE, 3, 2, NOW, NOW) is True
        assert subscription.sync(SubscriptionStatus.ACTIVE, 3, 2, NOW, NOW) is False
        uow.commit()
    with container.uow(clinic_id) as uow:
        licence = uow.billing.subscription(clinic_id).licence
        assert (licence.allowed_chairs, licence.allowed_seats, licence.monthly_cents) == (5, 2,
                                                                                          1700)
        uow.billing.add_subscription(Subscription(clinic_id, NOW))
        with pytest.raises(Conflict):
            uow.commit()


def test_a_payment_and_an_event_are_recorded_once(container, clinic_id):
    with container.uow(clinic_id) as uow:
        uow.billing.add_payment(_payment(clinic_id, "in_1"))
        uow.billing.mark_processed("evt_1", "invoice.paid", NOW)
        uow.commit()
    for write in (lambda uow: uow.billing.add_payment(_payment(clinic_id, "in_1")),
                  lambda uow: uow.billing.mark_processed("evt_1", "invoice.paid", NOW)):
        with container.uow(clinic_id) as uow, pytest.raises(Conflict):
            write(uow)
            uow.commit()
    with container.uow(clinic_id) as uow:
        assert uow.billing.was_processed("evt_1") and not uow.billing.was_processed("evt_2")
        assert [p.external_ref for p in uow.billing.payments(clinic_id)] == ["in_1"]


def test_payments_outlive_their_clinic_with_its_name(container, clinic_id):
    with container.uow(clinic_id) as uow:
        uow.billing.add_payment(_payment(clinic_id, "in_9"))
        uow.commit()
    with container.engine().begin() as conn:
        for table in reversed(tables.metadata.sorted_tables):
            if "clinic_id" in table.c and table.name != "payments":
                conn.execute(delete(table).where(table.c.clinic_id == clinic_id))
        conn.execute(delete(tables.clinics).where(tables.clinics.c.id == clinic_id))
    with container.uow(ANY_CLINIC) as uow:
        kept = uow.billing.payment("in_9")
        assert (kept.clinic_id, kept.clinic_name, kept.amount_cents) == (None, "Smile", 700)
    with container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.payments)).scalar() == 1
