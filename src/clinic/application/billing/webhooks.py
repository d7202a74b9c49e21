"""The payment provider's webhooks: each event once, the licence read back from the provider
(so events arriving out of order cannot roll it back), every payment and refund recorded once."""

from __future__ import annotations

import enum
import logging
import uuid

from clinic.application.billing.ports import EventKind, PaymentGateway, ProviderEvent
from clinic.application.billing.subscription import RecordPayment, SyncSubscription
from clinic.application.ports import ANY_CLINIC, Clock, Conflict, UnitOfWork, UnitOfWorkFactory
from clinic.domain.licensing import SubscriptionStatus
from clinic.domain.shared import NotFound

log = logging.getLogger(__name__)

_SYNCED = (EventKind.SUBSCRIPTION_CHANGED, EventKind.INVOICE_PAID, EventKind.PAYMENT_FAILED)


class Outcome(enum.StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"  # processed before: nothing done
    IGNORED = "ignored"  # not ours to act on (an unknown type, or no clinic to be found)


class HandleProviderEvent:
    """Handle a verified provider event, then remember its id as processed.

    The marker is written AFTER the work succeeded: the work itself is idempotent (the sync
    reads the provider's current state; a payment is unique by its provider id), so an event
    that failed half-way is simply handled again when the provider retries it."""

    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway,
                 sync: SyncSubscription, record: RecordPayment, clock: Clock) -> None:
        self.uow_factory, self.gateway, self.clock = uow_factory, gateway, clock
        self.sync, self.record = sync, record

    def __call__(self, event: ProviderEvent) -> Outcome:
        with self.uow_factory(ANY_CLINIC) as uow:
            if uow.billing.was_processed(event.id):
                return Outcome.DUPLICATE
            clinic_id, local_ref = (None, None) if event.kind is EventKind.OTHER \
                else self._whose(uow, event)
        outcome = Outcome.IGNORED
        if clinic_id is not None:
            try:
                self._handle(event, clinic_id, local_ref)
                outcome = Outcome.HANDLED
            except NotFound:  # the clinic was deleted meanwhile
                log.warning("provider event %s for a missing clinic %s", event.id, clinic_id)
        elif event.kind is not EventKind.OTHER:
            log.warning("provider event %s (%s): no clinic found", event.id, event.type)
        with self.uow_factory(ANY_CLINIC) as uow:
            uow.lock_for_writing()
            try:
                uow.billing.mark_processed(event.id, event.type, self.clock.now())
                uow.commit()
            except Conflict:  # the same event handled at the same time elsewhere
                return Outcome.DUPLICATE
        return outcome

    @staticmethod
    def _whose(uow: UnitOfWork, event: ProviderEvent) -> tuple[uuid.UUID | None, str | None]:
        """The clinic the event is about and the subscription it has locally, if any."""
        local = None
        if event.subscription_ref:
            local = uow.billing.subscription_by_ref(event.subscription_ref)
        if local is None and event.customer_ref:
            local = uow.billing.subscription_by_customer(event.customer_ref)
        if local is not None:
            return local.clinic_id, local.subscription_ref
        if event.clinic_id is not None and uow.clinics.get(event.clinic_id) is not None:
            mine = uow.billing.subscription(event.clinic_id)
            return event.clinic_id, mine.subscription_ref if mine else None
        return None, None

    def _which(self, event: ProviderEvent, local_ref: str | None) -> str | None:
        """The subscription to read back. An event about an older subscription of the clinic
        (cancelled after a new one began) must not lapse the new one."""
        if not event.subscription_ref or event.subscription_ref == local_ref:
            return event.subscription_ref or local_ref
        if local_ref is None:
            return event.subscription_ref
        current = self.gateway.current_subscription(event.subscription_ref)
        holds = current is not None and current.status in (SubscriptionStatus.ACTIVE,
                                                            SubscriptionStatus.PAST_DUE)
        return event.subscription_ref if holds else local_ref

    def _sync(self, clinic_id: uuid.UUID, subscription_ref: str) -> None:
        try:
            self.sync(clinic_id, subscription_ref)
        except Conflict:  # a twin synced at the same moment: read the provider once more
            self.sync(clinic_id, subscription_ref)

    def _handle(self, event: ProviderEvent, clinic_id: uuid.UUID, local_ref: str | None) -> None:
        if event.kind in _SYNCED:
            subscription_ref = self._which(event, local_ref)
            if subscription_ref:
                self._sync(clinic_id, subscription_ref)
        for payment in event.payments:
            self.record(clinic_id, payment.kind, payment.ref, payment.amount_cents,
                        payment.currency, payment.url)
