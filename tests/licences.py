"""What a confirmed payment leaves behind, for tests about something else: an active licence
with extra chairs and seats (the billing tests pay through the real flows instead)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from clinic.domain.licensing import Subscription, SubscriptionStatus


def set_licence(container, clinic_id: uuid.UUID, status: SubscriptionStatus,
                chairs: int | None = None, seats: int | None = None,
                period_end: datetime | None = None) -> None:
    """What the provider last confirmed (LAPSED: what Stripe's last failed retry or a
    cancellation leaves); numbers left out keep their value, as Stripe keeps the items."""
    now = container.clock().now()
    with container.uow(clinic_id) as uow:
        subscription = uow.billing.subscription(clinic_id)
        if subscription is None:
            subscription = Subscription(clinic_id, now)
            uow.billing.add_subscription(subscription)
        subscription.sync(status, subscription.paid_chairs if chairs is None else chairs,
                          subscription.paid_seats if seats is None else seats,
                          period_end or subscription.period_end, now)
        uow.commit()


def grant_licence(container, clinic_id: uuid.UUID, chairs: int = 0, seats: int = 0) -> None:
    """At least `chairs` extra chairs and `seats` seats, paid up for a month from now."""
    with container.uow(clinic_id) as uow:
        subscription = uow.billing.subscription(clinic_id)
        paid = (subscription.paid_chairs, subscription.paid_seats) if subscription else (0, 0)
    set_licence(container, clinic_id, SubscriptionStatus.ACTIVE, max(chairs, paid[0]),
                max(seats, paid[1]), container.clock().now() + timedelta(days=30))


def grant_every_clinic(container, chairs: int = 0, seats: int = 0) -> None:
    """`grant_licence` for each clinic there is (the browser tests sign up through the page)."""
    for tenant in container.account_queries().tenants():
        grant_licence(container, tenant.id, chairs, seats)
