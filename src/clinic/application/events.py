"""The in-process event bus: what happened in one use case, heard by others after the commit.

Who listens to what is declared by the listener itself (`listens_to`), and `subscribe_all` in
the composition root reads it; so "a payment credits the partner" is written in
`referrals/ledger.py`, next to the rule it starts, not in the billing code that publishes it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from clinic.domain.shared import Event

log = logging.getLogger(__name__)

Handler = Callable[[Any], object]  # called only with the kinds it was subscribed to


class Listener(Protocol):
    """A use case started by events: the kinds it hears, and itself called with each one."""

    @property
    def listens_to(self) -> tuple[type[Event], ...]: ...

    def __call__(self, event: Any) -> object: ...


class EventBus(Protocol):
    def publish(self, event: Event) -> None: ...

    def subscribe(self, handler: Handler, *kinds: type[Event]) -> None:
        """`handler` hears events of these kinds (of every kind when none is named)."""
        ...


class InProcessEventBus:
    """Handlers run after the change is committed, in the same process; one that fails is
    logged and does not undo what was published (a listener's own work can be redone: the
    partner ledger is recomputed by `clinic referrals verify`)."""

    def __init__(self) -> None:
        self.handlers: list[tuple[tuple[type[Event], ...], Handler]] = []

    def subscribe(self, handler: Handler, *kinds: type[Event]) -> None:
        self.handlers.append((kinds, handler))

    def publish(self, event: Event) -> None:
        for kinds, handler in self.handlers:
            if kinds and not isinstance(event, kinds):
                continue
            try:
                handler(event)
            except Exception:
                log.exception("a handler of %s failed", event)


def subscribe_all(bus: EventBus, listeners: Iterable[Listener]) -> None:
    """Each listener hears the kinds it declares."""
    for listener in listeners:
        bus.subscribe(listener, *listener.listens_to)
