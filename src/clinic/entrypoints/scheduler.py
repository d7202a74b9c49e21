"""The reminder scheduler: a thread in every `clinic serve` worker, of which the one holding the
database lease plans the due reminders once a minute (so exactly one is active whatever the
number of servers, and another takes over within minutes if its server stops). Nothing to start
by hand; `SCHEDULER=0` turns it off where cron runs `clinic reminders run --due` instead."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from clinic.container import Container

log = logging.getLogger("clinic.scheduler")

LEASE = "reminders"
INTERVAL = 60.0  # seconds between rounds


class ReminderScheduler(threading.Thread):
    def __init__(self, container: Container, interval: float = INTERVAL) -> None:
        super().__init__(name="reminder-scheduler", daemon=True)
        self.container, self.interval = container, interval
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = container.lease(LEASE, holder)
        self.stopping = threading.Event()

    def run(self) -> None:
        delay = min(5.0, self.interval)  # the first round soon after the server starts
        while not self.stopping.wait(delay):
            self.tick()
            delay = self.interval

    def tick(self) -> bool:
        """One round if this process holds the lease; True when it ran one."""
        try:
            if not self.lease.acquire(self.container.clock().now()):
                return False
            result = self.container.plan_reminders()()
            if result.queued or result.retried or result.abandoned:
                log.info("reminders: %s", result)
            delivered, failed = self.container.track_deliveries()()
            if delivered or failed:
                log.info("deliveries: %s delivered, %s not", delivered, failed)
            return True
        except Exception:  # a database outage: try again next round
            log.warning("the reminder round failed", exc_info=True)
            return False

    def stop(self) -> None:
        self.stopping.set()
