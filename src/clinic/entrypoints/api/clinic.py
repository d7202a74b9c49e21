"""GET /api/v1/clinic: the clinic the token belongs to."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort

from clinic.entrypoints.api.auth import current_clinic_id, token_required
from clinic.entrypoints.api.schemas import ClinicSchema, ProblemSchema
from clinic.entrypoints.web.container_access import container

blp = Blueprint("api_clinic", __name__, url_prefix="/api/v1/clinic",
                description="The clinic this token belongs to")


@blp.route("")
@blp.response(200, ClinicSchema)
@blp.alt_response(401, schema=ProblemSchema, content_type="application/problem+json",
                  description="No valid token")
@token_required
def get_clinic() -> Any:
    clinic = container().account_queries().clinic_details(current_clinic_id())
    if clinic is None:
        abort(404)
    return clinic
