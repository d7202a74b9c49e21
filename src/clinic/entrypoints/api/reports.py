"""GET /api/v1/reports/summary: what the clinic earned in a period (admin and owner tokens)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from clinic.application.reporting.queries import Breakdown, ReportScope
from clinic.domain.reporting import requested_period
from clinic.domain.shared import decimal_text
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import current_clinic_id, permission_required, token_required
from clinic.entrypoints.api.errors import ApiBlueprint, found, problems
from clinic.entrypoints.api.schemas.reports import SummaryArgsSchema, SummarySchema
from clinic.entrypoints.http.container import container

blp = ApiBlueprint("api_reports", __name__, url_prefix="/api/v1/reports",
                   description="What the clinic earned (admin and owner tokens)")


@blp.route("/summary")
@token_required
@permission_required(Permission.REPORTS)
@blp.arguments(SummaryArgsSchema, location="query")
@blp.response(200, SummarySchema)
@problems(blp, 401, 403, 422)
def summary(args: dict[str, Any]) -> Any:
    """Revenue, appointments and average value of a period (whole days in the clinic's time
    zone), with the planned ones apart and a breakdown by doctor and by room"""
    clinic = found(container().account_queries().clinic_details(current_clinic_id()))
    zone = ZoneInfo(clinic.timezone)
    now = container().clock().now()
    period = requested_period(args.get("from_"), args.get("to"), now.astimezone(zone).date())
    result = container().report_queries().summary(ReportScope(
        clinic.id, period, zone, now, doctor_id=args.get("doctor_id"),
        room_id=args.get("room_id")), clinic.currency)

    def money(minor: int) -> str:
        return decimal_text(minor, clinic.currency)

    def rows(items: list[Breakdown] | Any, key: str) -> list[dict[str, Any]]:
        return [{key: b.id, "name": b.name, "appointments_count": b.appointments_count,
                 "revenue": money(b.revenue_minor)} for b in items]

    return {"from_": period.first, "to": period.last, "currency": clinic.currency,
            "appointments_count": result.appointments_count,
            "revenue": money(result.revenue_minor),
            "average_value": money(result.average_minor),
            "planned_count": result.planned_count,
            "planned_revenue": money(result.planned_minor),
            "by_doctor": rows(result.by_doctor, "doctor_id"),
            "by_room": rows(result.by_room, "room_id")}

