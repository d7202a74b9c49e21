"""marshmallow schemas of the API's requests and answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import marshmallow as ma
from marshmallow.validate import Length, OneOf
from webargs.fields import DelimitedList

from clinic.application.catalog.queries import DoctorView, ProcedureView
from clinic.domain.catalog import (
    DURATION_STEP,
    MAX_ADDRESS,
    MAX_DURATION,
    MAX_NAME,
    MAX_PRICE_MAJOR,
    MIN_DURATION,
    Doctor,
    Procedure,
)
from clinic.domain.patients import MAX_NOTE
from clinic.domain.scheduling import AppointmentStatus
from clinic.domain.shared import CONTROL_CHARACTERS, MAX_OFFSET, ValidationFailed, page_bounds
from clinic.entrypoints.api.messages import (
    field_message,
    limit_message,
    nothing_to_change,
)
from clinic.entrypoints.http.links import external_url

F = ma.fields
MAX_LIMIT = 200
MAX_APPOINTMENTS = 1000  # a whole busy clinic's week in one page
STATUSES = [status.value for status in AppointmentStatus]
MAX_EMAIL = 254  # as accounts.email_error
MAX_PHONE_TEXT = 50  # a phone written with spaces, dashes and brackets fits in half of it

# The text rule (`characters_error`) as the OpenAPI document says it: every string an input
# schema reads matches TEXT_PATTERN (clinic.entrypoints.api.openapi adds it); a name has a
# visible character too.
TEXT_PATTERN = f"^[^{CONTROL_CHARACTERS}]*$"
NAME_PATTERN = f"^[^{CONTROL_CHARACTERS}]*[^\\s{CONTROL_CHARACTERS}][^{CONTROL_CHARACTERS}]*$"
PRICE_DOC = {"oneOf": [{"type": "string", "pattern": TEXT_PATTERN}, {"type": "number", "minimum": 0,
                                            "maximum": int(MAX_PRICE_MAJOR),
                                            "exclusiveMaximum": True}]}


class InputSchema(ma.Schema):
    """What a request gives (a JSON body or a query): unknown fields are refused, and every
    string it reads has passed the text rule in the API's parser."""


def _text(limit: int, *, required: bool = False, name: bool = False,
          **metadata: Any) -> F.String:
    """A string the API reads, at most `limit` characters as sent; a `name` is not blank."""
    if name:
        metadata["pattern"] = NAME_PATTERN
    return F.String(required=required, allow_none=not name,
                    validate=Length(max=limit, error=f"Too long: at most {limit} characters."),
                    metadata=metadata)


def _minutes(*, required: bool = False) -> F.Integer:
    return F.Integer(required=required, strict=True, metadata={
        "example": 30, "minimum": MIN_DURATION, "maximum": MAX_DURATION,
        "multipleOf": DURATION_STEP,
        "description": f"{MIN_DURATION} to {MAX_DURATION}, in steps of {DURATION_STEP}"})


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


class PageArgsSchema(InputSchema):
    """`offset` and `limit` of a list, by the one pagination rule (`page_bounds`)."""

    MAX_LIMIT = MAX_LIMIT
    offset = F.Integer(load_default=0, metadata={"minimum": 0, "maximum": MAX_OFFSET})
    limit = F.Integer(load_default=50, metadata={"minimum": 1, "maximum": MAX_LIMIT})

    @ma.validates_schema
    def _page_bounds(self, data: dict[str, Any], **kwargs: Any) -> None:
        try:
            page_bounds(data["offset"], data["limit"], self.MAX_LIMIT)
        except ValidationFailed as failed:
            raise ma.ValidationError({
                name: [limit_message(self.MAX_LIMIT) if name == "limit"
                       else field_message(name, code)]
                for name, code in failed.errors.items()}) from None


class ListArgsSchema(PageArgsSchema):
    include_archived = F.Boolean(load_default=False)


class PatientListArgsSchema(PageArgsSchema):
    q = F.String(load_default="", validate=Length(max=200), metadata={
        "description": "A name fragment or 3+ digits of a phone; empty lists newest first"})


