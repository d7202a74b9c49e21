"""The JSON API under /api/v1: bearer tokens, problem documents, an OpenAPI description."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from clinic.entrypoints.api import (
    appointments,
    catalog,
    clinic,
    members,
    partner,
    patients,
    reports,
)
from clinic.entrypoints.api.openapi import ContractDocs, text_rule_pattern
from clinic.entrypoints.api.schemas.common import ProblemSchema


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest, with errors left to the app's handlers (web/errors.py, problem+json) and
    documented by `ContractDocs`, not by a catch-all `default` answer."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        return None


def init_app(app: Flask, csrf: Any) -> None:
    app.config.update(
        API_TITLE="Chairside API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = ProblemApi(app, spec_kwargs={
        "extra_plugins": [ContractDocs()],
        "info": {"description": "The Chairside clinic API. Authenticate with a clinic API "
                                "token: `Authorization: Bearer <token>`."},
    })
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A clinic API token"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    api.ma_plugin.converter.add_attribute_function(text_rule_pattern)
    for blueprint in (clinic.blp, *catalog.BLUEPRINTS.values(), patients.blp,
                      appointments.blp, members.blp, reports.blp, partner.blp):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
