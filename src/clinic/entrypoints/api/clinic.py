"""GET /api/v1/clinic: the clinic the token belongs to."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from clinic.entrypoints.api.auth import current_clinic_id, token_required
from clinic.entrypoints.api.errors import ApiBlueprint, found, problems
from clinic.entrypoints.api.schemas.clinic import ClinicSchema
from clinic.entrypoints.http.container import container

blp = ApiBlueprint("api_clinic", __name__, url_prefix="/api/v1/clinic",
                   description="The clinic this token belongs to")


@blp.route("")
@blp.response(200, ClinicSchema)
@problems(blp, 401)
@token_required
def get_clinic() -> Any:
    """The clinic, with its working hours"""
    clinic = found(container().account_queries().clinic_details(current_clinic_id()))
    hours = {"days": clinic.working_days, "start": clinic.opens_at, "end": clinic.closes_at}
    return {**asdict(clinic), "working_hours": hours}
