"""Schemathesis fuzzes every API operation from our own OpenAPI document: no 5xx, and every
answer matches the schema it promises (status codes, content types, bodies)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.patients.save import PatientFields


@pytest.fixture
def token(web_container) -> str:
    signed_in = web_container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "ru", "Europe/Moscow"))
    web_container.save_patient()(signed_in.clinic_id, PatientFields("Ivan", "+79161234567"))
    return web_container.create_api_token()(signed_in.clinic_id, "fuzz").secret


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_the_api_never_fails_and_keeps_its_promises(app, token):
    # Driven by hand rather than schemathesis' pytest plugin, which does not run on pytest 9.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}",
                                            "Accept-Encoding": "identity"}, checks=CHECKS)

        fuzz()
