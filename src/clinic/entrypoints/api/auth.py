"""Bearer-token authentication for the API: the token decides the clinic."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import abort

from clinic.entrypoints.web.container_access import container

F = TypeVar("F", bound=Callable[..., Any])


def current_clinic_id() -> uuid.UUID:
    return g.api_clinic_id  # type: ignore[no-any-return]


def token_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        clinic_id = None
        if scheme.lower() == "bearer" and secret.strip():
            clinic_id = container().authenticate_api_token()(secret.strip())
        if clinic_id is None:
            abort(401, message="A valid API token is required: Authorization: Bearer <token>.")
        g.api_clinic_id = clinic_id
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
