"""A job queue that runs each job at once, in-process (no Redis configured)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)


class InlineQueue:
    """`handlers` maps a job name to a factory of the callable that does the job."""

    def __init__(self, handlers: Mapping[str, Callable[[], Callable[..., Any]]]) -> None:
        self.handlers = handlers

    def enqueue(self, job: str, **kwargs: str) -> None:
        self.handlers[job]()(**kwargs)
