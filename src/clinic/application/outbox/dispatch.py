"""Hands committed outbox messages to the job queue; a queue outage only delays them."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from clinic.application.ports import JobQueue

log = logging.getLogger(__name__)

DELIVER_JOB = "deliver_outbox_message"


class OutboxDispatcher:
    """Called after commit. If the queue is down the message stays pending for `outbox relay`."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def dispatch(self, message_ids: Iterable[uuid.UUID]) -> None:
        for message_id in message_ids:
            try:
                self.queue.enqueue(DELIVER_JOB, message_id=str(message_id))
            except Exception:  # the outbox row is safe; the relay will pick it up
                log.warning("could not enqueue outbox message %s; it stays pending",
                            message_id, exc_info=True)
