"""Domain errors as API problems: field codes in English words, duplicates as 409, 404s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import Request, Response, jsonify
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import NotFound as HttpNotFound

from clinic.domain.catalog import MAX_ADDRESS, MAX_DURATION, MAX_NAME, MAX_PRICE_MAJOR, MIN_DURATION
from clinic.domain.licensing import CHAIR_PRICE_CENTS, ChairLimitReached
from clinic.domain.patients import MAX_NOTE, DuplicatePhone
from clinic.domain.shared import ValidationFailed
from clinic.entrypoints.api.schemas import ProblemSchema
from clinic.entrypoints.web.errors import PROBLEM_JSON, problem

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_LIMITS = {"address": MAX_ADDRESS, "note": MAX_NOTE}
_MESSAGES = {
    "required": "This field is required.",
    "name_taken": "Another active room already has this name.",
    "price_invalid": 'Not a valid price. Example: "2500.00".',
    "price_negative": "The price cannot be negative.",
    "price_too_large": f"The price must be less than {MAX_PRICE_MAJOR}.",
    "price_too_precise": "The price has more decimal places than the currency allows.",
    "duration_invalid": f"The duration must be {MIN_DURATION} to {MAX_DURATION} minutes, "
                        "in steps of 5.",
    "color_invalid": 'Not a valid colour: use #rrggbb, for example "#cfe3ff".',
    "phone_invalid": 'Not a valid phone number. Example: "+79161234567".',
    "email_invalid": 'Not a valid email address. Example: "anna@example.com".',
    "datetime_invalid": 'Not a valid date-time. Example: "2026-11-24T10:00:00+03:00".',
    "date_invalid": 'Not a valid date. Example: "2026-11-24".',
    "offset_required": 'Give the offset too, for example "2026-11-24T10:00:00+03:00".',
    "datetime_out_of_range": "The date must be between the years 2000 and 2099.",
    "start_off_grid": "Start on the 5-minute grid: 10:00, 10:05, 10:10 and so on.",
    "range_invalid": '"to" must come after "from".',
    "period_too_long": "A period can be at most three years long.",
    "status_invalid": "Use scheduled, done, cancelled or no_show (several: comma-separated).",
    "patient_unknown": "There is no such patient in this clinic.",
    "room_unavailable": "There is no such room in use in this clinic.",
    "room_frozen": "This room is beyond the chairs paid for since the subscription lapsed: it "
                   "takes no new visits until the clinic pays again.",
    "doctor_unavailable": "There is no such doctor in use in this clinic.",
    "procedure_unavailable": "A procedure is not in this clinic's catalog in use.",
    "procedures_required": "Pick at least one procedure.",
    "visit_too_long": "One visit can last at most 12 hours: book fewer procedures.",
}
_DESCRIPTIONS = {
    400: "The request could not be read: bad JSON or a bad header",
    401: "No valid token",
    403: "The token's role does not allow this (a token speaks with the role of the person who "
         "made it)",
    402: "Beyond what the clinic pays for (type …/chair-limit): the owner adds chairs on the "
         "Billing page",
    404: "Not found in this token's clinic",
    409: "A conflict: see the problem's type (a phone on another card, a busy room, a busy "
         "doctor)",
    422: "The request body or query has invalid fields",
}


def field_message(field: str, code: str) -> str:
    if code == "too_long":
        return f"Too long: at most {_LIMITS.get(field, MAX_NAME)} characters."
    return _MESSAGES.get(code, code)


def validation_problem(error: ValidationFailed) -> Response:
    errors = {field: [field_message(field, code)] for field, code in error.errors.items()}
    return problem(422, "Unprocessable Entity", "Some fields are not valid.", errors)


def duplicate_phone_problem(error: DuplicatePhone) -> Response:
    response = jsonify({
        "type": "about:blank", "title": "Conflict", "status": 409,
        "detail": f"This phone is already on the card of {error.name}. To save another card "
                  'with it anyway, send the request again with "allow_duplicate": true.',
        "existing_patient_id": str(error.patient_id),
    })
    response.status_code = 409
    response.mimetype = PROBLEM_JSON
    return response


CHAIR_LIMIT = "/api/v1/problems/chair-limit"


def chair_limit_problem(error: ChairLimitReached) -> Response:
    return problem(
        402, "Payment Required",
        f"One more room would be chair {error.in_use}; the clinic has {error.allowed}. The "
        f"clinic's owner adds chairs on the Billing page (each costs "
        f"${CHAIR_PRICE_CENTS // 100} a month).", type_=CHAIR_LIMIT,
        extra={"chairs_allowed": error.allowed})


class _Parser(FlaskParser):
    def _handle_invalid_json_error(self, error: Exception, req: Request, *args: Any,
                                   **kwargs: Any) -> NoReturn:
        abort(400, exc=error, message="The request body is not valid JSON.")


class ApiBlueprint(Blueprint):  # type: ignore[misc]
    """A flask-smorest blueprint whose views' domain errors and bad JSON become problems."""

    ARGUMENTS_PARSER = _Parser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register_error_handler(ValidationFailed, validation_problem)
        self.register_error_handler(DuplicatePhone, duplicate_phone_problem)
        self.register_error_handler(ChairLimitReached, chair_limit_problem)


def found(item: T | None) -> T:
    """The item, or a 404 problem (another clinic's id reads as none at all)."""
    if item is None:
        raise HttpNotFound("There is no such record in this clinic.")
    return item


def problems(blueprint: Blueprint, *codes: int) -> Callable[[F], F]:
    """Document the problem answers a view can give."""

    def decorator(view: F) -> F:
        for code in codes:
            view = blueprint.alt_response(code, schema=ProblemSchema, content_type=PROBLEM_JSON,
                                          description=_DESCRIPTIONS[code])(view)
        return view

    return decorator
