"""marshmallow schemas of the API's requests and answers."""

from __future__ import annotations

import marshmallow as ma


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document."""

    type = ma.fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.Dict(metadata={"description": "Field name -> list of messages"})


class ClinicSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True, metadata={"example": "Europe/Moscow"})
    currency = ma.fields.String(required=True, metadata={"example": "RUB"})
    country = ma.fields.String(required=True, metadata={"example": "RU"})
    locale = ma.fields.String(required=True, metadata={"example": "ru"})
