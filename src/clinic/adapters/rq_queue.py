"""A job queue on Redis through rq; the job functions live in clinic.entrypoints.jobs."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Retry

JOBS_MODULE = "clinic.entrypoints.jobs"


class RqQueue:
    def __init__(self, connection: Redis, name: str = "default") -> None:
        self.queue = Queue(name, connection=connection)

    def enqueue(self, job: str, **kwargs: str) -> None:
        self.queue.enqueue(f"{JOBS_MODULE}.{job}", kwargs=kwargs,
                           retry=Retry(max=3, interval=[10, 60, 300]))
