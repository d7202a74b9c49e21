"""What every resource's schemas share: the input base (the text rule), the problem document,
strict booleans, prices as sent, a page of a list and a PATCH's "at least one change"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import marshmallow as ma
from marshmallow.validate import Length

from clinic.domain.catalog import MAX_PRICE_MAJOR
from clinic.domain.shared import CONTROL_CHARACTERS, MAX_OFFSET, ValidationFailed, page_bounds
from clinic.entrypoints.api.messages import field_message, limit_message, nothing_to_change

F = ma.fields
MAX_LIMIT = 200

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


def text_field(limit: int, *, required: bool = False, name: bool = False,
               **metadata: Any) -> F.String:
    """A string the API reads, at most `limit` characters as sent; a `name` is not blank."""
    if name:
        metadata["pattern"] = NAME_PATTERN
    return F.String(required=required, allow_none=not name,
                    validate=Length(max=limit, error=f"Too long: at most {limit} characters."),
                    metadata=metadata)


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


class PageSchema(ma.Schema):
    """A page of a list: subclasses add its `items`."""

    total = F.Integer(required=True)
    offset = F.Integer(required=True)
    limit = F.Integer(required=True)


def page(items: Sequence[Any], args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of a short list that was read whole (rooms, doctors, procedures, members)."""
    offset, limit = args["offset"], args["limit"]
    return {"items": items[offset:offset + limit], "total": len(items), "offset": offset,
            "limit": limit}
