"""/api/v1/rooms: the clinic's rooms, one chair each; archived, never deleted."""

from __future__ import annotations

import uuid
from typing import Any, cast

from flask.views import MethodView

from clinic.application.catalog.queries import RoomView
from clinic.application.catalog.rooms import RoomFields
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import current_clinic_id, permission_required, token_required
from clinic.entrypoints.api.errors import ApiBlueprint, found, problems
from clinic.entrypoints.api.schemas.catalog import (
    ListArgsSchema,
    RoomCreateSchema,
    RoomPageSchema,
    RoomPatchSchema,
    RoomSchema,
)
from clinic.entrypoints.api.schemas.common import page
from clinic.entrypoints.http.container import container

blp = ApiBlueprint("api_rooms", __name__, url_prefix="/api/v1/rooms",
                   description="Rooms: one chair each; archived, never deleted")


def _room(room_id: uuid.UUID) -> RoomView:
    room = container().catalog_queries().item(current_clinic_id(), "rooms", room_id)
    return cast(RoomView, found(room))


@blp.route("")
class Rooms(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CATALOG_READ)
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, RoomPageSchema)
    @problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """List the rooms, by name"""
        items = container().catalog_queries().items(current_clinic_id(), "rooms",
                                                    args["include_archived"])
        return page(items, args)

    @permission_required(Permission.CATALOG_EDIT)
    @blp.arguments(RoomCreateSchema)
    @blp.response(201, RoomSchema)
    @problems(blp, 401, 402, 403, 422)
    def post(self, body: dict[str, Any]) -> Any:
        """Add a room (402 …/chair-limit beyond the chairs the clinic pays for)"""
        fields = RoomFields(body["name"], body.get("address") or "")
        return container().save_room()(current_clinic_id(), fields)


@blp.route("/<uuid:room_id>")
class RoomById(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CATALOG_READ)
    @blp.response(200, RoomSchema)
    @problems(blp, 401, 403, 404)
    def get(self, room_id: uuid.UUID) -> Any:
        """Read a room"""
        return _room(room_id)

    @permission_required(Permission.CATALOG_EDIT)
    @blp.arguments(RoomPatchSchema)
    @blp.response(200, RoomSchema)
    @problems(blp, 401, 402, 403, 404, 422)
    def patch(self, body: dict[str, Any], room_id: uuid.UUID) -> Any:
        """Change a room; fields left out keep their value; `archived` archives or restores"""
        room: Any = _room(room_id)
        if body.keys() - {"archived"}:
            fields = RoomFields(body.get("name", room.name),
                                body.get("address", room.address) or "")
            room = container().save_room()(current_clinic_id(), fields, room_id)
        if "archived" in body:
            room = container().archive_room()(current_clinic_id(), room_id, body["archived"])
        return room

    @permission_required(Permission.CATALOG_EDIT)
    @blp.response(200, RoomSchema)
    @problems(blp, 401, 403, 404)
    def delete(self, room_id: uuid.UUID) -> Any:
        """Archive a room (PATCH `{"archived": false}` restores it)"""
        return container().archive_room()(current_clinic_id(), room_id, True)
