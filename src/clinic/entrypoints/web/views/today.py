"""The desk's "Today" list: the day's visits of every room in time order, with one tap to
mark a patient arrived, a visit done, or a patient as not having come."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from clinic.domain.scheduling import ActionNotAllowed, AppointmentStatus, TooEarly
from clinic.domain.shared import NotFound
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.calendar_grid import span_utc
from clinic.entrypoints.web.url_patterns import url_pattern
from clinic.entrypoints.web.views.appointments import changed_meanwhile, status_names, too_early

bp = Blueprint("today", __name__)

# What a row offers with one tap (the rest is in the visit's dialog).
ROW_STATUSES = (AppointmentStatus.ARRIVED, AppointmentStatus.DONE, AppointmentStatus.NO_SHOW)


@bp.get("/calendar/today")
@permission_required(Permission.CALENDAR)
def index() -> Any:
    clinic_id = current_user.clinic_id
    zone = ZoneInfo(current_user.clinic_timezone or "UTC")
    now = container().clock().now()
    today = now.astimezone(zone).date()
    start, end = span_utc(today, 1, zone)
    visits = container().calendar_queries().day_list(clinic_id, start, end)
    return render_template("calendar/today.html", visits=visits, today=today, now=now,
                           status_names=status_names(), words=row_words(), section="today")


def row_words() -> dict[str, str]:
    """What every row says, translated once for the page (a busy day has ~90 rows, and
    translating each row's words one by one was a third of the page's time); `%(…)s` are
    filled in per row."""
    return {"arrived": _("Arrived"), "done": _("Finished"), "no_show": _("Did not come"),
            "details": _("Details"),
            "confirmed": _("Confirmed"), "reschedule_requested": _("Asks for another time"),
            "call": _("Call %(name)s, %(phone)s", name="%(name)s", phone="%(phone)s"),
            "about": _("Details of the visit of %(name)s", name="%(name)s"),
            "late": _("Late by %(minutes)s min", minutes="%(minutes)s"),
            # and what every row's forms share: made once, not ~200 times
            "csrf": generate_csrf(),
            "status_url": url_pattern("today.change_status"),
            "details_url": url_pattern("appointments.show")}




@bp.post("/calendar/today/<uuid:appointment_id>/status")
@permission_required(Permission.CALENDAR)
def change_status(appointment_id: uuid.UUID) -> Any:
    """One tap on a row: the visit's new status, answered with the row as it is now."""
    clinic_id = current_user.clinic_id
    try:
        status = AppointmentStatus(request.form.get("status", ""))
    except ValueError:
        status = None
    if status not in ROW_STATUSES:  # answered after the lookup: another clinic's id is a 404
        return _row(appointment_id, 422, _("Please try again."))
    try:
        container().change_appointment_status()(clinic_id, current_user.user_id,
                                                appointment_id, status)
    except NotFound:
        abort(404)
    except TooEarly as error:
        return _row(appointment_id, 409, too_early(error))
    except ActionNotAllowed:
        return _row(appointment_id, 409, changed_meanwhile())
    return _row(appointment_id, 200, None, saved=True)


def _row(appointment_id: uuid.UUID, code: int, problem: str | None,
         saved: bool = False) -> Any:
    visit = container().calendar_queries().day_row(current_user.clinic_id, appointment_id)
    if visit is None:
        abort(404)
    return render_template("calendar/_today_row.html", visit=visit,
                           now=container().clock().now(), status_names=status_names(),
                           words=row_words(), problem=problem, saved=saved), code
