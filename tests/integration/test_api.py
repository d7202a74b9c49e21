"""The JSON API frame: bearer tokens, problem documents, the OpenAPI description."""

from __future__ import annotations

import pytest

from clinic.application.accounts.sign_up import SignUpCommand


@pytest.fixture
def clinic_and_token(web_container):
    signed_in = web_container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "ru", "Asia/Novosibirsk"))
    token = web_container.create_operator_token()(signed_in.clinic_id, "website")
    return signed_in.clinic_id, token.secret


def test_the_clinic_endpoint_answers_for_the_tokens_clinic(client, clinic_and_token):
    clinic_id, secret = clinic_and_token
    response = client.get("/api/v1/clinic", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.get_json() == {
        "id": str(clinic_id), "name": "Smile", "timezone": "Asia/Novosibirsk",
        "currency": "RUB", "country": "RU", "locale": "ru",
        "working_hours": {"days": [1, 2, 3, 4, 5, 6], "start": "08:00", "end": "20:00"}}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer chs_wrong", "Basic abc",
                                    "Bearer " + "x" * 500])
def test_without_a_valid_token_the_answer_is_a_401_problem(client, clinic_and_token, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/clinic", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and "token" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_api_path_is_a_404_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_wrong_method_is_a_405_problem(client, clinic_and_token):
    _, secret = clinic_and_token
    response = client.post("/api/v1/clinic", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 405 and response.mimetype == "application/problem+json"


def test_the_api_needs_no_csrf_token_but_a_bearer_token(client, clinic_and_token):
    response = client.post("/api/v1/clinic")
    assert response.status_code == 405  # not 400 for a missing CSRF token


def test_the_openapi_document_describes_the_clinic_endpoint_and_bearer_auth(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Chairside API"
    assert "/api/v1/clinic" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    properties = spec["components"]["schemas"]["Clinic"]["properties"]
    assert set(properties) == {"id", "name", "timezone", "currency", "country", "locale",
                               "working_hours"}
