"""The details dialog of an appointment, and what can be done from it: arrived, done, no-show,
cancel (asked in words first), back to scheduled, moving it, and changing its procedures,
price or note."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from clinic.application.scheduling.change import AppointmentChanges
from clinic.domain.scheduling import (
    NOT_BEFORE_START,
    ActionNotAllowed,
    AppointmentAction,
    AppointmentStatus,
    DoctorBusy,
    OutsideWorkingHours,
    RoomAlreadyBooked,
    TooEarly,
)
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.message_log import log_words
from clinic.entrypoints.web.messages import field_errors
from clinic.entrypoints.web.views.booking import chosen_length, working_hours

bp = Blueprint("appointments", __name__)
CHANGED = {"HX-Trigger": "calendar-changed"}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_user.clinic_timezone or "UTC")


def _details(appointment_id: uuid.UUID, status: int = 200, headers: dict[str, str] | None = None,
             **extra: Any) -> Any:
    clinic_id = current_user.clinic_id
    # the dialog shows the patient's card: the use case writes the view to the audit trail
    appointment = container().open_appointment()(clinic_id, current_user.user_id,
                                                 appointment_id)
    if appointment is None:
        abort(404)
    catalog = container().catalog_queries()
    rooms, doctors = catalog.items(clinic_id, "rooms"), catalog.items(clinic_id, "doctors")
    procedures = catalog.items(clinic_id, "procedures") if extra.get("editing") else []
    return render_template("calendar/_details.html", appointment=appointment,
                           patient=appointment.patient,
                           rooms=rooms, doctors=doctors, procedures=procedures,
                           zone=_zone(), status_names=status_names(),
                           messages=container().message_queries().for_appointment(
                               clinic_id, appointment_id), log_words=log_words(),
                           now=container().clock().now(), **extra), status, \
        headers or {}


def changed_meanwhile() -> str:
    message: str = _("This visit was changed a moment ago, so that cannot be done now. Here "
                     "it is as it is now.")
    return message


def too_early(error: TooEarly) -> str:
    """Said when a stale page offered "arrived" or "did not come" before their time."""
    if error.action is AppointmentAction.MARK_ARRIVED:
        message: str = _("It is too early to mark the patient arrived: that can be done from "
                         "%(minutes)s minutes before the visit.", minutes=int(
                             NOT_BEFORE_START[error.action] // timedelta(minutes=1)))
    else:
        message = _("The visit has not started yet, so the patient cannot be marked as not "
                    "having come.")
    return message


def status_names() -> dict[str, str]:
    return {"scheduled": _("Scheduled"), "arrived": _("Arrived"), "done": _("Done"),
            "cancelled": _("Cancelled"), "no_show": _("Did not come")}


@bp.get("/calendar/appointments/<uuid:appointment_id>")
@permission_required(Permission.CALENDAR)
def show(appointment_id: uuid.UUID) -> Any:
    return _details(appointment_id, confirm=request.args.get("confirm"),
                    moving=request.args.get("move") == "1",
                    editing=request.args.get("edit") == "1")


@bp.post("/calendar/appointments/<uuid:appointment_id>/status")
@permission_required(Permission.CALENDAR)
def change_status(appointment_id: uuid.UUID) -> Any:
    try:
        status = AppointmentStatus(request.form.get("status", ""))
    except ValueError:  # answered after the lookup, so another clinic's id is still a 404
        return _details(appointment_id, 422, problem=_("Please try again."))
    try:
        container().change_appointment_status()(
            current_user.clinic_id, current_user.user_id, appointment_id, status,
            confirm_doctor_overlap=request.form.get("confirm_doctor_overlap") == "1")
    except NotFound:
        abort(404)
    except TooEarly as error:
        return _details(appointment_id, 409, problem=too_early(error))
    except ActionNotAllowed:
        return _details(appointment_id, 409, problem=changed_meanwhile())
    except RoomAlreadyBooked:
        return _details(appointment_id, 409, problem=_(
            "The room is taken at that time now, so the visit cannot come back. Move it "
            "instead."))
    except DoctorBusy:
        return _details(appointment_id, 409, confirm="restore_overlap")
    return _details(appointment_id, headers=CHANGED, done_message=True)


@bp.post("/calendar/appointments/<uuid:appointment_id>/move")
@permission_required(Permission.CALENDAR)
def move(appointment_id: uuid.UUID) -> Any:
    form = {k: request.form.get(k, "") for k in ("date", "time", "room_id", "doctor_id",
                                                  "minutes")}
    try:
        starts_at = datetime.fromisoformat(f"{form['date']}T{form['time']}").replace(
            tzinfo=_zone())
        container().move_appointment()(
            current_user.clinic_id, current_user.user_id, appointment_id, starts_at,
            uuid.UUID(form["room_id"]), uuid.UUID(form["doctor_id"]),
            confirm_doctor_overlap=request.form.get("confirm_doctor_overlap") == "1",
            confirm_outside_hours=request.form.get("confirm_outside_hours") == "1",
            length=chosen_length(form["minutes"]))
    except NotFound:
        abort(404)
    except ActionNotAllowed:
        return _details(appointment_id, 409, problem=changed_meanwhile())
    except ValueError:
        return _details(appointment_id, 422, moving=True, move_form=form,
                        move_errors={"starts_at": _("Pick a date and a time.")})
    except ValidationFailed as error:
        return _details(appointment_id, 422, moving=True, move_form=form,
                        move_errors=field_errors(error.errors))
    except RoomAlreadyBooked as clash:
        return _details(appointment_id, 409, moving=True, move_form=form, clash=clash)
    except DoctorBusy:
        return _details(appointment_id, 409, moving=True, move_form=form, doctor_busy=True,
                        outside_confirmed=request.form.get("confirm_outside_hours") == "1")
    except OutsideWorkingHours:
        return _details(appointment_id, 409, moving=True, move_form=form,
                        outside_hours=working_hours(),
                        doctor_confirmed=request.form.get("confirm_doctor_overlap") == "1")
    return _details(appointment_id, headers=CHANGED, done_message=True)


@bp.post("/calendar/appointments/<uuid:appointment_id>/edit")
@permission_required(Permission.CALENDAR)
def edit(appointment_id: uuid.UUID) -> Any:
    """Other procedures (the length follows them), another final price, another note."""
    form: dict[str, Any] = {
        "procedure_ids": request.form.getlist("procedure_ids"),
        "price": request.form.get("price", ""), "note": request.form.get("note", ""),
        "confirm_doctor_overlap": request.form.get("confirm_doctor_overlap", ""),
        "confirm_outside_hours": request.form.get("confirm_outside_hours", "")}
    try:
        ids = [uuid.UUID(value) for value in form["procedure_ids"]]
    except ValueError:
        ids = [uuid.UUID(int=0)]  # unknown to every clinic: the use case names the field
    try:
        container().update_appointment()(
            current_user.clinic_id, current_user.user_id, appointment_id, AppointmentChanges(
                procedure_ids=ids, price=form["price"], note=form["note"],
                confirm_doctor_overlap=form["confirm_doctor_overlap"] == "1",
                confirm_outside_hours=form["confirm_outside_hours"] == "1"))
    except NotFound:
        abort(404)
    except ActionNotAllowed:
        return _details(appointment_id, 409, problem=changed_meanwhile())
    except ValidationFailed as error:
        return _details(appointment_id, 422, editing=True, edit_form=form,
                        edit_errors=field_errors(error.errors))
    except RoomAlreadyBooked as clash:
        return _details(appointment_id, 409, editing=True, edit_form=form, clash=clash)
    except DoctorBusy:
        return _details(appointment_id, 409, editing=True, edit_form=form, doctor_busy=True)
    except OutsideWorkingHours:
        return _details(appointment_id, 409, editing=True, edit_form=form,
                        outside_hours=working_hours())
    return _details(appointment_id, headers=CHANGED, done_message=True)
