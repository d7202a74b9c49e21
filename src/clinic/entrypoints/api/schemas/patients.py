"""Patient cards: what the API answers and what it reads."""

from __future__ import annotations

import marshmallow as ma
from marshmallow.validate import Length, OneOf

from clinic.domain.catalog import MAX_NAME
from clinic.domain.patients import CHANNELS, MAX_NOTE
from clinic.entrypoints.api.schemas.common import (
    InputSchema,
    PageArgsSchema,
    PageSchema,
    PatchSchema,
    StrictBoolean,
    text_field,
)

F = ma.fields
MAX_EMAIL = 254  # as accounts.email_error
MAX_PHONE_TEXT = 50  # a phone written with spaces, dashes and brackets fits in half of it


class PatientListArgsSchema(PageArgsSchema):
    q = F.String(load_default="", validate=Length(max=200), metadata={
        "description": "A name fragment or 3+ digits of a phone; empty lists newest first"})


class PatientListItemSchema(ma.Schema):
    id = F.UUID(required=True)
    name = F.String(required=True, metadata={"example": "Ivan Sidorov"})
    phone = F.String(required=True, metadata={"example": "+79161234567",
                                              "description": "E.164"})
    email = F.String(required=True, allow_none=True)
    created_at = F.DateTime(required=True)


class PatientSchema(PatientListItemSchema):
    note = F.String(required=True, allow_none=True)
    preferred_channel = F.String(required=True, allow_none=True, validate=OneOf(CHANNELS),
                                 metadata={"description": "null: the clinic's order"})
    refused_processing_on = F.Date(required=True, allow_none=True, metadata={
        "description": "The clinic's day the patient refused any processing of personal "
                       "data (no messages at all); null: not refused"})
    refused_notifications_on = F.Date(required=True, allow_none=True, metadata={
        "description": "Since when the patient refuses reminders and notices"})
    refused_advertising_on = F.Date(required=True, allow_none=True, metadata={
        "description": "Since when the patient refuses advertising"})


class PatientCreateSchema(InputSchema):
    name = text_field(MAX_NAME, required=True, name=True, example="Ivan Sidorov")
    phone = text_field(MAX_PHONE_TEXT, required=True, name=True, example="+7 916 123-45-67",
                       description="Any usual form; kept in E.164")
    email = text_field(MAX_EMAIL, example="ivan@example.com")
    note = text_field(MAX_NOTE)
    allow_duplicate = StrictBoolean(metadata={
        "description": "true saves even when another card has this phone"})
    preferred_channel = F.String(allow_none=True, validate=OneOf(CHANNELS), metadata={
        "description": "telegram, sms or email; null: the clinic's order"})
    refuses_processing = StrictBoolean(metadata={
        "description": "true: no processing of personal data (dated today, kept while true)"})
    refuses_notifications = StrictBoolean(metadata={"description": "true: no reminders or "
                                                                   "notices"})
    refuses_advertising = StrictBoolean(metadata={"description": "true: no advertising"})


class PatientPatchSchema(PatientCreateSchema, PatchSchema):
    FLAGS = frozenset({"allow_duplicate"})
    name = text_field(MAX_NAME, name=True, example="Ivan Sidorov")
    phone = text_field(MAX_PHONE_TEXT, name=True, example="+7 916 123-45-67")


class PatientPageSchema(PageSchema):
    items = F.List(F.Nested(PatientListItemSchema), required=True, attribute="rows", metadata={
        "description": "Newest first, or the matches; GET one patient for its note"})
