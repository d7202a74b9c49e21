"""Writing the audit trail. Who acts is set once per request by the entrypoint (the signed-in
person, an API token, the operator) and read here, so no use case has to pass it along."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from clinic.application.ports import Clock, Conflict, UnitOfWorkFactory
from clinic.domain.audit import (
    Actor,
    AuditAction,
    AuditEntry,
    ChainBreak,
    chained,
    first_break,
)

_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


def act_as(actor: Actor) -> None:
    """Called at the start of each request (or command): who the following rows name."""
    _actor.set(actor)


def current_actor() -> Actor:
    return _actor.get() or Actor(name="unknown")


class AuditTrail:
    """Add one row to a clinic's chain, in its own short transaction: the next number and the
    previous row's hash are read and the row written with nothing in between (SQLite: one
    writer at a time; PostgreSQL: the unique (clinic, number) turns a race into a retry)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    def __call__(self, clinic_id: uuid.UUID, action: AuditAction, entity_type: str,
                 entity_id: uuid.UUID | None = None) -> AuditEntry:
        actor = current_actor()
        for attempt in range(20):
            with self.uow_factory(clinic_id) as uow:
                uow.lock_for_writing()
                entry = chained(AuditEntry(
                    clinic_id, 0, self.clock.now(), action, entity_type, entity_id,
                    actor.user_id, actor.token_id, actor.name[:120], actor.ip, ""),
                    uow.audit.last(clinic_id))
                uow.audit.add(entry)
                try:
                    uow.commit()
                    return entry
                except Conflict:  # another row took this number first: read again
                    if attempt == 19:
                        raise
        raise AssertionError("unreachable")


# -- reading and checking it --------------------------------------------------------------------

@dataclass(frozen=True)
class AuditRow:
    created_at: datetime
    actor_name: str
    action: str
    entity_type: str
    entity_id: uuid.UUID | None
    subject: str  # the patient's name, if the row is about a patient
    ip: str | None
    by_api: bool


@dataclass(frozen=True)
class AuditFilter:
    actor_user_id: uuid.UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    entity_id: uuid.UUID | None = None


class AuditQueries(Protocol):
    def clinic_ids(self) -> Sequence[uuid.UUID]: ...

    def entries(self, clinic_id: uuid.UUID) -> Iterable[AuditEntry]:
        """Every row of the clinic, in chain order."""
        ...

    def page(self, clinic_id: uuid.UUID, where: AuditFilter, limit: int,
             offset: int = 0) -> tuple[int, Sequence[AuditRow]]: ...


class VerifyAudit:
    """`clinic audit verify`: walk each clinic's chain; the first break names the row."""

    def __init__(self, queries: AuditQueries) -> None:
        self.queries = queries

    def __call__(self, clinic_id: uuid.UUID | None = None
                 ) -> list[tuple[uuid.UUID, int, ChainBreak | None]]:
        """(clinic, rows checked, the first break or None) for each clinic."""
        results = []
        for one in [clinic_id] if clinic_id else self.queries.clinic_ids():
            entries = list(self.queries.entries(one))
            results.append((one, len(entries), first_break(entries)))
        return results
