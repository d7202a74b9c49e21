"""Liveness and readiness for load balancers and monitors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from clinic.container import ping_database, ping_redis
from clinic.entrypoints.http.container import container

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Any:
    checks: dict[str, str] = {}
    problems = container().settings().problems()
    checks["configuration"] = "; ".join(problems) if problems else "ok"
    ready = not problems
    services = [("database", ping_database)]
    if container().settings().redis_url:
        services.append(("redis", ping_redis))
    for name, ping in services:
        try:
            ping(container())
            checks[name] = "ok"
        except Exception as error:  # report which service is down, never a 500
            checks[name] = f"unavailable: {type(error).__name__}"
            ready = False
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    return response
