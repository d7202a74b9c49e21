"""Appointments: what the API reads, the shape it answers in (`AppointmentSchema`, for the
document) and the one function that writes that shape (`appointments_json`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
from marshmallow.validate import Length, OneOf
from webargs.fields import DelimitedList

from clinic.application.scheduling.queries import CalendarEntry
from clinic.domain.messaging import Channel, MessageKind
from clinic.domain.patient_messages import MessageStatus, Reply
from clinic.domain.scheduling import AppointmentStatus, Confirmation
from clinic.domain.shared import MAX_OFFSET, decimal_text
from clinic.entrypoints.api.messages import field_message
from clinic.entrypoints.api.schemas.common import (
    PRICE_DOC,
    InputSchema,
    PageArgsSchema,
    PageSchema,
    PatchSchema,
    PriceField,
    StrictBoolean,
)

F = ma.fields
MAX_APPOINTMENTS = 1000  # a whole busy clinic's week in one page
STATUSES = [status.value for status in AppointmentStatus]


class AppointmentLineSchema(ma.Schema):
    id = F.UUID(required=True, attribute="procedure_id",
                metadata={"description": "The catalog procedure"})
    name = F.String(required=True, metadata={"description": "As it was named when booked"})
    price = F.String(required=True, metadata={"example": "1000.00"})
    duration_minutes = F.Integer(required=True, metadata={"example": 30})


class AppointmentSchema(ma.Schema):
    """What `appointments_json` writes; the API never dumps through it (see there)."""

    id = F.UUID(required=True)
    patient_id = F.UUID(required=True)
    patient_name = F.String(required=True)
    room_id = F.UUID(required=True)
    doctor_id = F.UUID(required=True)
    starts_at = F.DateTime(required=True, metadata={
        "example": "2026-11-24T10:00:00+03:00", "description": "In the clinic's offset"})
    ends_at = F.DateTime(required=True, metadata={"example": "2026-11-24T10:30:00+03:00"})
    status = F.String(required=True, metadata={"enum": STATUSES})
    procedures = F.List(F.Nested(AppointmentLineSchema), required=True,
                        metadata={"description": "Priced as on the day it was booked"})
    price = F.String(required=True, metadata={
        "example": "1500.00", "description": "The final price, a discount included"})
    currency = F.String(required=True, metadata={"example": "RUB"})
    note = F.String(required=True, allow_none=True)
    doctor_overlap_confirmed = F.Boolean(required=True, metadata={
        "description": "Booked although the doctor had another patient then"})
    confirmation = F.String(required=True, metadata={
        "enum": [c.value for c in Confirmation],
        "description": "The patient's answer to the reminder: none yet, \"I will come\", or "
                       "\"I need another time\" (a move to another time asks again)"})


class MessageSchema(ma.Schema):
    """One message of a visit's send log."""

    id = F.UUID(required=True)
    kind = F.String(required=True, metadata={"enum": [k.value for k in MessageKind]})
    channel = F.String(required=True, allow_none=True, metadata={
        "enum": [c.value for c in Channel], "description": "None: skipped before one was chosen"})
    status = F.String(required=True, metadata={"enum": [s.value for s in MessageStatus]})
    reason = F.String(required=True, allow_none=True, metadata={
        "description": "Why it was skipped or failed: a code (refused_notifications, "
                       "no_channel, merged...) or the provider's words"})
    text = F.String(required=True)
    created_at = F.DateTime(required=True)
    sent_at = F.DateTime(required=True, allow_none=True)
    attempts = F.Integer(required=True)
    reply = F.String(required=True, allow_none=True, metadata={
        "enum": [r.value for r in Reply]})
    replied_at = F.DateTime(required=True, allow_none=True)


class MessageListSchema(ma.Schema):
    items = F.List(F.Nested(MessageSchema), required=True)


class AppointmentPageSchema(PageSchema):
    items = F.List(F.Nested(AppointmentSchema), required=True)


