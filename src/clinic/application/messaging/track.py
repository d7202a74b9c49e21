"""Whether sent messages reached the phone, where the provider says (SMS.ru's delivery states):
a delivered one is marked so; one the operator could not deliver is failed with the reason,
and the next channel takes it over as after any failure."""

from __future__ import annotations

from datetime import datetime, timedelta

from clinic.application.messaging.deliver import DeliverPatientMessage
from clinic.application.messaging.ports import Channels
from clinic.application.ports import ANY_CLINIC, Clock, UnitOfWorkFactory
from clinic.domain.messaging import Channel
from clinic.domain.patient_messages import MessageStatus

LOOK_BACK = timedelta(days=2)  # a provider keeps the state about this long


class TrackDeliveries:
    def __init__(self, uow_factory: UnitOfWorkFactory, channels: Channels, clock: Clock,
                 deliver: DeliverPatientMessage) -> None:
        self.uow_factory, self.channels, self.clock = uow_factory, channels, clock
        self.deliver = deliver

    def __call__(self, now: datetime | None = None) -> tuple[int, int]:
        """(delivered, failed) among the messages asked about."""
        now = now or self.clock.now()
        delivered = failed = 0
        for channel in Channel:
            tracker = self.channels.tracker(channel)
            if tracker is None:
                continue
            with self.uow_factory(ANY_CLINIC) as uow:
                waiting = {m.provider_ref: m.id for m in
                           uow.messages.awaiting_delivery(channel, now - LOOK_BACK)
                           if m.provider_ref}
            if not waiting:
                continue
            found = tracker.deliveries(list(waiting))
            gone = []
            with self.uow_factory(ANY_CLINIC) as uow:
                for ref, outcome in found.items():
                    message = uow.messages.get(waiting[ref]) if ref in waiting else None
                    if message is None or message.status is not MessageStatus.SENT:
                        continue
                    if outcome.delivered:
                        message.status = MessageStatus.DELIVERED
                        delivered += 1
                    else:
                        message.mark_failed(outcome.failed_reason or "not delivered", final=True)
                        gone.append(message.id)
                        failed += 1
                uow.commit()
            for message_id in gone:
                self.deliver.next_channel(message_id)
        return delivered, failed
