"""marshmallow schemas of the API's requests and answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import marshmallow as ma
from flask import url_for
from marshmallow.validate import Length, Range

from clinic.domain.catalog import Doctor, Procedure

F = ma.fields
MAX_LIMIT = 200


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document."""

    type = F.String(metadata={"description": "A URI naming the kind of problem"})
    title = F.String(required=True)
    status = F.Integer(required=True)
    detail = F.String()
    errors = F.Dict(metadata={"description": "Field name -> list of messages"})
    existing_patient_id = F.UUID(metadata={
        "description": "On 409 for a patient: the card that already has this phone"})


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
        return url_for("api_doctors.photo", doctor_id=doctor.id, v=doctor.photo_version,
                       _external=True)


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
