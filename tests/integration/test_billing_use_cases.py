"""The billing use cases on both databases with a provider stand-in that behaves like Stripe's
API from the outside: checkout first, quantity changes later, the state read back from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.billing.ports import CheckoutStart, ProviderSubscription
from clinic.application.billing.subscription import (
    ChangePlan,
    OpenCardPortal,
    RecordPayment,
    ShowBilling,
    SyncSubscription,
)
from clinic.application.catalog.rooms import RoomFields
from clinic.application.events import InProcessEventBus
from clinic.domain.accounts import Membership, Role
from clinic.domain.licensing import (
    LowerThanInUse,
    PaymentKind,
    PaymentReceived,
    PaymentRefunded,
    SubscriptionStatus,
)
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import NotAllowed
from tests.acting import owner_of
from tests.licences import grant_licence


class ProviderStandIn:
    test_mode = True

    def __init__(self) -> None:
        self.subscriptions: dict[str, ProviderSubscription] = {}
        self.checkouts: list[tuple] = []

    def start_checkout(self, clinic_id, customer_ref, email, chairs, seats, success_url,
                       cancel_url):
        self.checkouts.append((clinic_id, email, chairs, seats))
        return CheckoutStart(f"https://pay.test/{len(self.checkouts)}")

    def pay(self, ref: str, chairs: int, seats: int, status=SubscriptionStatus.ACTIVE):
        self.subscriptions[ref] = ProviderSubscription(
            ref, "cus_1", status, chairs, seats, datetime(2026, 12, 24, tzinfo=UTC))

    def current_subscription(self, subscription_ref):
        return self.subscriptions.get(subscription_ref)

    def change_quantities(self, subscription_ref, chairs, seats):
        self.pay(subscription_ref, chairs, seats)

    def portal_url(self, customer_ref, return_url):
        return "https://portal.test"

    def recent_invoices(self, customer_ref):
        return []


@pytest.fixture
def billing(container):
    owner = container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com",
                                              "correct horse", "en"))
    provider, events = ProviderStandIn(), InProcessEventBus()
    heard: list = []
    events.subscribe(heard.append)
    clock = container.clock()
    uows = container.uow
    return {"clinic": owner.clinic_id, "owner": owner.user_id, "provider": provider,
            "heard": heard, "change": ChangePlan(uows, provider, clock),
            "sync": SyncSubscription(uows, provider, clock),
            "record": RecordPayment(uows, events, clock),
            "show": ShowBilling(uows, provider, clock)}


def test_the_first_purchase_goes_to_checkout_and_the_licence_follows_the_provider(container,
                                                                                 billing):
    clinic, owner = billing["clinic"], billing["owner"]
    assert billing["show"](clinic).licence.allowed_chairs == 2
    url = billing["change"](clinic, owner, 1, 0, "https://ok", "https://back")
    assert url == "https://pay.test/1" and billing["provider"].checkouts[0][1:] == (
        "anna@example.com", 1, 0)
    assert billing["show"](clinic).licence.allowed_chairs == 2  # not before it is paid
    billing["provider"].pay("sub_1", 1, 0)
    assert billing["sync"](clinic, "sub_1") is True
    assert billing["sync"](clinic, "sub_1") is False  # twice changes nothing
    overview = billing["show"](clinic)
    assert (overview.licence.allowed_chairs, overview.licence.monthly_cents) == (3, 500)
    assert billing["change"](clinic, owner, 2, 1, "https://ok", "https://back") is None
    billing["sync"](clinic, "sub_1")
    assert billing["show"](clinic).licence.allowed_chairs == 4
    billing["provider"].pay("sub_1", 2, 1, SubscriptionStatus.LAPSED)
    billing["sync"](clinic, "sub_1")
    lapsed = billing["show"](clinic).licence
    assert (lapsed.allowed_chairs, lapsed.allowed_seats, lapsed.paid_chairs) == (2, 0, 2)


def test_lowering_below_what_is_in_use_is_refused_and_only_the_owner_pays(container, billing):
    clinic, owner = billing["clinic"], billing["owner"]
    grant_licence(container, clinic, chairs=1)  # as if paid earlier
    for name in ("Room 2", "Room 3"):
        container.save_room()(clinic, owner_of(container, clinic), RoomFields(name))
    with pytest.raises(LowerThanInUse) as raised:
        billing["change"](clinic, owner, 0, 0, "https://ok", "https://back")
    assert raised.value.chairs_over == 1
    with pytest.raises(ValidationFailed):
        billing["change"](clinic, owner, -1, 0, "https://ok", "https://back")
    other = container.sign_up()(SignUpCommand("Other", "Olga", "olga@example.com",
                                              "correct horse", "en"))
    with pytest.raises(NotFound):  # not a member of this clinic at all
        billing["change"](clinic, other.user_id, 5, 0, "https://ok", "https://back")
    admin = container.sign_up()(SignUpCommand("Third", "Ivan", "ivan@example.com",
                                              "correct horse", "en"))
    with container.uow(clinic) as uow:
        uow.memberships.add(Membership(clinic, admin.user_id, Role.ADMIN, datetime.now(UTC)))
        uow.commit()
    with pytest.raises(NotAllowed):  # an administrator does not pay
        billing["change"](clinic, admin.user_id, 5, 0, "https://ok", "https://back")


def test_only_the_owner_opens_the_card_portal(container, billing):
    clinic, owner, provider = billing["clinic"], billing["owner"], billing["provider"]
    provider.test_mode = False
    portal = OpenCardPortal(container.uow, provider)
    assert portal(clinic, owner, "https://back") is None  # nothing paid: no customer yet
    billing["change"](clinic, owner, 1, 0, "https://ok", "https://back")
    provider.pay("sub_1", 1, 0)
    billing["sync"](clinic, "sub_1")
    assert portal(clinic, owner, "https://back") == "https://portal.test"
    admin = container.sign_up()(SignUpCommand("Third", "Ivan", "ivan@example.com",
                                              "correct horse", "en"))
    with container.uow(clinic) as uow:
        uow.memberships.add(Membership(clinic, admin.user_id, Role.ADMIN, datetime.now(UTC)))
        uow.commit()
    with pytest.raises(NotAllowed):  # an administrator does not see the owner's card
        portal(clinic, admin.user_id, "https://back")
    elsewhere = container.sign_up()(SignUpCommand("Other", "Vera", "vera@example.com",
                                                  "correct horse", "en"))
    with pytest.raises(NotFound):  # nor does the owner of another clinic
        portal(clinic, elsewhere.user_id, "https://back")


def test_a_payment_is_recorded_and_published_once(container, billing):
    clinic = billing["clinic"]
    first = billing["record"](clinic, PaymentKind.PAYMENT, "in_1", 700)
    assert first is not None and first.clinic_name == "Smile"
    assert billing["record"](clinic, PaymentKind.PAYMENT, "in_1", 700) is None
    billing["record"](clinic, PaymentKind.REFUND, "re_1", 300)
    assert [type(e) for e in billing["heard"]] == [PaymentReceived, PaymentRefunded]
    assert [e.amount_cents for e in billing["heard"]] == [700, 300]
    assert [p.external_ref for p in billing["show"](clinic).payments] == ["re_1", "in_1"]
    assert timedelta(0) <= datetime.now(UTC) - first.created_at < timedelta(minutes=5)
