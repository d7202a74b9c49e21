"""The background worker: rq on the configured Redis, with the scheduler for retries."""

from __future__ import annotations

from rq import Worker

from clinic.container import Container


def run_worker(container: Container, burst: bool = False,
               queues: tuple[str, ...] = ("default",)) -> None:
    worker = Worker(list(queues), connection=container.redis())
    worker.work(burst=burst, with_scheduler=True)
