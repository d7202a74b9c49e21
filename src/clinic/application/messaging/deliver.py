"""Send one message of the send log: taken by one worker only, handed to its channel, and the
outcome written down. A worker that dies mid-send leaves it "sending"; the planner marks such
a message unknown after a while and never sends it again (at most once, by design: a second
reminder is worse than a lost one, and the desk's unconfirmed list catches the rest)."""

from __future__ import annotations

import logging
import uuid

from clinic.application.messaging.ports import (
    ChannelRefused,
    Channels,
    ChannelUnavailable,
    Outgoing,
)
from clinic.application.ports import ANY_CLINIC, Clock, UnitOfWorkFactory
from clinic.domain.patient_messages import MessageStatus

log = logging.getLogger(__name__)

SENT, SKIPPED, FAILED, RETRY = "sent", "skipped", "failed", "retry"


class DeliverPatientMessage:
    def __init__(self, uow_factory: UnitOfWorkFactory, channels: Channels, clock: Clock) -> None:
        self.uow_factory, self.channels, self.clock = uow_factory, channels, clock

    def __call__(self, message_id: uuid.UUID | str) -> str:
        """SENT; SKIPPED (unknown, not queued, or another worker has it); RETRY (the provider
        is down: queued again for a later try); FAILED (refused, or the last try failed)."""
        if isinstance(message_id, str):
            message_id = uuid.UUID(message_id)
        with self.uow_factory(ANY_CLINIC) as uow:
            if not uow.messages.claim(message_id, self.clock.now()):
                return SKIPPED
            uow.commit()
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.get(message_id)
            if message is None or message.channel is None:
                return SKIPPED
            outgoing = Outgoing(message.channel, message.recipient, message.subject,
                                message.text)
        try:
            ref = self.channels.sender(outgoing.channel).send(outgoing)
        except ChannelRefused as error:
            return self._failed(message_id, str(error) or type(error).__name__, final=True)
        except (ChannelUnavailable, OSError) as error:  # down, 5xx, a timeout, SMTP refusing
            log.warning("patient message %s: %s", message_id, error)
            return self._failed(message_id, f"{type(error).__name__}: {error}", final=False)
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.get(message_id)
            if message is not None:
                message.mark_sent(self.clock.now(), ref)
                uow.commit()
        return SENT

    def _failed(self, message_id: uuid.UUID, reason: str, final: bool) -> str:
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.get(message_id)
            if message is None:
                return SKIPPED
            message.mark_failed(reason, final)
            uow.commit()
            return RETRY if message.status is MessageStatus.QUEUED else FAILED
