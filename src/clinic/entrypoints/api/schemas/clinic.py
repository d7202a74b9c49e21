"""The clinic a token belongs to and its people."""

from __future__ import annotations

import marshmallow as ma

from clinic.entrypoints.api.schemas.common import PageSchema

F = ma.fields


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


class MemberSchema(ma.Schema):
    user_id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Anna Petrova"})
    email = F.String(required=True, metadata={"example": "anna@example.com"})
    role = F.String(required=True, metadata={"enum": ["owner", "admin", "staff"]})
    doctor_id = F.UUID(required=True, allow_none=True, metadata={
        "description": "The doctor record this person is, if any"})
    joined_at = F.DateTime(required=True)


class MemberPageSchema(PageSchema):
    items = F.List(F.Nested(MemberSchema), required=True,
                   metadata={"description": "The owner first, then admins, then staff, by name"})
