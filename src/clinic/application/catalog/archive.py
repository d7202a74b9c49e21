"""Archive or restore a room, doctor or procedure; nothing is ever deleted."""

from __future__ import annotations

import uuid
from typing import Any

from clinic.application.authorization import authorize
from clinic.application.billing.allowance import check_chair_free
from clinic.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from clinic.domain.patients import fold
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission


class SetArchived:
    """`kind` names the repository: "rooms", "doctors" or "procedures"."""

    requires = Permission.CATALOG_EDIT

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, kind: str) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.kind = kind

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, item_id: uuid.UUID,
                 archived: bool) -> Any:
        with self.uow_factory(clinic_id) as uow:
            restoring_room = self.kind == "rooms" and not archived
            if restoring_room:
                uow.claim_clinic()  # before anything is read: the count below is current
            authorize(uow, clinic_id, actor_id, self.requires)
            repository = getattr(uow, self.kind)
            item = repository.get(item_id)
            if item is None:
                raise NotFound()
            if archived:
                item.archive(self.clock.now())
            elif item.archived:
                if restoring_room:
                    ensure_room_name_free(uow, item.name, item.id)
                    check_chair_free(uow, clinic_id)  # back in use: one more chair
                item.restore()
            uow.commit()
            return item


def ensure_room_name_free(uow: UnitOfWork, name: str, room_id: uuid.UUID | None) -> None:
    """Room names are unique among active rooms (ignoring case), so the calendar is clear."""
    wanted = fold(name)
    if any(fold(r.name) == wanted and r.id != room_id for r in uow.rooms.list()):
        raise ValidationFailed({"name": "name_taken"})
