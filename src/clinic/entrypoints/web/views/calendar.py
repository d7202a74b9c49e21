"""The calendar: the week of one room or one doctor, hour cells to tap, appointments drawn."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from clinic.application.accounts.queries import PollSession
from clinic.domain.accounts import WorkingHours
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required, poll_session
from clinic.entrypoints.web.calendar_grid import (
    appointment_blocks,
    build_day,
    build_days,
    build_week,
    hour_cells,
    span_utc,
    three_days,
    week_start,
)
from clinic.entrypoints.web.input_rules import day_arg, uuid_or_none
from clinic.entrypoints.web.url_patterns import url_pattern

bp = Blueprint("calendar", __name__)
# the week of a room or doctor; three days of one (a phone's); the day of every room
MODES = ("week", "3days", "day")


def _date_arg(name: str, default: date) -> date:
    return day_arg(name, default) or default


def _uuid_arg(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.args.get(name, ""))
    except ValueError:
        return None


def calendar_context() -> dict[str, Any]:
    """Everything the week page and its grid fragment need: the clinic, its rooms and doctors,
    the appointments and their procedures (five statements on one connection)."""
    clinic = container().account_queries().clinic_details(current_user.clinic_id)
    if clinic is None:
        abort(404)
    zone = ZoneInfo(clinic.timezone)
    now = container().clock().now()
    today = now.astimezone(zone).date()
    focus = _date_arg("date", first_working_day(today, clinic.hours))
    rooms, doctors = container().calendar_queries().choices(current_user.clinic_id)
    chosen = parse_view(current_user.calendar_view)
    room_id, doctor_id = _uuid_arg("room"), _uuid_arg("doctor")
    if room_id is None and doctor_id is None:
        room_id = uuid_or_none(chosen.get("room"))
        doctor_id = uuid_or_none(chosen.get("doctor"))
    if doctor_id is not None and all(d.id != doctor_id for d in doctors):
        doctor_id = None
    if room_id is not None and all(r.id != room_id for r in rooms):
        room_id = None
    if room_id is None and doctor_id is None:
        # a doctor who signs in sees their own appointments first; the desk sees a room
        mine = next((d.id for d in doctors if d.user_id == current_user.user_id), None)
        if mine is not None and not chosen.get("mode"):
            doctor_id = mine
        elif rooms:
            room_id = rooms[0].id
    mode = request.args.get("view") or chosen.get("mode") or "week"
    mode = mode if mode in MODES else "week"
    view = f"{mode}|doctor:{doctor_id}" if doctor_id else f"{mode}|room:{room_id or ''}"
    if view != current_user.calendar_view:  # written only when the choice changes
        container().remember_calendar_view()(current_user.clinic_id, current_user.user_id, view)
    if mode == "day":
        start, end = span_utc(focus, 1, zone)
        entries = container().calendar_queries().entries(current_user.clinic_id, start, end)
        week = build_day(entries, [(r.id, r.name) for r in rooms], focus, today, now,
                         clinic.hours)
    elif mode == "3days":
        dates = three_days(focus, clinic.hours)
        start, end = span_utc(dates[0], (dates[-1] - dates[0]).days + 1, zone)
        entries = container().calendar_queries().entries(
            current_user.clinic_id, start, end, room_id=room_id, doctor_id=doctor_id)
        week = build_days(entries, dates, focus, today, now, clinic.hours)
    else:
        start, end = span_utc(week_start(focus), 7, zone)
        entries = container().calendar_queries().entries(
            current_user.clinic_id, start, end, room_id=room_id, doctor_id=doctor_id)
        week = build_week(entries, focus, today, now, clinic.hours)
    step = timedelta(days=7 if mode == "week" else 1)  # three days move day by day
    ctx: dict[str, Any] = {"clinic": clinic, "week": week, "rooms": rooms, "doctors": doctors,
            "room_id": room_id, "doctor_id": doctor_id, "today": today, "focus": focus,
            "mode": mode, "prev_week": focus - step, "next_week": focus + step,
            "prev_day": focus - timedelta(days=1), "next_day": focus + timedelta(days=1),
            "section": "calendar", "book_patient": request.args.get("patient") or None,
            "appointment_url": url_pattern("appointments.show"), "hour_cells": hour_cells,
            "appointment_blocks": appointment_blocks,
            "booking_step_minutes": clinic.booking_step_minutes}
    ctx["cal_url"] = lambda **changes: url_for("calendar.week", **view_args(ctx, **changes))
    return ctx


def first_working_day(today: date, hours: WorkingHours) -> date:
    """Today, or on a day off the next working day: on Sunday evening the dentist looks at
    Monday, not at an empty column."""
    for ahead in range(7):
        day = today + timedelta(days=ahead)
        if hours.is_working_day(day):
            return day
    return today


def parse_view(view: str | None) -> dict[str, str]:
    """ "week|room:<id>" -> {"mode": "week", "room": "<id>"}; anything else -> {}."""
    mode, _sep, target = (view or "").partition("|")
    kind, _sep, value = target.partition(":")
    chosen = {"mode": mode}
    if kind in ("room", "doctor") and value:
        chosen[kind] = value
    return chosen


def view_args(ctx: dict[str, Any], **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"date": ctx["focus"].isoformat(), "view": ctx["mode"]}
    if ctx["doctor_id"]:
        args["doctor"] = str(ctx["doctor_id"])
    elif ctx["room_id"]:
        args["room"] = str(ctx["room_id"])
    args.update(changes)
    return args


VERSION_HEADER = "Calendar-Version"


@bp.get("/calendar")
@permission_required(Permission.CALENDAR)
def week() -> Any:
    ctx = calendar_context()
    if request.headers.get("HX-Request"):
        response = make_response(render_template("calendar/_grid.html", **ctx))
        # the version the grid shows (read before it, with the session): the page's poll
        # asks whether anything moved since
        response.headers[VERSION_HEADER] = str(current_user.calendar_version)
        return response
    return render_template("calendar/week.html", **ctx)


@bp.get("/calendar/version")
def version() -> Any:
    """What an open calendar polls: the clinic's calendar version as an ETag; `304` with no
    body while it has not moved. Signed in by `poll_session` (the same checks as a page's,
    in one small query that also reads the number), not by loading the person for a page."""
    polled = poll_session(Permission.CALENDAR)
    if not isinstance(polled, PollSession):
        return polled  # signed out or not allowed
    tag = f'"{polled.calendar_version}"'
    if tag in _etags(request.headers.get("If-None-Match", "")):
        response = make_response("", 304)
    else:
        response = make_response({"version": polled.calendar_version})
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",")}


@bp.get("/calendar/go")
@permission_required(Permission.CALENDAR)
def go() -> Any:
    """The date picker and the room/doctor selector post here as a plain GET form. "All
    rooms" is the day of every room; a room or a doctor is shown by the week (or the three
    days) they were last looked at by."""
    view = request.args.get("view", "week")
    args: dict[str, Any] = {"date": request.args.get("date", ""),
                            "view": view if view in MODES else "week"}
    target = request.args.get("show", "")
    kind, _, value = target.partition(":")
    if target == "all":
        args["view"] = "day"
    elif kind in ("room", "doctor") and value:
        args[kind] = value
        if args["view"] == "day":
            args["view"] = "week"
    return redirect(url_for("calendar.week", **args))
