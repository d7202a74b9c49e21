"""/api/v1/appointments: the calendar for programs. A room clash and a doctor's overlap answer
409 with different problem types; POST honours an Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import abort

from clinic.application.scheduling.book import BookingRequest
from clinic.application.scheduling.change import AppointmentChanges
from clinic.application.scheduling.queries import AppointmentFilter
from clinic.domain.scheduling import (
    NOT_BEFORE_START,
    ActionNotAllowed,
    AppointmentStatus,
    DoctorBusy,
    IdempotencyKeyReused,
    RoomAlreadyBooked,
    TooEarly,
)
from clinic.domain.shared import NotFound, ValidationFailed, day_error
from clinic.domain.team import Permission
from clinic.entrypoints.api.auth import (
    current_actor_id,
    current_clinic_id,
    permission_required,
    token_required,
)
from clinic.entrypoints.api.errors import ApiBlueprint, found, problems
from clinic.entrypoints.api.schemas.appointments import (
    AppointmentCreateSchema,
    AppointmentListArgsSchema,
    AppointmentPageSchema,
    AppointmentPatchSchema,
    AppointmentSchema,
    MessageListSchema,
    appointments_json,
)
from clinic.entrypoints.http.container import container
from clinic.entrypoints.http.links import external_url
from clinic.entrypoints.http.problems import PROBLEM_JSON, problem

blp = ApiBlueprint("api_appointments", __name__, url_prefix="/api/v1/appointments",
                   description="Appointments: a room never holds two at once; times are in the "
                               "clinic's offset")

ROOM_BOOKED = "/api/v1/problems/room-booked"
DOCTOR_BUSY = "/api/v1/problems/doctor-busy"
KEY_REUSED = "/api/v1/problems/idempotency-key-reused"
NOT_ALLOWED = "/api/v1/problems/action-not-allowed"


def _zone() -> ZoneInfo:
    clinic = container().account_queries().clinic_details(current_clinic_id())
    return ZoneInfo(clinic.timezone if clinic else "UTC")


def _answer(body: Any) -> Response:
    """JSON as `AppointmentSchema` would dump it, written by `appointments_json` (the one
    writing of an appointment) without marshmallow."""
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    mimetype="application/json")


def _entry(appointment_id: uuid.UUID) -> Response:
    """One appointment of this clinic as the API writes it, or a 404 problem."""
    entry = found(container().calendar_queries().entry(current_clinic_id(), appointment_id))
    return _answer(appointments_json([entry], _zone())[0])


def _moment(raw: str, field: str) -> datetime:
    """An ISO 8601 date-time with its offset, in a sane range."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({field: "datetime_invalid"}) from None
    if moment.tzinfo is None:
        raise ValidationFailed({field: "offset_required"})
    code = day_error(moment.date())
    if code:
        raise ValidationFailed({field: code})
    return moment


def _bound(raw: str | None, field: str, zone: ZoneInfo, end: bool) -> datetime | None:
    """A date means the clinic's whole day (`to` inclusive); a date-time is exact."""
    if raw is None or raw == "":
        return None
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed({field: "date_invalid"}) from None
        code = day_error(day)
        if code:
            raise ValidationFailed({field: code})
        return datetime.combine(day + timedelta(days=1 if end else 0), datetime.min.time(),
                                zone)
    return _moment(raw, field)


def _conflict(detail: str, type_: str, **extra: Any) -> Response:
    response = jsonify({"type": type_, "title": "Conflict", "status": 409, "detail": detail,
                        **extra})
    response.status_code = 409
    response.mimetype = PROBLEM_JSON
    return response


def _room_booked(error: RoomAlreadyBooked) -> Response:
    zone = _zone()
    free = error.nearest_free_start
    return _conflict(
        "The room already has an appointment at that time."
        + (" The nearest start that fits is in nearest_free_start." if free else ""),
        ROOM_BOOKED,
        clash={"starts_at": error.clash.start.astimezone(zone).isoformat(),
               "ends_at": error.clash.end.astimezone(zone).isoformat()},
        nearest_free_start=free.astimezone(zone).isoformat() if free else None)


def _doctor_busy(error: DoctorBusy) -> Response:
    zone = _zone()
    return _conflict(
        "The doctor has another appointment at that time. To book anyway (a doctor working "
        'two chairs), send the request again with "confirm_doctor_overlap": true.',
        DOCTOR_BUSY,
        doctor_busy=[{"starts_at": c.start.astimezone(zone).isoformat(),
                      "ends_at": c.end.astimezone(zone).isoformat()} for c in error.clashes])


def _not_allowed(error: ActionNotAllowed) -> Response:
    if isinstance(error, TooEarly):
        minutes = NOT_BEFORE_START[error.action] // timedelta(minutes=1)
        when = (f"from {minutes} minutes before the appointment's start" if minutes
                else "once the appointment has started")
        return _conflict(f'Not yet: "{error.action.value}" is possible {when}.', NOT_ALLOWED)
    return _conflict(
        f"A {error.status.value} appointment cannot take this change ({error.action.value}). "
        'Bring it back first with "status": "scheduled", in the same request or before.',
        NOT_ALLOWED)


def _key_reused(error: IdempotencyKeyReused) -> Response:
    return problem(422, "Unprocessable Entity", "This Idempotency-Key was already used for a "
                   "different request. Use a new key for a new appointment.", type_=KEY_REUSED)


def _not_found(error: NotFound) -> Response:
    return problem(404, "Not Found", "There is no such record in this clinic.")


blp.register_error_handler(RoomAlreadyBooked, _room_booked)
blp.register_error_handler(DoctorBusy, _doctor_busy)
blp.register_error_handler(ActionNotAllowed, _not_allowed)
blp.register_error_handler(IdempotencyKeyReused, _key_reused)
blp.register_error_handler(NotFound, _not_found)


