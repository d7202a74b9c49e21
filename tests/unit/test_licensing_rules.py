"""Chairs and seats against what was paid: limits, lapses that freeze instead of deleting, and
lowering that must still cover what is in use."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.licensing import (
    ChairLimitReached,
    Dated,
    Licence,
    LowerThanInUse,
    SeatLimitReached,
    Subscription,
    SubscriptionStatus,
    beyond_allowance,
    check_can_add_chair,
    check_can_add_seat,
    check_can_lower,
    monthly_cents,
    to_cover,
)

FREE = Licence()
PAID = Licence(SubscriptionStatus.ACTIVE, paid_chairs=3, paid_seats=2)


def test_two_chairs_and_only_the_owner_are_free():
    check_can_add_chair(1, FREE)
    with pytest.raises(ChairLimitReached) as raised:
        check_can_add_chair(2, FREE)
    assert (raised.value.in_use, raised.value.allowed) == (3, 2)
    with pytest.raises(SeatLimitReached):
        check_can_add_seat(0, FREE)


def test_paid_chairs_and_seats_raise_the_limits_while_the_subscription_holds():
    check_can_add_chair(4, PAID)
    with pytest.raises(ChairLimitReached):
        check_can_add_chair(5, PAID)
    check_can_add_seat(1, PAID)
    with pytest.raises(SeatLimitReached):
        check_can_add_seat(2, PAID)
    past_due = Licence(SubscriptionStatus.PAST_DUE, 3, 2)
    assert (past_due.allowed_chairs, past_due.allowed_seats) == (5, 2)  # Stripe still retries
    lapsed = Licence(SubscriptionStatus.LAPSED, 3, 2)
    assert (lapsed.allowed_chairs, lapsed.allowed_seats) == (2, 0)


@given(st.integers(0, 50), st.integers(0, 50), st.sampled_from(list(SubscriptionStatus)),
       st.integers(0, 60))
def test_a_room_can_be_added_exactly_while_below_the_allowance(chairs, seats, status, rooms):
    licence = Licence(status, chairs, seats)
    allowed = 2 + (chairs if status in (SubscriptionStatus.ACTIVE,
                                        SubscriptionStatus.PAST_DUE) else 0)
    if rooms < allowed:
        check_can_add_chair(rooms, licence)
    else:
        with pytest.raises(ChairLimitReached):
            check_can_add_chair(rooms, licence)


@given(st.integers(0, 100), st.integers(0, 100))
def test_the_monthly_price_is_five_dollars_a_chair_and_one_a_seat(chairs, seats):
    assert monthly_cents(chairs, seats) == chairs * 500 + seats * 100
    assert Licence(SubscriptionStatus.ACTIVE, chairs, seats).monthly_cents == \
        monthly_cents(chairs, seats)


@pytest.mark.parametrize("status", list(SubscriptionStatus))
def test_a_month_costs_the_extras_in_force_and_nothing_on_the_free_plan(status):
    licence = Licence(status, paid_chairs=3, paid_seats=2)
    expected = 1700 if status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE) else 0
    assert licence.monthly_cents == expected
    assert (licence.held_chairs, licence.held_seats) == ((3, 2) if expected else (0, 0))


@pytest.mark.parametrize(("licence", "rooms", "seats", "expected"), [
    (PAID, 1, 0, (3, 2)),  # what is paid stays paid for
    (PAID, 7, 4, (5, 4)),  # everything in use is covered
    (Licence(SubscriptionStatus.LAPSED, 3, 2), 4, 1, (2, 1)),  # a lapse holds nothing
    (FREE, 1, 0, (0, 0)),
])
def test_paying_again_covers_what_is_paid_and_in_use(licence, rooms, seats, expected):
    assert to_cover(licence, rooms, seats) == expected


def test_lowering_is_refused_while_more_is_in_use_and_says_how_much():
    check_can_lower(1, 0, active_rooms=3, seats_in_use=0)
    with pytest.raises(LowerThanInUse) as raised:
        check_can_lower(0, 1, active_rooms=4, seats_in_use=3)
    assert (raised.value.chairs_over, raised.value.seats_over) == (2, 2)


@given(st.lists(st.integers(0, 10_000), unique=True, max_size=30), st.integers(0, 35))
def test_the_latest_beyond_the_allowance_are_frozen_the_oldest_keep_working(minutes, allowed):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = [Dated(uuid.uuid4(), start + timedelta(minutes=m)) for m in minutes]
    frozen = beyond_allowance(items, allowed)
    assert len(frozen) == max(0, len(items) - allowed)
    working = [i for i in items if i.id not in frozen]
    if frozen and working:
        assert max(i.since for i in working) < min(i.since for i in items if i.id in frozen)


START = datetime(2026, 11, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 12, 1, tzinfo=UTC)


def _paid(chairs: int, seats: int) -> Subscription:
    subscription = Subscription(uuid.uuid4(), START)
    subscription.sync(SubscriptionStatus.ACTIVE, chairs, seats, PERIOD_END, START)
    return subscription


def test_a_lower_number_waits_for_the_end_of_the_paid_period():
    subscription = _paid(3, 2)
    assert subscription.sync(SubscriptionStatus.ACTIVE, 1, 2, PERIOD_END, START) is True
    assert (subscription.paid_chairs, subscription.paid_seats) == (3, 2)  # paid for till then
    assert (subscription.next_chairs, subscription.next_seats) == (1, 2)
    assert subscription.licence.allowed_chairs == 5
    # the provider renews with the lower number: a new period, and the licence follows
    subscription.sync(SubscriptionStatus.ACTIVE, 1, 2, PERIOD_END + timedelta(days=31), START)
    assert (subscription.paid_chairs, subscription.next_chairs) == (1, None)


def test_a_higher_number_applies_at_once_and_a_change_of_mind_clears_the_wait():
    subscription = _paid(3, 2)
    subscription.sync(SubscriptionStatus.ACTIVE, 1, 2, PERIOD_END, START)
    subscription.sync(SubscriptionStatus.ACTIVE, 3, 2, PERIOD_END, START)  # back as it was
    assert (subscription.paid_chairs, subscription.next_chairs) == (3, None)
    subscription.sync(SubscriptionStatus.ACTIVE, 4, 1, PERIOD_END, START)  # one up, one down
    assert (subscription.paid_chairs, subscription.paid_seats) == (4, 2)
    assert (subscription.next_chairs, subscription.next_seats) == (4, 1)


def test_a_lapse_is_not_a_lowering_to_wait_for():
    subscription = _paid(3, 2)
    subscription.sync(SubscriptionStatus.LAPSED, 3, 2, PERIOD_END, START)
    assert subscription.licence.allowed_chairs == 2 and subscription.next_chairs is None


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=12))
def test_within_one_period_the_licence_never_goes_down(changes):
    subscription = _paid(0, 0)
    best = (0, 0)
    for chairs, seats in changes:
        subscription.sync(SubscriptionStatus.ACTIVE, chairs, seats, PERIOD_END, START)
        best = (max(best[0], chairs), max(best[1], seats))
        assert (subscription.paid_chairs, subscription.paid_seats) == best
        assert subscription.next_chairs in (None, chairs)
