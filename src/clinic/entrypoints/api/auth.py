"""Bearer-token authentication for the API: the token decides the clinic and the role."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import abort

from clinic.application.accounts.api_tokens import TokenHolder
from clinic.application.audit import act_as
from clinic.domain.audit import Actor
from clinic.domain.team import Permission, can
from clinic.entrypoints.http.container import container

F = TypeVar("F", bound=Callable[..., Any])

NOT_ALLOWED = "Your role does not allow this."
READ_ONLY = ("The clinic pays for fewer people than are in its team, and the person who made "
             "this token is past the paid places: it can read but not change anything until "
             "the owner pays for more places on the Billing page.")
SUSPENDED = ("This clinic's access is suspended by the service; nothing is deleted. The clinic's "
             "owner can contact support to resume it.")
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_holder() -> TokenHolder:
    return g.api_holder  # type: ignore[no-any-return]


def current_clinic_id() -> uuid.UUID:
    return current_holder().clinic_id


def current_actor_id() -> uuid.UUID:
    """Who the use cases check (docs/architecture.md, "Authorization"): the token's maker, or
    the clinic's owner for a token the operator made."""
    actor = current_holder().acts_for
    if actor is None:  # a clinic without an owner: nobody to act for
        abort(403, message=NOT_ALLOWED)
    assert actor is not None  # abort raises; this line is for the type checker
    return actor


def token_required(view: F) -> F:
    """Checked on every request: the token, its clinic, and the role it speaks with now."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        holder = None
        if scheme.lower() == "bearer" and secret.strip():
            holder = container().authenticate_api_token()(secret.strip())
        if holder is None:
            abort(401, message="A valid API token is required: Authorization: Bearer <token>.")
            return None  # abort raises; this line is for the type checker
        if holder.suspended:
            abort(403, message=SUSPENDED)
        g.api_holder = holder
        act_as(Actor(holder.user_id, holder.token_id, "API token", request.remote_addr))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def permission_required(permission: Permission) -> Callable[[F], F]:
    """403 unless the token's role allows this. Put it above `blp.arguments`, so a refused
    request is refused before its body is read, and document 403 with `problems`. Runs inside
    `token_required` (a MethodView's `decorators`), which has set the holder."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            holder = current_holder()
            if not can(holder.role, permission):
                abort(403, message=NOT_ALLOWED)
            if holder.read_only and request.method not in READS:
                abort(403, message=READ_ONLY)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