# Visible ASCII but the quote, 1 to 255 of them, optionally quoted: what the document says and
# what is checked are the same expression.
IDEMPOTENCY_KEY = r'^"?([!#-~]{1,255})"?$'


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    match = re.fullmatch(IDEMPOTENCY_KEY, key.strip())
    if match is None:
        abort(400, message="The Idempotency-Key header must be 1 to 255 visible ASCII "
                           "characters (no spaces; quotes around it are ignored).")
        return None  # abort raises; this line is for the type checker
    return match[1]


@blp.route("")
class Appointments(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CALENDAR)
    @blp.arguments(AppointmentListArgsSchema, location="query")
    @blp.response(200, AppointmentPageSchema)
    @problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """List appointments by start time: of a period, a room, a doctor, a patient, a status"""
        zone = _zone()
        wanted = AppointmentFilter(
            start=_bound(args.get("from_"), "from", zone, end=False),
            end=_bound(args.get("to"), "to", zone, end=True),
            room_id=args.get("room_id"), doctor_id=args.get("doctor_id"),
            patient_id=args.get("patient_id"), statuses=args.get("status") or [])
        if wanted.start and wanted.end and wanted.start >= wanted.end:
            raise ValidationFailed({"to": "range_invalid"})
        found_page = container().calendar_queries().find(
            current_clinic_id(), wanted, args["offset"], args["limit"])
        return _answer({"items": appointments_json(found_page.rows, zone),
                        "total": found_page.total, "offset": args["offset"],
                        "limit": args["limit"]})

    @permission_required(Permission.CALENDAR)
    @blp.arguments(AppointmentCreateSchema)
    @blp.response(201, AppointmentSchema)
    @blp.doc(parameters=[{
        "in": "header", "name": "Idempotency-Key", "required": False,
        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY},
        "description": "Retrying with the same key and body books once and answers the same; "
                       "the same key with another body answers 422. Kept for 24 hours."}])
    @problems(blp, 400, 401, 403, 409, 422)
    def post(self, body: dict[str, Any]) -> Any:
        """Book an appointment (a time outside working hours is accepted: it records what
        happened)"""
        key = _idempotency_key()
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()
                                ).hexdigest()
        booking = container().book_appointment().book(current_clinic_id(), BookingRequest(
            patient_id=body["patient_id"], room_id=body["room_id"],
            doctor_id=body["doctor_id"], starts_at=_moment(body["starts_at"], "starts_at"),
            procedure_ids=body["procedure_ids"], price=body.get("price"),
            note=body.get("note") or "", confirm_doctor_overlap=body["confirm_doctor_overlap"],
            confirm_outside_hours=True, idempotency_key=key, request_hash=digest,
            booked_by=current_actor_id()))
        location = external_url("api_appointments.AppointmentById",
                                appointment_id=booking.appointment.id)
        if booking.entry is None or booking.timezone is None:  # a replayed Idempotency-Key
            return _entry(booking.appointment.id), 201, {"Location": location}
        # what booking read: no second read
        answer = appointments_json([booking.entry], ZoneInfo(booking.timezone))[0]
        return _answer(answer), 201, {"Location": location}


@blp.route("/<uuid:appointment_id>")
class AppointmentById(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CALENDAR)
    @blp.response(200, AppointmentSchema)
    @problems(blp, 401, 403, 404)
    def get(self, appointment_id: uuid.UUID) -> Any:
        """Read an appointment"""
        return _entry(appointment_id)

    @permission_required(Permission.CALENDAR)
    @blp.arguments(AppointmentPatchSchema)
    @blp.response(200, AppointmentSchema)
    @problems(blp, 401, 403, 404, 409, 422)
    def patch(self, body: dict[str, Any], appointment_id: uuid.UUID) -> Any:
        """Move it, change its procedures, price or note, or its status; all at once or none"""
        price = body.get("price", None if "price" not in body else "")
        changes = AppointmentChanges(
            starts_at=_moment(body["starts_at"], "starts_at") if "starts_at" in body else None,
            room_id=body.get("room_id"), doctor_id=body.get("doctor_id"),
            procedure_ids=body.get("procedure_ids"),
            price="" if "price" in body and price is None else price,
            note=("" if body["note"] is None else body["note"]) if "note" in body else None,
            status=AppointmentStatus(body["status"]) if "status" in body else None,
            confirm_doctor_overlap=body["confirm_doctor_overlap"], confirm_outside_hours=True)
        container().update_appointment()(current_clinic_id(), current_actor_id(), appointment_id,
                                         changes)
        return _entry(appointment_id)


@blp.route("/<uuid:appointment_id>/messages")
class AppointmentMessages(MethodView):
    decorators = [token_required]

    @permission_required(Permission.CALENDAR)
    @blp.response(200, MessageListSchema)
    @problems(blp, 401, 403, 404)
    def get(self, appointment_id: uuid.UUID) -> Any:
        """The visit's send log: each message, its channel, status and the patient's answer"""
        clinic_id = current_clinic_id()
        found(container().calendar_queries().entry(clinic_id, appointment_id))
        zone = _zone()
        rows = container().message_queries().for_appointment(clinic_id, appointment_id)

        def moment(value: datetime | None) -> str | None:
            return value.astimezone(zone).isoformat() if value is not None else None

        return _answer({"items": [{
            "id": str(m.id), "kind": m.kind, "channel": m.channel, "status": m.status,
            "reason": m.reason, "text": m.text, "created_at": moment(m.created_at),
            "sent_at": moment(m.sent_at), "attempts": m.attempts, "reply": m.reply,
            "replied_at": moment(m.replied_at)} for m in reversed(rows)]})
