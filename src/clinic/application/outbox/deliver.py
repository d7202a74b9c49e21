"""Send outbox messages: one by id (the job), or every pending one (the relay)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from clinic.application.ports import ANY_CLINIC, Clock, Mailer, UnitOfWorkFactory

log = logging.getLogger(__name__)

SENT, SKIPPED, FAILED = "sent", "skipped", "failed"


class DeliverOutboxMessage:
    """Send one pending message and record the outcome; a sent message is never sent again."""

    def __init__(self, uow_factory: UnitOfWorkFactory, mailer: Mailer, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.mailer = mailer
        self.clock = clock

    def __call__(self, message_id: uuid.UUID | str) -> str:
        """SENT, SKIPPED (unknown or already sent) or FAILED (kept pending, reason recorded)."""
        if isinstance(message_id, str):
            message_id = uuid.UUID(message_id)
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.outbox.get(message_id)
            if message is None or message.sent_at is not None:
                return SKIPPED
            try:
                self.mailer.send(message.as_email())
            except Exception as error:  # SMTP down: keep it pending, say why
                log.warning("sending outbox message %s failed: %s", message_id, error)
                message.mark_failed(f"{type(error).__name__}: {error}")
                uow.commit()
                return FAILED
            message.mark_sent(self.clock.now())
            uow.commit()
            return SENT


@dataclass(frozen=True)
class RelayResult:
    sent: int
    failed: int


class RelayOutbox:
    """Send whatever is still pending, oldest first (the `clinic outbox relay` command)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, deliver: DeliverOutboxMessage) -> None:
        self.uow_factory = uow_factory
        self.deliver = deliver

    def __call__(self, limit: int = 500) -> RelayResult:
        with self.uow_factory(ANY_CLINIC) as uow:
            ids = [message.id for message in uow.outbox.pending(limit)]
        sent = sum(1 for message_id in ids if self.deliver(message_id) == SENT)
        return RelayResult(sent=sent, failed=len(ids) - sent)
