"""Writing the audit trail. Who acts is set once per request by the entrypoint (the signed-in
person, an API token, the operator) and read here, so no use case has to pass it along."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from clinic.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from clinic.domain.audit import (
    Actor,
    AuditAction,
    AuditEntry,
    AuditHead,
    ChainBreak,
    chained,
    verify_chain,
)

_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


def act_as(actor: Actor) -> None:
    """Called at the start of each request (or command): who the following rows name."""
    _actor.set(actor)


def current_actor() -> Actor:
    return _actor.get() or Actor(name="unknown")


class AuditTrail:
    """Add one row to a clinic's chain. A change writes its row in its own unit of work
    (`append`, before the commit), so the two are committed together or not at all; a view,
    which changes nothing, writes it in a short transaction of its own (calling the trail).
    Appends to one clinic take turns at its head (`claim_head`), so no two take one number."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    def append(self, uow: UnitOfWork, clinic_id: uuid.UUID, action: AuditAction,
               entity_type: str, entity_id: uuid.UUID | None = None) -> AuditEntry:
        """In the caller's unit of work (begun with `write_in_turn`), after the change it
        records and just before the commit: the head is held from here to the commit."""
        actor = current_actor()
        head = uow.audit.claim_head(clinic_id)
        entry = chained(AuditEntry(
            clinic_id, 0, self.clock.now(), action, entity_type, entity_id,
            actor.user_id, actor.token_id, actor.name[:120], actor.ip, ""), head)
        uow.audit.add(entry)
        return entry

    def __call__(self, clinic_id: uuid.UUID, action: AuditAction, entity_type: str,
                 entity_id: uuid.UUID | None = None) -> AuditEntry:
        """A view: the row alone, in its own short transaction."""
        with self.uow_factory(clinic_id) as uow:
            uow.write_in_turn()
            entry = self.append(uow, clinic_id, action, entity_type, entity_id)
            uow.commit()
        return entry


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

    def chain(self, clinic_id: uuid.UUID) -> AbstractContextManager[
            tuple[AuditHead | None, Iterable[AuditEntry]]]:
        """The clinic's head (None if it has none) and every row in chain order, as of one
        moment (rows appended meanwhile are in neither)."""
        ...

    def page(self, clinic_id: uuid.UUID, where: AuditFilter, limit: int,
             offset: int = 0) -> tuple[int, Sequence[AuditRow]]: ...


class VerifyAudit:
    """`clinic audit verify`: walk each clinic's chain and hold its end to the head; the first
    break names the row."""

    def __init__(self, queries: AuditQueries) -> None:
        self.queries = queries

    def __call__(self, clinic_id: uuid.UUID | None = None
                 ) -> list[tuple[uuid.UUID, int, ChainBreak | None]]:
        """(clinic, rows checked, the first break or None) for each clinic."""
        results = []
        for one in [clinic_id] if clinic_id else self.queries.clinic_ids():
            with self.queries.chain(one) as (head, entries):
                walked = _Counted(entries)  # read in batches, not held in memory
                broken = verify_chain(walked, head)
            results.append((one, walked.count, broken))
        return results


class _Counted:
    def __init__(self, entries: Iterable[AuditEntry]) -> None:
        self.entries, self.count = entries, 0

    def __iter__(self) -> Iterator[AuditEntry]:
        for entry in self.entries:
            self.count += 1
            yield entry
