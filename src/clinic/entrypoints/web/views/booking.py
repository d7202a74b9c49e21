"""The booking dialogs: a new appointment from a tapped cell, and the details of one."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user

from clinic.application.accounts.queries import ClinicDetails
from clinic.application.catalog.queries import DoctorView
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.availability import ceil_to
from clinic.domain.patients import DuplicatePhone
from clinic.domain.scheduling import (
    DoctorBusy,
    OutsideWorkingHours,
    RoomAlreadyBooked,
    UnusualDay,
)
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import Permission
from clinic.entrypoints.http.container import container
from clinic.entrypoints.web.auth import permission_required
from clinic.entrypoints.web.i18n import weekday_abbr
from clinic.entrypoints.web.input_rules import day_of, uuid_or_none
from clinic.entrypoints.web.messages import field_errors

bp = Blueprint("booking", __name__)
FIELDS = ("patient_id", "new_name", "new_phone", "date", "time", "room_id", "doctor_id",
          "price", "note", "confirm_doctor_overlap", "confirm_outside_hours",
          "confirm_unusual_day", "minutes")


def _choices() -> dict[str, Any]:
    clinic_id = current_user.clinic_id
    catalog = container().catalog_queries()
    rooms, doctors = catalog.items(clinic_id, "rooms"), catalog.items(clinic_id, "doctors")
    # the most booked in the last half year first: the usual visit is picked at the top
    since = container().clock().now() - timedelta(days=183)
    procedures = catalog.procedures_by_use(clinic_id, since)
    recent = list(container().calendar_queries().recent_patients(clinic_id))
    return {"rooms": rooms, "doctors": doctors, "procedures": procedures, "recent": recent}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_user.clinic_timezone or "UTC")


def _render(form: dict[str, Any], errors: dict[str, str], status: int = 200,
            **extra: Any) -> Any:
    choices = _choices()
    picked = form.get("patient_id") or ""
    if picked and all(str(pid) != picked for pid, _name, _phone in choices["recent"]):
        patient = container().patient_queries().get(current_user.clinic_id, _uuid(picked))
        if patient is not None:  # the patient the person came from: always offered first
            choices["recent"].insert(0, (patient.id, patient.name, patient.phone))
    return render_template("calendar/_new.html", form=form, errors=errors, **choices,
                           **extra), status


def _refused(form: dict[str, Any], **outcome: Any) -> Any:
    """A time the booking refused: the open dialog gets only why, and the confirmations, in
    place (the form keeps what was typed, the catalog is not read again); a request from
    outside the dialog gets the whole form."""
    if request.headers.get("HX-Request") != "true":
        return _render(form, {}, 409, **outcome)
    html = render_template("calendar/_booking_outcome.html", form=form, oob=True, **outcome)
    return html, 409, {"HX-Retarget": "#booking-outcome", "HX-Reswap": "innerHTML"}


@bp.get("/calendar/book")
@permission_required(Permission.CALENDAR)
def new() -> Any:
    room_id = request.args.get("room_id", "")
    if request.args.get("next") == "1":  # the "+ Appointment" button: the next free start
        start = _next_free(room_id)
    else:
        start = request.args.get("start", "")
        day_of(start, "start")  # a day the clinic's books can hold, or a 422 that says so
    day, _sep, time = start.partition("T")
    doctor_id = request.args.get("doctor_id", "")
    if not doctor_id:
        doctors = container().catalog_queries().items(current_user.clinic_id, "doctors")
        mine = [d for d in doctors
                if isinstance(d, DoctorView) and d.user_id == current_user.user_id]
        # the person's own doctor record, else the doctor they booked for last (the desk
        # books one doctor's patients all morning)
        doctor_id = str(mine[0].id) if mine else session.get("last_doctor", "")
    time = _tapped(day, time[:5], room_id, request.args.get("doctor_id", ""))
    form = {"date": day, "time": time, "room_id": room_id,
            "doctor_id": doctor_id, "procedure_ids": [],
            "patient_id": request.args.get("patient_id", ""),
            # drawn on the calendar by a drag: the visit takes that length
            "minutes": request.args.get("minutes", "")[:4]}
    return _render(form, {})


def _tapped(day: str, hhmm: str, room_id: str, doctor_id: str) -> str:
    """A tap at 10:40 books at the clinic's step (10:30), or, where a visit of the room (of
    the doctor, on a doctor's week) holds that time, at the first free moment after it (the
    availability service decides)."""
    try:
        tapped = datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=_zone())
    except ValueError:
        return hhmm
    start = container().free_time().tapped_start(
        current_user.clinic_id, tapped, _clinic().booking_step, room_id=uuid_or_none(room_id),
        doctor_id=None if room_id else uuid_or_none(doctor_id))
    return start.astimezone(_zone()).strftime("%H:%M")


def _next_free(room_id: str) -> str:
    """"YYYY-MM-DDTHH:MM" of the room's next free start (now, at the step, if none is found)."""
    now = container().clock().now()
    clinic = _clinic()
    room = uuid_or_none(room_id)
    start = None if room is None else container().free_time().next_free_start(
        current_user.clinic_id, room, now, clinic.hours, clinic.booking_step)
    local = (start or ceil_to(now, clinic.booking_step)).astimezone(_zone())
    return f"{local:%Y-%m-%dT%H:%M}"


