"""/api/v1/rooms, /doctors and /procedures: one resource, described once per kind (as the web's
`views/records.py` does the pages). Each kind lists, adds, reads, changes and archives (never
deletes); doctors also give their photo."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.queries import CatalogKind
from clinic.application.catalog.rooms import RoomFields
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import (
    current_actor_id,
    current_clinic_id,
    permission_required,
    token_required,
)
from clinic.entrypoints.api.errors import ApiBlueprint, found, problems
from clinic.entrypoints.api.schemas.catalog import (
    DoctorCreateSchema,
    DoctorPageSchema,
    DoctorPatchSchema,
    DoctorSchema,
    ListArgsSchema,
    ProcedureCreateSchema,
    ProcedurePageSchema,
    ProcedurePatchSchema,
    ProcedureSchema,
    RoomCreateSchema,
    RoomPageSchema,
    RoomPatchSchema,
    RoomSchema,
)
from clinic.entrypoints.api.schemas.common import page
from clinic.entrypoints.http.container import container

Body = Mapping[str, Any]


def _given(body: Body, current: Any, name: str) -> Any:
    """The body's value, or the current record's when the body leaves it out (none on POST)."""
    return body[name] if name in body else getattr(current, name, None)


@dataclass(frozen=True)
class CatalogResource:
    """One kind of catalog record as the API serves it."""

    kind: CatalogKind  # the URL's segment and the read model's kind
    noun: str  # one of them: "room"; the path's id is `<noun>_id`
    description: str  # of the blueprint, a tag in the document
    schema: type[ma.Schema]
    page_schema: type[ma.Schema]
    create_schema: type[ma.Schema]
    patch_schema: type[ma.Schema]
    fields: Callable[[Body, Any], Any]  # the body over the current record (None on POST)
    add_doc: str  # POST's summary
    pronoun: str = "it"  # "PATCH … restores it"
    change_problems: tuple[int, ...] = ()  # besides 401, 403, 404, 422: rooms' 402 chair-limit

    @property
    def id_name(self) -> str:
        return f"{self.noun}_id"

    def save(self) -> Any:
        return getattr(container(), f"save_{self.noun}")()

    def archive(self) -> Any:
        return getattr(container(), f"archive_{self.noun}")()


def _procedure_fields(body: Body, procedure: Any) -> ProcedureFields:
    price = body["price"] if "price" in body else procedure.price.amount_text  # noqa: SIM401 - no procedure on a POST
    return ProcedureFields(_given(body, procedure, "name"), price,
                           str(_given(body, procedure, "duration_minutes")))


RESOURCES = (
    CatalogResource(
        "rooms", "room", "Rooms: one chair each; archived, never deleted",
        RoomSchema, RoomPageSchema, RoomCreateSchema, RoomPatchSchema,
        lambda body, room: RoomFields(_given(body, room, "name"),
                                      _given(body, room, "address") or ""),
        "Add a room (402 …/chair-limit beyond the chairs the clinic pays for)",
        change_problems=(402,)),
    CatalogResource(
        "doctors", "doctor", "Doctors, drawn in the calendar in their colour; never deleted",
        DoctorSchema, DoctorPageSchema, DoctorCreateSchema, DoctorPatchSchema,
        # an empty colour keeps theirs (a new doctor gets a free one)
        lambda body, doctor: DoctorFields(_given(body, doctor, "name"),
                                          body.get("color") or ""),
        "Add a doctor; without a colour they get one no other active doctor has",
        pronoun="them"),
    CatalogResource(
        "procedures", "procedure",
        "The price list: what is done, for how much, how long it takes",
        ProcedureSchema, ProcedurePageSchema, ProcedureCreateSchema, ProcedurePatchSchema,
        _procedure_fields, "Add a procedure to the price list"),
)


def _documented(doc: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view's docstring (flask-smorest's summary) for this kind."""
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        view.__doc__ = doc
        return view
    return decorator


