"""RFC 9457 problem documents: the API's errors, and any error under /api/ the app handles."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

PROBLEM_JSON = "application/problem+json"


def wants_problem() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str | None = None,
            errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
            type_: str = "about:blank", extra: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, **(extra or {})}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