def _clinic() -> ClinicDetails:
    clinic = container().account_queries().clinic_details(current_user.clinic_id)
    if clinic is None:
        abort(404)
    return clinic


@bp.post("/calendar/book")
@permission_required(Permission.CALENDAR)
def create() -> Any:
    form: dict[str, Any] = {name: request.form.get(name, "") for name in FIELDS}
    form["procedure_ids"] = request.form.getlist("procedure_ids")
    clinic_id = current_user.clinic_id
    try:
        starts_at = datetime.fromisoformat(f"{form['date']}T{form['time']}").replace(
            tzinfo=_zone())
    except ValueError:
        return _render(form, {"starts_at": _("Pick a date and a time.")}, 422)
    try:
        patient_id, new_patient = _patient(form)
        ids = [uuid.UUID(value) for value in form["procedure_ids"]]
        length = chosen_length(form["minutes"])
        container().book_appointment()(clinic_id, BookingRequest(
            patient_id=patient_id, new_patient=new_patient, room_id=_uuid(form["room_id"]),
            doctor_id=_uuid(form["doctor_id"]), starts_at=starts_at, procedure_ids=ids,
            price=form["price"] or None, note=form["note"], length=length,
            confirm_doctor_overlap=form["confirm_doctor_overlap"] == "1",
            confirm_outside_hours=form["confirm_outside_hours"] == "1",
            ask_unusual_day=form["confirm_unusual_day"] != "1",
            booked_by=current_user.user_id))
    except ValidationFailed as error:
        return _render(form, field_errors(error.errors), 422)
    except DuplicatePhone as twin:
        return _render(form, {"new_phone": _("This phone is on the card of %(name)s. Pick "
                                             "that card above, or change the phone.",
                                             name=twin.name)}, 409)
    except RoomAlreadyBooked as clash:
        return _refused(form, clash=clash, zone=_zone())
    except DoctorBusy as busy:
        return _refused(form, doctor_busy=busy)
    except OutsideWorkingHours:
        return _refused(form, outside_hours=working_hours())
    except UnusualDay as unusual:
        return _refused(form, unusual_day=unusual, day=starts_at.date())
    session["last_doctor"] = form["doctor_id"]
    response = render_template("calendar/_booked.html")
    return response, 200, {"HX-Trigger": "calendar-changed"}


def working_hours() -> dict[str, str]:
    """The clinic's hours, for the warning that a time is outside them."""
    clinic = container().account_queries().clinic_details(current_user.clinic_id)
    if clinic is None:
        return {}
    runs: list[list[int]] = []
    for day in sorted(clinic.working_days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    days = ", ".join(weekday_abbr(run[0]) if len(run) == 1 else
                     f"{weekday_abbr(run[0])}–{weekday_abbr(run[-1])}" for run in runs)
    return {"days": days, "opens": clinic.opens_at, "closes": clinic.closes_at}


def chosen_length(typed: str) -> timedelta | None:
    """Minutes typed or drawn ("45"), or None when left empty (the procedures' length); the
    domain's `check_chosen_length` judges the number."""
    typed = typed.strip()
    if not typed:
        return None
    if not typed.isascii() or not typed.isdigit() or len(typed) > 4:
        raise ValidationFailed({"minutes": "length_invalid"})
    return timedelta(minutes=int(typed))


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.UUID(int=0)  # unknown to every clinic: the use case names the field


def _patient(form: dict[str, Any]) -> tuple[uuid.UUID | None, PatientFields | None]:
    """The picked patient, or the new card to make from the name and phone typed in the
    dialog (made by the booking itself, so a refused booking leaves no card behind)."""
    if form["patient_id"]:
        return _uuid(form["patient_id"]), None
    if not (form["new_name"].strip() or form["new_phone"].strip()):
        raise ValidationFailed({"patient_id": "required"})
    return None, PatientFields(form["new_name"], form["new_phone"])


@bp.get("/calendar/patients")
@permission_required(Permission.CALENDAR)
def patient_options() -> Any:
    query = request.args.get("q", "").strip()[:100]
    found = container().patient_queries().find(current_user.clinic_id, query, limit=8)
    return render_template("calendar/_patient_options.html",
                           patients=[(r.id, r.name, r.phone) for r in found.rows],
                           selected=request.args.get("patient_id", ""), query=query)
