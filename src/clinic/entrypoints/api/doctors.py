"""/api/v1/doctors: the clinic's doctors, their colours and photos; archived, never deleted."""

from __future__ import annotations

import uuid
from typing import Any, cast

from flask import Response
from flask.views import MethodView

from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.queries import DoctorView
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import current_clinic_id, permission_required, token_required
from clinic.entrypoints.api.errors import ApiBlueprint, found, problems
from clinic.entrypoints.api.schemas.catalog import (
    DoctorCreateSchema,
    DoctorPageSchema,
    DoctorPatchSchema,
    DoctorSchema,
    ListArgsSchema,
)
from clinic.entrypoints.api.schemas.common import page
from clinic.entrypoints.http.container import container

blp = ApiBlueprint("api_doctors", __name__, url_prefix="/api/v1/doctors",
                   description="Doctors, drawn in the calendar in their colour; never deleted")


def _doctor(doctor_id: uuid.UUID) -> DoctorView:
    doctor = container().catalog_queries().item(current_clinic_id(), "doctors", doctor_id)
    return cast(DoctorView, found(doctor))


@blp.route("")
class Doctors(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CATALOG_READ)
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, DoctorPageSchema)
    @problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """List the doctors, by name"""
        items = container().catalog_queries().items(current_clinic_id(), "doctors",
                                                    args["include_archived"])
        return page(items, args)

    @permission_required(Permission.CATALOG_EDIT)
    @blp.arguments(DoctorCreateSchema)
    @blp.response(201, DoctorSchema)
    @problems(blp, 401, 403, 422)
    def post(self, body: dict[str, Any]) -> Any:
        """Add a doctor; without a colour they get one no other active doctor has"""
        fields = DoctorFields(body["name"], body.get("color") or "")
        return container().save_doctor()(current_clinic_id(), fields)


@blp.route("/<uuid:doctor_id>")
class DoctorById(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CATALOG_READ)
    @blp.response(200, DoctorSchema)
    @problems(blp, 401, 403, 404)
    def get(self, doctor_id: uuid.UUID) -> Any:
        """Read a doctor"""
        return _doctor(doctor_id)

    @permission_required(Permission.CATALOG_EDIT)
    @blp.arguments(DoctorPatchSchema)
    @blp.response(200, DoctorSchema)
    @problems(blp, 401, 403, 404, 422)
    def patch(self, body: dict[str, Any], doctor_id: uuid.UUID) -> Any:
        """Change a doctor; fields left out keep their value; `archived` archives or restores"""
        doctor: Any = _doctor(doctor_id)
        if body.keys() - {"archived"}:
            fields = DoctorFields(body.get("name", doctor.name), body.get("color") or "")
            doctor = container().save_doctor()(current_clinic_id(), fields, doctor_id)
        if "archived" in body:
            doctor = container().archive_doctor()(current_clinic_id(), doctor_id,
                                                  body["archived"])
        return doctor

    @permission_required(Permission.CATALOG_EDIT)
    @blp.response(200, DoctorSchema)
    @problems(blp, 401, 403, 404)
    def delete(self, doctor_id: uuid.UUID) -> Any:
        """Archive a doctor (PATCH `{"archived": false}` restores them)"""
        return container().archive_doctor()(current_clinic_id(), doctor_id, True)


@blp.route("/<uuid:doctor_id>/photo", endpoint="photo")
class DoctorPhoto(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CATALOG_READ)
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg",
                  description="The doctor's photo: a 640 px square JPEG")
    @problems(blp, 401, 403, 404)
    def get(self, doctor_id: uuid.UUID) -> Any:
        """Download a doctor's photo"""
        data, content_type = found(
            container().load_doctor_photo()(current_clinic_id(), doctor_id, "large"))
        return Response(data, mimetype=content_type,
                        headers={"Cache-Control": "private, max-age=3600"})
