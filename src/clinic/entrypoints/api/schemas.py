"""marshmallow schemas of the API's requests and answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import marshmallow as ma
from marshmallow.validate import Length, OneOf, Range

from clinic.domain.catalog import Doctor, Procedure
from clinic.entrypoints.web.links import external_url

F = ma.fields
MAX_LIMIT = 200
MAX_APPOINTMENTS = 1000  # a whole busy clinic's week in one page


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document."""

    type = F.String(metadata={"description": "A URI naming the kind of problem"})
    title = F.String(required=True)
    status = F.Integer(required=True)
    detail = F.String()
    errors = F.Dict(metadata={"description": "Field name -> list of messages"})
    existing_patient_id = F.UUID(metadata={
        "description": "On 409 for a patient: the card that already has this phone"})
    chairs_allowed = F.Integer(metadata={
        "description": "On 402 chair-limit: how many chairs (active rooms) the clinic has"})
    nearest_free_start = F.DateTime(allow_none=True, metadata={
        "description": "On 409 room-booked: the nearest start at which the same length fits "
                       "in that room, inside working hours (null if none within two weeks)"})
    clash = F.Dict(metadata={"description": "On 409 room-booked: {starts_at, ends_at} of the "
                                            "appointment in the way"})
    doctor_busy = F.List(F.Dict(), metadata={
        "description": "On 409 doctor-busy: the doctor's other appointments then"})


class WorkingHoursSchema(ma.Schema):
    days = F.List(F.Integer(), required=True,
                  metadata={"description": "ISO weekdays: 1 is Monday", "example": [1, 2, 3]})
    start = F.String(required=True, metadata={"example": "08:00"})
    end = F.String(required=True, metadata={"example": "20:00"})


class ClinicSchema(ma.Schema):
    id = F.UUID(required=True)
    name = F.String(required=True)
    timezone = F.String(required=True, metadata={"example": "Europe/Moscow"})
    currency = F.String(required=True, metadata={"example": "RUB"})
    country = F.String(required=True, metadata={"example": "RU"})
    locale = F.String(required=True, metadata={"example": "ru"})
    working_hours = F.Nested(WorkingHoursSchema, required=True)


class StrictBoolean(F.Boolean):
    """A JSON `true` or `false`, nothing that merely looks like one."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class PriceField(F.Field):  # type: ignore[type-arg]
    """A price in major units, sent as a string ("2 500,50") or a number (2500.5)."""

    default_error_messages = {"invalid": "Not a valid price: send a string or a number."}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.make_error("invalid")
        return str(value)


MAX_OFFSET = 10_000_000  # far beyond any clinic; keeps the number inside a SQL integer


class ListArgsSchema(ma.Schema):
    offset = F.Integer(load_default=0, validate=Range(min=0, max=MAX_OFFSET))
    limit = F.Integer(load_default=50, validate=Range(min=1, max=MAX_LIMIT))
    include_archived = F.Boolean(load_default=False)


class PatientListArgsSchema(ma.Schema):
    q = F.String(load_default="", validate=Length(max=200), metadata={
        "description": "A name fragment or 3+ digits of a phone; empty lists newest first"})
    offset = F.Integer(load_default=0, validate=Range(min=0, max=MAX_OFFSET))
    limit = F.Integer(load_default=50, validate=Range(min=1, max=MAX_LIMIT))


class _PageSchema(ma.Schema):
    total = F.Integer(required=True)
    offset = F.Integer(required=True)
    limit = F.Integer(required=True)


def page(items: Sequence[Any], args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of a short list that was read whole (rooms, doctors, procedures)."""
    offset, limit = args["offset"], args["limit"]
    return {"items": items[offset:offset + limit], "total": len(items), "offset": offset,
            "limit": limit}


class PageArgsSchema(ma.Schema):
    offset = F.Integer(load_default=0, validate=Range(min=0, max=MAX_OFFSET))
    limit = F.Integer(load_default=50, validate=Range(min=1, max=MAX_LIMIT))


class MemberSchema(ma.Schema):
    user_id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Anna Petrova"})
    email = F.String(required=True, metadata={"example": "anna@example.com"})
    role = F.String(required=True, metadata={"enum": ["owner", "admin", "staff"]})
    doctor_id = F.UUID(required=True, allow_none=True, metadata={
        "description": "The doctor record this person is, if any"})
    joined_at = F.DateTime(required=True)


