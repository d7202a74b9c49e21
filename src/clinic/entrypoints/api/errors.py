"""Domain errors as API problems: field codes in English words, duplicates as 409, 404s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import Request, Response, jsonify
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import NotFound as HttpNotFound

from clinic.application.json_input import MAX_JSON_BYTES, JsonRefused, load_json
from clinic.domain.licensing import CHAIR_PRICE_CENTS, ChairLimitReached
from clinic.domain.patients import DuplicatePhone
from clinic.domain.shared import ValidationFailed, characters_error
from clinic.entrypoints.api.messages import JSON_REFUSALS, field_message
from clinic.entrypoints.api.schemas.common import ProblemSchema
from clinic.entrypoints.http.problems import PROBLEM_JSON, problem

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

DESCRIPTIONS = {
    400: "The request could not be read: bad JSON or a bad header",
    401: "No valid token",
    403: "The token's role does not allow this (a token speaks with the role of the person who "
         "made it), or its clinic is suspended",
    402: "Beyond what the clinic pays for (type …/chair-limit): the owner adds chairs on the "
         "Billing page",
    404: "Not found in this token's clinic",
    409: "A conflict: see the problem's type (a phone on another card, a busy room, a busy "
         "doctor)",
    413: "The request body is too large",
    415: "The request body is not sent as application/json",
    422: "The request body or query has invalid fields",
}


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
    """The one door of every API request's body and query: the JSON body rule, then the text
    rule on every value, before any schema sees them."""

    def _raw_load_json(self, req: Request) -> Any:
        if req.content_length is not None and req.content_length > MAX_JSON_BYTES:
            abort(413, message=JSON_REFUSALS["too_large"])
        payload = req.get_data(cache=True)
        if not payload:
            return core.missing
        if not is_json_request(req):
            abort(415, message="Send the request body as JSON, with "
                               "Content-Type: application/json.")
        try:
            return load_json(payload)
        except JsonRefused as refused:
            abort(413 if refused.code == "too_large" else 400,
                  message=JSON_REFUSALS[refused.code])

    def _handle_invalid_json_error(self, error: Exception, req: Request, *args: Any,
                                   **kwargs: Any) -> NoReturn:
        abort(400, exc=error, message=JSON_REFUSALS["not_json"])

    def pre_load(self, location_data: Any, *, schema: Any, req: Request,
                 location: str) -> Any:
        """Every string the request gives (a field of the JSON body at any depth, a query
        parameter) obeys `characters_error`: a 422 naming the field otherwise."""
        items = (req.args.items(multi=True) if location == "query"
                 else location_data.items() if isinstance(location_data, dict) else None)
        if items is not None:
            errors = {}
            for name, value in items:
                code = _characters_error_within(value)
                if code is None and isinstance(name, str):
                    code = characters_error(name)
                if code is not None:
                    errors[str(name)] = [field_message(str(name), code)]
            if errors:
                abort(422, messages={location: errors})
        return location_data


def _characters_error_within(value: Any) -> str | None:
    """`characters_error` of the first string found in a value, lists and objects searched too."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            code = characters_error(item)
            if code is not None:
                return code
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


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
                                          description=DESCRIPTIONS[code])(view)
        return view

    return decorator
