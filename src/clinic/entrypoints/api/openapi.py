"""What the OpenAPI document says for every operation and schema, in one place: each problem an
operation can give, as `application/problem+json` (nothing is left to an undocumented
`default`); the text rule as a pattern on every string an input reads; a PATCH body's "at least
one change"."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from apispec import BasePlugin

from clinic.entrypoints.api.errors import DESCRIPTIONS
from clinic.entrypoints.api.schemas.common import TEXT_PATTERN, InputSchema, PatchSchema
from clinic.entrypoints.http.problems import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_METHODS = {"get", "put", "post", "patch", "delete"}


def problem_answer(code: int) -> dict[str, Any]:
    return {"description": DESCRIPTIONS[code], "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}


def common_problems(path: str, operation: dict[str, Any]) -> set[int]:
    """What any operation of this shape can answer, whatever its view does: 401 without a
    valid token, 403 when the token's clinic is suspended; 404 for an id in the path; for a
    JSON body, 400 (not JSON, nested too deep, a lone surrogate), 413 (too large), 415 (not
    sent as JSON) and 422; 422 for a query."""
    codes = {401, 403}
    if "{" in path:
        codes.add(404)
    if "requestBody" in operation:
        codes |= {400, 413, 415, 422}
    if any(isinstance(p, dict) and p.get("in") == "query"
           for p in operation.get("parameters", [])):
        codes.add(422)
    return codes


def text_rule_pattern(converter: Any, field: ma.fields.Field[Any], ret: dict[str, Any],
                      **kwargs: Any) -> dict[str, Any]:
    """A marshmallow-to-OpenAPI attribute function: a plain string of an input schema gets
    TEXT_PATTERN, unless it says more (an enum, its own pattern)."""
    if type(field) is ma.fields.String and isinstance(field.root, InputSchema) \
            and "pattern" not in ret and "enum" not in ret:
        return {"pattern": TEXT_PATTERN}
    return {}


class ContractDocs(BasePlugin):
    """Adds the common problems (`common_problems`) to every operation as it is documented
    (views document only the answers of their own: 402, 403, 409), and to every PATCH body
    that at least one change is required."""

    def schema_helper(self, name: str, definition: dict[str, Any],
                      **kwargs: Any) -> dict[str, Any] | None:
        schema = kwargs.get("schema")
        kind = schema if isinstance(schema, type) else type(schema)
        if isinstance(kind, type) and issubclass(kind, PatchSchema):
            return {"anyOf": [{"required": [field]} for field in kind.changeable()]}
        return None

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in sorted(common_problems(path or "", operation)):
                responses.setdefault(str(code), problem_answer(code))