class MemberPageSchema(_PageSchema):
    items = F.List(F.Nested(MemberSchema), required=True,
                   metadata={"description": "The owner first, then admins, then staff, by name"})


class RoomSchema(ma.Schema):
    id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Room 1"})
    address = F.String(required=True, allow_none=True)
    archived = F.Boolean(required=True)


class RoomCreateSchema(ma.Schema):
    name = F.String(required=True, metadata={"example": "Room 1"})
    address = F.String(allow_none=True, metadata={"example": "Lenina 1, 2nd floor"})


class RoomPatchSchema(RoomCreateSchema):
    name = F.String(metadata={"example": "Room 1"})
    archived = StrictBoolean(metadata={"description": "false restores an archived room"})


class RoomPageSchema(_PageSchema):
    items = F.List(F.Nested(RoomSchema), required=True)


class DoctorSchema(ma.Schema):
    id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Anna Petrova"})
    color = F.String(required=True, metadata={"example": "#cfe3ff"})
    photo_url = F.Method("_photo_url", required=True, metadata={
        "type": "string", "format": "uri", "nullable": True,
        "description": "GET it with the token; null when there is no photo"})
    archived = F.Boolean(required=True)

    def _photo_url(self, doctor: Doctor) -> str | None:
        if not doctor.has_photo:
            return None
        return external_url("api_doctors.photo", doctor_id=doctor.id, v=doctor.photo_version)


class DoctorCreateSchema(ma.Schema):
    name = F.String(required=True, metadata={"example": "Anna Petrova"})
    color = F.String(allow_none=True, metadata={
        "example": "#cfe3ff", "description": "#rrggbb; empty picks a free one"})


class DoctorPatchSchema(DoctorCreateSchema):
    name = F.String(metadata={"example": "Anna Petrova"})
    archived = StrictBoolean(metadata={"description": "false restores an archived doctor"})


class DoctorPageSchema(_PageSchema):
    items = F.List(F.Nested(DoctorSchema), required=True)


class ProcedureSchema(ma.Schema):
    id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Consultation"})
    price = F.Method("_price", required=True, metadata={
        "type": "string", "example": "2500.00", "description": "In the clinic's currency"})
    duration_minutes = F.Integer(required=True, metadata={"example": 30})
    archived = F.Boolean(required=True)

    def _price(self, procedure: Procedure) -> str:
        return str(procedure.price.to_decimal())


class ProcedureCreateSchema(ma.Schema):
    name = F.String(required=True, metadata={"example": "Consultation"})
    price = PriceField(required=True, metadata={
        "oneOf": [{"type": "string"}, {"type": "number"}], "example": "2500.00",
        "description": "Major units; \"2 500,50\" is read as 2500.50"})
    duration_minutes = F.Integer(required=True, strict=True, metadata={
        "example": 30, "description": "5 to 480, in steps of 5"})


class ProcedurePatchSchema(ProcedureCreateSchema):
    name = F.String(metadata={"example": "Consultation"})
    price = PriceField(metadata={"oneOf": [{"type": "string"}, {"type": "number"}],
                                 "example": "2500.00"})
    duration_minutes = F.Integer(strict=True, metadata={"example": 30})
    archived = StrictBoolean(metadata={"description": "false restores an archived procedure"})


class ProcedurePageSchema(_PageSchema):
    items = F.List(F.Nested(ProcedureSchema), required=True)


class PatientListItemSchema(ma.Schema):
    id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Ivan Sidorov"})
    phone = F.String(required=True, metadata={"example": "+79161234567",
                                              "description": "E.164"})
    email = F.String(required=True, allow_none=True)
    created_at = F.DateTime(required=True)


class PatientSchema(PatientListItemSchema):
    note = F.String(required=True, allow_none=True)


class PatientCreateSchema(ma.Schema):
    name = F.String(required=True, metadata={"example": "Ivan Sidorov"})
    phone = F.String(required=True, metadata={
        "example": "+7 916 123-45-67", "description": "Any usual form; kept in E.164"})
    email = F.String(allow_none=True, metadata={"example": "ivan@example.com"})
    note = F.String(allow_none=True)
    allow_duplicate = StrictBoolean(metadata={
        "description": "true saves even when another card has this phone"})


class PatientPatchSchema(PatientCreateSchema):
    name = F.String(metadata={"example": "Ivan Sidorov"})
    phone = F.String(metadata={"example": "+7 916 123-45-67"})