class PatchSchema(InputSchema):
    """A PATCH body: fields left out keep their value, but at least one must be given (the
    `FLAGS`, which only say how to change, are not changes)."""

    FLAGS: frozenset[str] = frozenset()

    @classmethod
    def changeable(cls) -> list[str]:
        return [field.data_key or name for name, field in cls._declared_fields.items()
                if name not in cls.FLAGS]

    @ma.validates_schema
    def _something_to_change(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.keys() - self.FLAGS:
            raise ma.ValidationError(nothing_to_change(self.changeable()), field_name="body")


class StatusList(DelimitedList):
    """Appointment statuses, comma-separated ("scheduled,done"); spaces and empty items are
    forgiven, an unknown status is not."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(F.String(validate=OneOf(STATUSES)), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> list[Any | None]:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        names: list[Any | None] = [name.strip() for name in value.split(",") if name.strip()]
        if any(name not in STATUSES for name in names):
            raise ma.ValidationError(field_message("status", "status_invalid"))
        return names


class _PageSchema(ma.Schema):
    total = F.Integer(required=True)
    offset = F.Integer(required=True)
    limit = F.Integer(required=True)


def page(items: Sequence[Any], args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of a short list that was read whole (rooms, doctors, procedures)."""
    offset, limit = args["offset"], args["limit"]
    return {"items": items[offset:offset + limit], "total": len(items), "offset": offset,
            "limit": limit}


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


class RoomCreateSchema(InputSchema):
    name = _text(MAX_NAME, required=True, name=True, example="Room 1")
    address = _text(MAX_ADDRESS, example="Lenina 1, 2nd floor")


class RoomPatchSchema(RoomCreateSchema, PatchSchema):
    name = _text(MAX_NAME, name=True, example="Room 1")
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

    def _photo_url(self, doctor: Doctor | DoctorView) -> str | None:
        if not doctor.has_photo:
            return None
        return external_url("api_doctors.photo", doctor_id=doctor.id, v=doctor.photo_version)


class DoctorCreateSchema(InputSchema):
    name = _text(MAX_NAME, required=True, name=True, example="Anna Petrova")
    color = F.String(allow_none=True, metadata={
        "example": "#cfe3ff", "pattern": r"^[ \t\n\r]*(#[0-9A-Fa-f]{6})?[ \t\n\r]*$",
        "description": "#rrggbb; empty picks a free one"})


class DoctorPatchSchema(DoctorCreateSchema, PatchSchema):
    name = _text(MAX_NAME, name=True, example="Anna Petrova")
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

    def _price(self, procedure: Procedure | ProcedureView) -> str:
        return str(procedure.price.to_decimal())


class ProcedureCreateSchema(InputSchema):
    name = _text(MAX_NAME, required=True, name=True, example="Consultation")
    price = PriceField(required=True, metadata={
        **PRICE_DOC, "example": "2500.00",
        "description": "Major units; \"2 500,50\" is read as 2500.50"})
    duration_minutes = _minutes(required=True)


class ProcedurePatchSchema(ProcedureCreateSchema, PatchSchema):
    name = _text(MAX_NAME, name=True, example="Consultation")
    price = PriceField(metadata={**PRICE_DOC, "example": "2500.00"})
    duration_minutes = _minutes()
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


class PatientCreateSchema(InputSchema):
    name = _text(MAX_NAME, required=True, name=True, example="Ivan Sidorov")
    phone = _text(MAX_PHONE_TEXT, required=True, name=True, example="+7 916 123-45-67",
                  description="Any usual form; kept in E.164")
    email = _text(MAX_EMAIL, example="ivan@example.com")
    note = _text(MAX_NOTE)
    allow_duplicate = StrictBoolean(metadata={
        "description": "true saves even when another card has this phone"})


class PatientPatchSchema(PatientCreateSchema, PatchSchema):
    FLAGS = frozenset({"allow_duplicate"})
    name = _text(MAX_NAME, name=True, example="Ivan Sidorov")
    phone = _text(MAX_PHONE_TEXT, name=True, example="+7 916 123-45-67")


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
    status = F.String(required=True, metadata={"enum": STATUSES})
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
