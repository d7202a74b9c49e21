"""Settings → Audit log (owner, admin): who looked at or changed which card and when, filtered by
person, action and days; and the same for one card on the patient's page."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from clinic.application.audit import AuditFilter, AuditRow
from clinic.domain.audit import AuditAction
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.input_rules import days_arg, page_arg, uuid_or_none

bp = Blueprint("audit_log", __name__)
PAGE = 50
ACTION_NAMES = {
    AuditAction.PATIENT_VIEWED.value: _l("opened the card"),
    AuditAction.PATIENT_CREATED.value: _l("created the card"),
    AuditAction.PATIENT_CHANGED.value: _l("changed the card"),
    AuditAction.PATIENT_ERASED.value: _l("erased the card"),
    AuditAction.PATIENTS_EXPORTED.value: _l("downloaded a report with patients' names"),
    AuditAction.APPOINTMENT_CREATED.value: _l("booked a visit"),
    AuditAction.APPOINTMENT_CHANGED.value: _l("changed a visit"),
}


def card_history(patient_id: uuid.UUID, limit: int = 20) -> list[AuditRow]:
    """The latest rows about one patient's card, for its page (owner and admin only)."""
    if not current_user.can(Permission.SETTINGS):
        return []
    return list(container().audit_queries().page(
        current_user.clinic_id, AuditFilter(entity_id=patient_id), limit)[1])


@bp.get("/settings/audit")
@permission_required(Permission.SETTINGS)
def index() -> Any:
    zone = ZoneInfo(current_user.clinic_timezone or "UTC")
    since, until = days_arg("from", "to")
    action = request.args.get("action") if request.args.get("action") in ACTION_NAMES else None
    person = uuid_or_none(request.args.get("person"))
    where = AuditFilter(
        actor_user_id=person, action=action,
        since=datetime.combine(since, time(), zone) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), zone) if until else None)
    page, offset = page_arg(PAGE)
    total, rows = container().audit_queries().page(current_user.clinic_id, where, PAGE, offset)
    people = container().team_queries().members(current_user.clinic_id)
    return render_template(
        "settings/audit.html", section="settings", rows=rows, total=total, page=page,
        pages=max((total + PAGE - 1) // PAGE, 1), people=people, action_names=ACTION_NAMES,
        chosen={"from": since.isoformat() if since else "", "to": until.isoformat() if until
                else "", "action": action or "", "person": str(person) if person else ""})
