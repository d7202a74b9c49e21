"""The partner programme's rules: 30% of each payment, rounded down, in an append-only ledger
where a replayed event adds nothing and a refund never takes back more than was earned."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from clinic.application.referrals.ledger import CreditReferrer
from clinic.domain.accounts import Clinic
from clinic.domain.licensing import PaymentReceived, PaymentRefunded
from clinic.domain.referrals import (
    CODE_ALPHABET,
    code_prefix,
    commission_cents,
    new_promo_code,
    normalize_code,
)
from tests.unit.fakes import FakeClock, FakeUowFactory

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_the_share_is_thirty_percent_rounded_down_in_cents():
    assert commission_cents(1234) == 370
    assert commission_cents(500) == 150
    assert commission_cents(3) == 0
    assert commission_cents(-100) == 0


def test_a_code_names_the_clinic_and_ends_in_letters_nobody_misreads():
    assert code_prefix("Smile Dental") == "SMILE"
    assert code_prefix("Стоматология «Улыбка»") == "ULYBKA"
    assert code_prefix("2024") == "CLINIC"
    code = new_promo_code("Smile Dental")
    prefix, tail = code.split("-")
    assert prefix == "SMILE" and len(tail) == 4 and set(tail) <= set(CODE_ALPHABET)
    assert not set(tail) & set("0O1IL5S2Z8BUV")


def test_codes_are_read_without_regard_to_case_or_spaces():
    assert normalize_code(" smile-7k2q ") == "SMILE-7K2Q"
    assert normalize_code("smile 7k2q") is None  # the dash is part of it
    assert normalize_code("") is None and normalize_code("x" * 40) is None


def _clinics(uow_factory):
    referrer = Clinic("Smile", "Europe/Moscow", "RUB", "RU", "ru", NOW)
    payer = Clinic("Dent", "Europe/Moscow", "RUB", "RU", "ru", NOW, referred_by=referrer.id)
    loner = Clinic("Alone", "Europe/Moscow", "RUB", "RU", "ru", NOW)
    uow_factory.store.clinics.update({c.id: c for c in (referrer, payer, loner)})
    return referrer, payer, loner


# Payments (amount) and refunds (amount); a refund is of earlier money, up to what was paid.
EVENTS = st.lists(st.tuples(st.booleans(), st.integers(0, 100_000)), min_size=1, max_size=20)


@given(EVENTS, st.lists(st.integers(0, 19), max_size=10))
def test_the_balance_is_the_sum_of_shares_and_a_replay_changes_nothing(events, replays):
    uow = FakeUowFactory()
    referrer, payer, loner = _clinics(uow)
    credit = CreditReferrer(uow, FakeClock(NOW))
    published = []
    expected, paid = 0, 0
    for refund, amount in events:
        if refund:
            amount = min(amount, paid)
            paid -= amount
            event = PaymentRefunded(uuid.uuid4(), payer.id, amount, "USD")
            expected -= min(commission_cents(amount), expected)
        else:
            paid += amount
            event = PaymentReceived(uuid.uuid4(), payer.id, amount, "USD")
            expected += commission_cents(amount)
        credit(event)
        published.append(event)
        balance = sum(e.amount_cents for e in uow.store.referral_entries.values())
        assert balance == expected and balance >= 0
    before = dict(uow.store.referral_entries)
    for index in replays:
        assert credit(published[index % len(published)]) is None
    assert uow.store.referral_entries == before
    credit(PaymentReceived(uuid.uuid4(), loner.id, 10_000, "USD"))  # referred by nobody
    assert uow.store.referral_entries == before
    assert all(e.clinic_id == referrer.id and e.source_clinic_name == "Dent"
               for e in before.values())


def test_a_full_refund_takes_back_exactly_what_its_payment_earned():
    uow = FakeUowFactory()
    _referrer, payer, _ = _clinics(uow)
    credit = CreditReferrer(uow, FakeClock(NOW))
    assert credit(PaymentReceived(uuid.uuid4(), payer.id, 1234, "USD")).amount_cents == 370
    assert credit(PaymentRefunded(uuid.uuid4(), payer.id, 1234, "USD")).amount_cents == -370
    assert sum(e.amount_cents for e in uow.store.referral_entries.values()) == 0


def test_the_bus_hands_each_listener_only_the_kinds_it_declares():
    from clinic.application.events import InProcessEventBus, subscribe_all
    from clinic.domain.licensing import PaymentReceived
    from clinic.domain.shared import Event

    class Other(Event):
        pass

    heard: list[object] = []

    class Listener:
        listens_to = (PaymentReceived,)

        def __call__(self, event: object) -> None:
            heard.append(event)

    bus = InProcessEventBus()
    subscribe_all(bus, [Listener()])
    paid = PaymentReceived(uuid.uuid4(), uuid.uuid4(), 500, "USD")
    bus.publish(Other())
    bus.publish(paid)
    assert heard == [paid]
