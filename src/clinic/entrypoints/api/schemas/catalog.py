"""Rooms, doctors and procedures: what the API answers and what it reads."""

from __future__ import annotations

import marshmallow as ma

from clinic.application.catalog.queries import DoctorView, ProcedureView
from clinic.domain.catalog import (
    DURATION_STEP,
    MAX_ADDRESS,
    MAX_DURATION,
    MAX_NAME,
    MIN_DURATION,
    Doctor,
    Procedure,
)
from clinic.entrypoints.api.schemas.common import (
    PRICE_DOC,
    InputSchema,
    PageArgsSchema,
    PageSchema,
    PatchSchema,
    PriceField,
    StrictBoolean,
    text_field,
)
from clinic.entrypoints.http.links import external_url

F = ma.fields


def _minutes(*, required: bool = False) -> F.Integer:
    return F.Integer(required=required, strict=True, metadata={
        "example": 30, "minimum": MIN_DURATION, "maximum": MAX_DURATION,
        "multipleOf": DURATION_STEP,
        "description": f"{MIN_DURATION} to {MAX_DURATION}, in steps of {DURATION_STEP}"})


class ListArgsSchema(PageArgsSchema):
    include_archived = F.Boolean(load_default=False)


class RoomSchema(ma.Schema):
    id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Room 1"})
    address = F.String(required=True, allow_none=True)
    archived = F.Boolean(required=True)


class RoomCreateSchema(InputSchema):
    name = text_field(MAX_NAME, required=True, name=True, example="Room 1")
    address = text_field(MAX_ADDRESS, example="Lenina 1, 2nd floor")


class RoomPatchSchema(RoomCreateSchema, PatchSchema):
    name = text_field(MAX_NAME, name=True, example="Room 1")
    archived = StrictBoolean(metadata={"description": "false restores an archived room"})


class RoomPageSchema(PageSchema):
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
    name = text_field(MAX_NAME, required=True, name=True, example="Anna Petrova")
    color = F.String(allow_none=True, metadata={
        "example": "#cfe3ff", "pattern": r"^[ \t\n\r]*(#[0-9A-Fa-f]{6})?[ \t\n\r]*$",
        "description": "#rrggbb; empty picks a free one"})


class DoctorPatchSchema(DoctorCreateSchema, PatchSchema):
    name = text_field(MAX_NAME, name=True, example="Anna Petrova")
    archived = StrictBoolean(metadata={"description": "false restores an archived doctor"})


class DoctorPageSchema(PageSchema):
    items = F.List(F.Nested(DoctorSchema), required=True)


class ProcedureSchema(ma.Schema):
    id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Consultation"})
    price = F.Method("_price", required=True, metadata={
        "type": "string", "example": "2500.00", "description": "In the clinic's currency"})
    duration_minutes = F.Integer(required=True, metadata={"example": 30})
    archived = F.Boolean(required=True)

    def _price(self, procedure: Procedure | ProcedureView) -> str:
        return procedure.price.amount_text


class ProcedureCreateSchema(InputSchema):
    name = text_field(MAX_NAME, required=True, name=True, example="Consultation")
    price = PriceField(required=True, metadata={
        **PRICE_DOC, "example": "2500.00",
        "description": "Major units; \"2 500,50\" is read as 2500.50"})
    duration_minutes = _minutes(required=True)


class ProcedurePatchSchema(ProcedureCreateSchema, PatchSchema):
    name = text_field(MAX_NAME, name=True, example="Consultation")
    price = PriceField(metadata={**PRICE_DOC, "example": "2500.00"})
    duration_minutes = _minutes()
    archived = StrictBoolean(metadata={"description": "false restores an archived procedure"})


class ProcedurePageSchema(PageSchema):
    items = F.List(F.Nested(ProcedureSchema), required=True)