class PatientPageSchema(_PageSchema):
    items = F.List(F.Nested(PatientListItemSchema), required=True, attribute="rows", metadata={
        "description": "Newest first, or the matches; GET one patient for its note"})


class AppointmentLineSchema(ma.Schema):
    id = F.UUID(required=True, attribute="procedure_id",
                metadata={"description": "The catalog procedure"})
    name = F.String(required=True, metadata={"description": "As it was named when booked"})
    price = F.String(required=True, metadata={"example": "1000.00"})
    duration_minutes = F.Integer(required=True, metadata={"example": 30})


class AppointmentSchema(ma.Schema):
    id = F.UUID(required=True)
    patient_id = F.UUID(required=True)
    patient_name = F.String(required=True)
    room_id = F.UUID(required=True)
    doctor_id = F.UUID(required=True)
    starts_at = F.DateTime(required=True, metadata={
        "example": "2026-11-24T10:00:00+03:00", "description": "In the clinic's offset"})
    ends_at = F.DateTime(required=True, metadata={"example": "2026-11-24T10:30:00+03:00"})
    status = F.String(required=True, metadata={
        "enum": ["scheduled", "done", "cancelled", "no_show"]})
    procedures = F.List(F.Nested(AppointmentLineSchema), required=True,
                        metadata={"description": "Priced as on the day it was booked"})
    price = F.String(required=True, metadata={
        "example": "1500.00", "description": "The final price, a discount included"})
    currency = F.String(required=True, metadata={"example": "RUB"})
    note = F.String(required=True, allow_none=True)
    doctor_overlap_confirmed = F.Boolean(required=True, metadata={
        "description": "Booked although the doctor had another patient then"})


class AppointmentPageSchema(_PageSchema):
    items = F.List(F.Nested(AppointmentSchema), required=True)


class AppointmentListArgsSchema(ma.Schema):
    from_ = F.String(data_key="from", metadata={
        "example": "2026-11-23", "description": "A date (the clinic's day) or a date-time "
                                                "with offset; appointments ending after it"})
    to = F.String(metadata={
        "example": "2026-11-29", "description": "A date (inclusive: the whole day) or a "
                                                "date-time (exclusive)"})
    room_id = F.UUID()
    doctor_id = F.UUID()
    patient_id = F.UUID()
    status = F.String(metadata={"example": "scheduled,done",
                                "description": "One status or several, comma-separated"})
    offset = F.Integer(load_default=0, validate=Range(min=0, max=MAX_OFFSET))
    limit = F.Integer(load_default=100, validate=Range(min=1, max=MAX_APPOINTMENTS),
                      metadata={"description": f"At most {MAX_APPOINTMENTS}"})


class AppointmentCreateSchema(ma.Schema):
    patient_id = F.UUID(required=True)
    room_id = F.UUID(required=True)
    doctor_id = F.UUID(required=True)
    starts_at = F.String(required=True, metadata={
        "example": "2026-11-24T10:00:00+03:00",
        "description": "ISO 8601 with an offset, on the 5-minute grid"})
    procedure_ids = F.List(F.UUID(), required=True, validate=Length(min=1, max=20),
                           metadata={"description": "In order; the same one twice counts twice"})
    price = PriceField(allow_none=True, metadata={
        "oneOf": [{"type": "string"}, {"type": "number"}], "example": "1200.00",
        "description": "The final price (a discount); left out: the sum of the procedures"})
    note = F.String(allow_none=True, validate=Length(max=2000))
    confirm_doctor_overlap = StrictBoolean(load_default=False, metadata={
        "description": "true books even when the doctor has another patient then"})


class AppointmentPatchSchema(ma.Schema):
    starts_at = F.String(metadata={"example": "2026-11-24T11:00:00+03:00"})
    room_id = F.UUID()
    doctor_id = F.UUID()
    procedure_ids = F.List(F.UUID(), validate=Length(min=1, max=20), metadata={
        "description": "Procedures already on the visit keep their booked price"})
    price = PriceField(allow_none=True, metadata={
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}],
        "description": "null goes back to the sum of the procedures"})
    note = F.String(allow_none=True, validate=Length(max=2000))
    status = F.String(validate=OneOf(["scheduled", "done", "cancelled", "no_show"]))
    confirm_doctor_overlap = StrictBoolean(load_default=False)
