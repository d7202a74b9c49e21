"""GET /api/v1/members: the clinic's people and their roles (tokens whose role manages people)."""

from __future__ import annotations

from typing import Any

from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import current_clinic_id, permission_required, token_required
from clinic.entrypoints.api.errors import ApiBlueprint, problems
from clinic.entrypoints.api.schemas.clinic import MemberPageSchema
from clinic.entrypoints.api.schemas.common import PageArgsSchema, page
from clinic.entrypoints.http.container import container

blp = ApiBlueprint("api_members", __name__, url_prefix="/api/v1/members",
                   description="The clinic's people and their roles (admin and owner tokens)")


@blp.route("")
@token_required
@permission_required(Permission.PEOPLE)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MemberPageSchema)
@problems(blp, 401, 403, 422)
def list_members(args: dict[str, Any]) -> Any:
    """List the clinic's members: the owner first, then admins, then staff, by name"""
    rows = container().team_queries().members(current_clinic_id())
    return page([{"user_id": r.user_id, "name": r.name, "email": r.email, "role": r.role,
                  "doctor_id": r.doctor_id, "joined_at": r.joined_at} for r in rows], args)
