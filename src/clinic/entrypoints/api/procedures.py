"""/api/v1/procedures: the price list, with durations; archived, never deleted."""

from __future__ import annotations

import uuid
from typing import Any, cast

from flask.views import MethodView

from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.queries import ProcedureView
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import current_clinic_id, permission_required, token_required
from clinic.entrypoints.api.errors import ApiBlueprint, found, problems
from clinic.entrypoints.api.schemas.catalog import (
    ListArgsSchema,
    ProcedureCreateSchema,
    ProcedurePageSchema,
    ProcedurePatchSchema,
    ProcedureSchema,
)
from clinic.entrypoints.api.schemas.common import page
from clinic.entrypoints.http.container import container

blp = ApiBlueprint("api_procedures", __name__, url_prefix="/api/v1/procedures",
                   description="The price list: what is done, for how much, how long it takes")


def _procedure(procedure_id: uuid.UUID) -> ProcedureView:
    procedure = container().catalog_queries().item(current_clinic_id(), "procedures", procedure_id)
    return cast(ProcedureView, found(procedure))


@blp.route("")
class Procedures(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CATALOG_READ)
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, ProcedurePageSchema)
    @problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """List the procedures, by name"""
        items = container().catalog_queries().items(current_clinic_id(), "procedures",
                                                    args["include_archived"])
        return page(items, args)

    @permission_required(Permission.CATALOG_EDIT)
    @blp.arguments(ProcedureCreateSchema)
    @blp.response(201, ProcedureSchema)
    @problems(blp, 401, 403, 422)
    def post(self, body: dict[str, Any]) -> Any:
        """Add a procedure to the price list"""
        fields = ProcedureFields(body["name"], body["price"], str(body["duration_minutes"]))
        return container().save_procedure()(current_clinic_id(), fields)


@blp.route("/<uuid:procedure_id>")
class ProcedureById(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CATALOG_READ)
    @blp.response(200, ProcedureSchema)
    @problems(blp, 401, 403, 404)
    def get(self, procedure_id: uuid.UUID) -> Any:
        """Read a procedure"""
        return _procedure(procedure_id)

    @permission_required(Permission.CATALOG_EDIT)
    @blp.arguments(ProcedurePatchSchema)
    @blp.response(200, ProcedureSchema)
    @problems(blp, 401, 403, 404, 422)
    def patch(self, body: dict[str, Any], procedure_id: uuid.UUID) -> Any:
        """Change a procedure; fields left out keep their value; `archived` archives or restores"""
        procedure: Any = _procedure(procedure_id)
        if body.keys() - {"archived"}:
            fields = ProcedureFields(
                body.get("name", procedure.name),
                body.get("price", str(procedure.price.to_decimal())),
                str(body.get("duration_minutes", procedure.duration_minutes)))
            procedure = container().save_procedure()(current_clinic_id(), fields, procedure_id)
        if "archived" in body:
            procedure = container().archive_procedure()(current_clinic_id(), procedure_id,
                                                        body["archived"])
        return procedure

    @permission_required(Permission.CATALOG_EDIT)
    @blp.response(200, ProcedureSchema)
    @problems(blp, 401, 403, 404)
    def delete(self, procedure_id: uuid.UUID) -> Any:
        """Archive a procedure (PATCH `{"archived": false}` restores it)"""
        return container().archive_procedure()(current_clinic_id(), procedure_id, True)
