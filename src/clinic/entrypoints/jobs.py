"""rq job functions: primitive arguments only; each builds (once per process) its container."""

from __future__ import annotations

from functools import lru_cache

from clinic.application.messaging.deliver import RETRY
from clinic.application.outbox.deliver import FAILED
from clinic.config import load_settings
from clinic.container import Container, build_container


@lru_cache(maxsize=1)
def _container() -> Container:
    return build_container(load_settings())


class DeliveryFailed(RuntimeError):
    """Raised so rq retries later; the outbox row keeps the reason meanwhile."""


def deliver_outbox_message(message_id: str) -> str:
    outcome: str = _container().deliver_outbox_message()(message_id)
    if outcome == FAILED:
        raise DeliveryFailed(f"outbox message {message_id} not sent yet")
    return outcome


def deliver_patient_message(message_id: str) -> str:
    outcome: str = _container().deliver_patient_message()(message_id)
    if outcome == RETRY:  # queued again; rq tries later (and the planner after it)
        raise DeliveryFailed(f"patient message {message_id} not sent yet")
    return outcome
