"""Add and change rooms (each active room is one chair)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clinic.application.authorization import authorize
from clinic.application.billing.allowance import check_chair_free
from clinic.application.catalog.archive import ensure_room_name_free
from clinic.application.ports import Clock, Conflict, UnitOfWorkFactory
from clinic.domain.catalog import Room, check_room
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission


@dataclass(frozen=True)
class RoomFields:
    name: str
    address: str = ""


class SaveRoom:
    """Add a room (`room_id` None) or change one. A new room is one more chair: beyond the
    paid chairs it is refused with ChairLimitReached."""

    requires = Permission.CATALOG_EDIT

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, fields: RoomFields,
                 room_id: uuid.UUID | None = None) -> Room:
        check_room(fields.name, fields.address)
        name, address = " ".join(fields.name.split()), fields.address.strip() or None
        with self.uow_factory(clinic_id) as uow:
            if room_id is None:
                uow.claim_clinic()  # first: on SQLite it must begin the transaction
            authorize(uow, clinic_id, actor_id, self.requires)
            if room_id is None:
                check_chair_free(uow, clinic_id)  # one more chair: within what is paid?
            found = uow.rooms.get(room_id) if room_id else None
            if room_id and found is None:
                raise NotFound()
            # Checked before the room joins the session: a query would flush it into the
            # database's unique index first.
            if found is None or not found.archived:
                ensure_room_name_free(uow, name, room_id)
            if found is None:
                room = Room(clinic_id, name, address, created_at=self.clock.now())
                uow.rooms.add(room)
            else:
                room = found
            room.name, room.address = name, address
            try:
                uow.commit()
            except Conflict:  # a concurrent twin took the name
                raise ValidationFailed({"name": "name_taken"}) from None
            return room
