"""The report summary: the period asked for, and the figures."""

from __future__ import annotations

import marshmallow as ma

from clinic.entrypoints.api.schemas.common import InputSchema

F = ma.fields


class SummaryArgsSchema(InputSchema):
    from_ = F.Date(data_key="from", metadata={
        "example": "2026-11-01", "description": "The first day (in the clinic's zone). "
                                                "Without `to`: from this day to today"})
    to = F.Date(metadata={"example": "2026-11-30", "description": "The last day, included. "
                          "Without `from`: from the first of its month. Both left out: this "
                          "month"})
    doctor_id = F.UUID()
    room_id = F.UUID()


class BreakdownSchema(ma.Schema):
    appointments_count = F.Integer(required=True)
    name = F.String(required=True)
    revenue = F.String(required=True, metadata={"example": "125000.00"})


class DoctorBreakdownSchema(BreakdownSchema):
    doctor_id = F.UUID(required=True)


class RoomBreakdownSchema(BreakdownSchema):
    room_id = F.UUID(required=True)


class SummarySchema(ma.Schema):
    from_ = F.Date(data_key="from", required=True)
    to = F.Date(required=True)
    currency = F.String(required=True, metadata={"example": "RUB"})
    appointments_count = F.Integer(required=True, metadata={
        "description": "Appointments whose start has passed, not cancelled nor no-show"})
    revenue = F.String(required=True, metadata={"example": "1250000.00"})
    average_value = F.String(required=True, metadata={
        "example": "3500.00", "description": "Rounded half-up to the minor unit"})
    planned_count = F.Integer(required=True, metadata={
        "description": "Appointments still ahead in the period (not in revenue)"})
    planned_revenue = F.String(required=True)
    by_doctor = F.List(F.Nested(DoctorBreakdownSchema), required=True)
    by_room = F.List(F.Nested(RoomBreakdownSchema), required=True)