def appointments_json(entries: Sequence[CalendarEntry], zone: ZoneInfo) -> list[dict[str, Any]]:
    """The API's one writing of an appointment, as `AppointmentSchema` documents it, ready for
    `json.dumps`: the list, one GET, a POST's and a PATCH's answer all use it. A whole clinic's
    week is ~700 visits and ~1,000 lines: marshmallow took most of the request, so these are
    built directly, and what repeats (the ids of rooms, doctors, patients and procedures, the
    prices) is written once."""
    texts: dict[Any, str] = {}

    def text(value: uuid.UUID) -> str:
        found = texts.get(value)
        if found is None:
            found = texts[value] = str(value)
        return found

    def price(minor: int, currency: str) -> str:
        key = (minor, currency)
        found = texts.get(key)
        if found is None:
            found = texts[key] = decimal_text(minor, currency)
        return found

    return [{
        "id": str(entry.id), "patient_id": text(entry.patient_id),
        "patient_name": entry.patient_name, "room_id": text(entry.room_id),
        "doctor_id": text(entry.doctor_id),
        "starts_at": entry.starts_at.astimezone(zone).isoformat(),
        "ends_at": entry.ends_at.astimezone(zone).isoformat(),
        "status": entry.status, "price": price(entry.price_minor, entry.currency),
        "currency": entry.currency, "note": entry.note,
        "doctor_overlap_confirmed": entry.doctor_overlap_confirmed,
        "confirmation": entry.confirmation,
        "procedures": [{"id": text(line.procedure_id), "name": line.name,
                        "price": price(line.price_minor, entry.currency),
                        "duration_minutes": line.duration_minutes} for line in entry.lines],
    } for entry in entries]


class StatusList(DelimitedList):
    """Appointment statuses, comma-separated ("scheduled,done"), each exactly as the OpenAPI
    document lists them: an empty value, an empty item or a status with spaces around it is a
    422 that says how to write it (the fuzzer holds the API to its document)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(F.String(validate=OneOf(STATUSES)), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> list[Any | None]:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        names: list[Any | None] = list(value.split(","))
        if any(name not in STATUSES for name in names):
            raise ma.ValidationError(field_message("status", "status_invalid"))
        return names


class AppointmentListArgsSchema(PageArgsSchema):
    MAX_LIMIT = MAX_APPOINTMENTS

    from_ = F.String(data_key="from", metadata={
        "example": "2026-11-23", "description": "A date (the clinic's day) or a date-time "
                                                "with offset; appointments ending after it"})
    to = F.String(metadata={
        "example": "2026-11-29", "description": "A date (inclusive: the whole day) or a "
                                                "date-time (exclusive)"})
    room_id = F.UUID()
    doctor_id = F.UUID()
    patient_id = F.UUID()
    status = StatusList(metadata={"example": "scheduled,done",
                                  "description": "One status or several, comma-separated"})
    offset = F.Integer(load_default=0, metadata={"minimum": 0, "maximum": MAX_OFFSET})
    limit = F.Integer(load_default=100, metadata={
        "minimum": 1, "maximum": MAX_APPOINTMENTS, "description": f"At most {MAX_APPOINTMENTS}"})


class AppointmentCreateSchema(InputSchema):
    patient_id = F.UUID(required=True)
    room_id = F.UUID(required=True)
    doctor_id = F.UUID(required=True)
    starts_at = F.String(required=True, metadata={
        "example": "2026-11-24T10:00:00+03:00",
        "description": "ISO 8601 with an offset, on the 5-minute grid"})
    procedure_ids = F.List(F.UUID(), required=True, validate=Length(min=1, max=20),
                           metadata={"description": "In order; the same one twice counts twice"})
    price = PriceField(allow_none=True, metadata={
        **PRICE_DOC, "example": "1200.00",
        "description": "The final price (a discount); left out: the sum of the procedures"})
    note = F.String(allow_none=True, validate=Length(max=2000))
    confirm_doctor_overlap = StrictBoolean(load_default=False, metadata={
        "description": "true books even when the doctor has another patient then"})


class AppointmentPatchSchema(PatchSchema):
    FLAGS = frozenset({"confirm_doctor_overlap"})
    starts_at = F.String(metadata={"example": "2026-11-24T11:00:00+03:00"})
    room_id = F.UUID()
    doctor_id = F.UUID()
    procedure_ids = F.List(F.UUID(), validate=Length(min=1, max=20), metadata={
        "description": "Procedures already on the visit keep their booked price"})
    price = PriceField(allow_none=True, metadata={
        "oneOf": [*PRICE_DOC["oneOf"], {"type": "null"}],
        "description": "null goes back to the sum of the procedures"})
    note = F.String(allow_none=True, validate=Length(max=2000))
    status = F.String(validate=OneOf(STATUSES))
    confirm_doctor_overlap = StrictBoolean(load_default=False)