def catalog_blueprint(resource: CatalogResource) -> ApiBlueprint:
    """`/api/v1/<kind>` and `/api/v1/<kind>/<id>` for one kind."""
    blp = ApiBlueprint(f"api_{resource.kind}", __name__, url_prefix=f"/api/v1/{resource.kind}",
                       description=resource.description)
    kind, noun, extra = resource.kind, resource.noun, resource.change_problems

    def item(path: Mapping[str, uuid.UUID]) -> Any:
        return found(container().catalog_queries().item(
            current_clinic_id(), kind, path[resource.id_name]))

    class Collection(MethodView):
        decorators = [token_required]

        @permission_required(Permission.CATALOG_READ)
        @blp.arguments(ListArgsSchema, location="query")
        @blp.response(200, resource.page_schema)
        @problems(blp, 401, 403, 422)
        @_documented(f"List the {kind}, by name")
        def get(self, args: dict[str, Any]) -> Any:
            items = container().catalog_queries().items(current_clinic_id(), kind,
                                                        args["include_archived"])
            return page(items, args)

        @permission_required(Permission.CATALOG_EDIT)
        @blp.arguments(resource.create_schema)
        @blp.response(201, resource.schema)
        @problems(blp, 401, *extra, 403, 422)
        @_documented(resource.add_doc)
        def post(self, body: dict[str, Any]) -> Any:
            return resource.save()(current_clinic_id(), current_actor_id(),
                                   resource.fields(body, None))

    class ById(MethodView):
        decorators = [token_required]

        @permission_required(Permission.CATALOG_READ)
        @blp.response(200, resource.schema)
        @problems(blp, 401, 403, 404)
        @_documented(f"Read a {noun}")
        def get(self, **path: uuid.UUID) -> Any:
            return item(path)

        @permission_required(Permission.CATALOG_EDIT)
        @blp.arguments(resource.patch_schema)
        @blp.response(200, resource.schema)
        @problems(blp, 401, *extra, 403, 404, 422)
        @_documented(f"Change a {noun}; fields left out keep their value; `archived` archives "
                     "or restores")
        def patch(self, body: dict[str, Any], **path: uuid.UUID) -> Any:
            current, item_id = item(path), path[resource.id_name]
            if body.keys() - {"archived"}:
                current = resource.save()(current_clinic_id(), current_actor_id(),
                                          resource.fields(body, current), item_id)
            if "archived" in body:
                current = resource.archive()(current_clinic_id(), current_actor_id(), item_id,
                                             body["archived"])
            return current

        @permission_required(Permission.CATALOG_EDIT)
        @blp.response(200, resource.schema)
        @problems(blp, 401, 403, 404)
        @_documented(f'Archive a {noun} (PATCH `{{"archived": false}}` restores '
                     f"{resource.pronoun})")
        def delete(self, **path: uuid.UUID) -> Any:
            return resource.archive()(current_clinic_id(), current_actor_id(),
                                      path[resource.id_name], True)

    plural = noun.capitalize() + "s"  # the endpoints as they were named: Rooms, RoomById
    blp.route("", endpoint=plural)(Collection)
    blp.route(f"/<uuid:{resource.id_name}>", endpoint=f"{noun.capitalize()}ById")(ById)
    return blp


BLUEPRINTS = {resource.kind: catalog_blueprint(resource) for resource in RESOURCES}
doctors = BLUEPRINTS["doctors"]


@doctors.route("/<uuid:doctor_id>/photo", endpoint="photo")
class DoctorPhoto(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CATALOG_READ)
    @doctors.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg",
                      description="The doctor's photo: a 640 px square JPEG")
    @problems(doctors, 401, 403, 404)
    def get(self, doctor_id: uuid.UUID) -> Any:
        """Download a doctor's photo"""
        data, content_type = found(
            container().load_doctor_photo()(current_clinic_id(), current_actor_id(), doctor_id,
                                            "large"))
        return Response(data, mimetype=content_type,
                        headers={"Cache-Control": "private, max-age=3600"})
