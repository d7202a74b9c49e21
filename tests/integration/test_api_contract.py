"""The API's contract at its door, on SQLite and PostgreSQL: every error a problem document that
the OpenAPI description declares; bad input (control characters, absurd JSON, absurd pages and
days, an empty PATCH) a 4xx naming what is wrong, never a 500, nothing written; 405 with
`Allow`; search wildcards taken literally."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import api_sign_up

PROBLEM = "application/problem+json"
COUNTED = (tables.rooms, tables.doctors, tables.procedures, tables.patients, tables.appointments,
           tables.idempotency_keys)


@pytest.fixture
def db_api(container):
    """A clinic's token on the app over each database (the `container` fixture's)."""
    app = create_app(container.settings(), container)
    return api_sign_up(app.test_client(), container, "anna@example.com")


@pytest.fixture
def world(db_api):
    """One of each record, to change."""
    procedure = db_api.get("procedures").get_json()["items"][0]
    patient = db_api.post("patients", json={"name": "Ivan", "phone": "+79161234567"}).get_json()
    room = db_api.get("rooms").get_json()["items"][0]
    doctor = db_api.get("doctors").get_json()["items"][0]
    visit = db_api.post("appointments", json={
        "patient_id": patient["id"], "room_id": room["id"], "doctor_id": doctor["id"],
        "starts_at": "2026-11-24T10:00:00+03:00", "procedure_ids": [procedure["id"]]})
    assert visit.status_code == 201, visit.get_json()
    return {"rooms": room["id"], "doctors": doctor["id"], "procedures": procedure["id"],
            "patients": patient["id"], "appointments": visit.get_json()["id"]}


def counts(container) -> dict[str, int]:
    with container.engine().connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in COUNTED}


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"]
    if field is not None:
        messages = body["errors"][field]
        assert isinstance(messages, list) and all(isinstance(m, str) and m for m in messages)
    return body


# -- the OpenAPI document --------------------------------------------------------------------------

def test_every_error_the_document_lists_is_a_problem_document_and_none_is_left_to_default(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["schemas"]["Problem"]["required"] == ["status", "title"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's own, not an operation
                continue
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            assert "default" not in responses, where
            expected = {"401", "403"}  # no token; a suspended clinic
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected |= {"400", "413", "415", "422"}
            if any(p["in"] == "query" for p in operation.get("parameters", [])):
                expected.add("422")
            assert expected <= set(responses), (where, sorted(responses))
            for status, answer in responses.items():
                if status.startswith("4"):
                    assert answer["content"] == {PROBLEM: {"schema": {
                        "$ref": "#/components/schemas/Problem"}}}, (where, status)


def test_the_document_states_the_text_rule_and_the_empty_patch_rule(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["PatientCreate"]["properties"]["note"]["pattern"].startswith("^[^\\x00")
    assert {"required": ["name"]} in schemas["RoomPatch"]["anyOf"]
    assert {"required": ["confirm_doctor_overlap"]} not in schemas["AppointmentPatch"]["anyOf"]


# -- an empty PATCH --------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "body"), [
    ("rooms", {}), ("doctors", {}), ("procedures", {}), ("patients", {}), ("appointments", {}),
    ("patients", {"allow_duplicate": True}), ("appointments", {"confirm_doctor_overlap": True}),
    ("rooms", None),
])
def test_a_patch_with_nothing_to_change_is_a_422_saying_so(db_api, world, container, kind, body):
    before, record = counts(container), db_api.get(f"{kind}/{world[kind]}").get_json()
    sent = db_api.patch(f"{kind}/{world[kind]}", **({} if body is None else {"json": body}))
    problem = assert_problem(sent, 422, "body")
    assert "Nothing to change" in problem["errors"]["body"][0]
    assert counts(container) == before
    assert db_api.get(f"{kind}/{world[kind]}").get_json() == record


# -- 405 -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("TRACE", "/api/v1/clinic", {"GET"}),
    ("POST", "/api/v1/clinic", {"GET"}),
    ("PUT", "/api/v1/rooms", {"GET", "POST"}),
    ("DELETE", "/api/v1/patients/00000000-0000-4000-8000-000000000000", {"GET", "PATCH"}),
    ("POST", "/api/v1/reports/summary", {"GET"}),
])
def test_a_wrong_method_is_a_405_problem_that_says_which_are_allowed(db_api, method, path,
                                                                     allowed):
    response = db_api.client.open(path, method=method, headers=db_api.headers)
    assert_problem(response, 405)
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_a_wrong_method_on_a_page_says_which_are_allowed_too(client):
    response = client.put("/signin")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


# -- the text rule: control characters and lone surrogates -----------------------------------------

BODIES = {
    ("post", "rooms"): {"name": "Room 2", "address": "Lenina 1"},
    ("post", "doctors"): {"name": "Boris", "color": "#cfe3ff"},
    ("post", "procedures"): {"name": "Implant", "price": "100", "duration_minutes": 30},
    ("post", "patients"): {"name": "Olga", "phone": "+79161234500", "email": "o@example.com",
                           "note": "allergic"},
    ("patch", "rooms"): {"name": "Room 1a", "address": "Lenina 2"},
    ("patch", "doctors"): {"name": "Anna P", "color": "#d5f2dc"},
    ("patch", "procedures"): {"name": "Check-up", "price": "200"},
    ("patch", "patients"): {"name": "Ivan P", "phone": "+79161234511", "email": "i@example.com",
                            "note": "n"},
    ("patch", "appointments"): {"note": "n", "starts_at": "2026-11-24T11:00:00+03:00"},
}
FIELD_CASES = [(method, kind, field) for (method, kind), body in BODIES.items()
               for field in body if isinstance(body[field], str)]


@pytest.mark.parametrize("control", ["\x00", "\x1b"])
@pytest.mark.parametrize(("method", "kind", "field"), FIELD_CASES)
def test_a_control_character_in_any_text_field_is_a_422_naming_it(
        db_api, world, container, method, kind, field, control):
    body = dict(BODIES[(method, kind)])
    body[field] = body[field][:1] + control + body[field][1:]
    before = counts(container)
    path = kind if method == "post" else f"{kind}/{world[kind]}"
    record = db_api.get(path).get_json() if method == "patch" else None
    assert_problem(getattr(db_api, method)(path, json=body), 422, field)
    assert counts(container) == before
    if record is not None:
        assert db_api.get(path).get_json() == record


def test_a_nul_in_a_booking_is_a_422_and_books_nothing(db_api, world, container):
    visit = db_api.get(f"appointments/{world['appointments']}").get_json()
    before = counts(container)
    for body in ({"note": "a\x00b"}, {"starts_at": "2026-11-25T10:00:00+03:00\x00"},
                 {"procedure_ids": ["\x00"]}):
        booking = {"patient_id": visit["patient_id"], "room_id": visit["room_id"],
                   "doctor_id": visit["doctor_id"], "starts_at": "2026-11-25T10:00:00+03:00",
                   "procedure_ids": [visit["procedures"][0]["id"]], **body}
        assert_problem(db_api.post("appointments", json=booking), 422, next(iter(body)))
    assert counts(container) == before


def test_tabs_and_line_breaks_are_kept(db_api):
    made = db_api.post("patients", json={"name": "Olga", "phone": "+79161234500",
                                         "note": "line one\r\nline\ttwo"})
    assert made.status_code == 201 and made.get_json()["note"] == "line one\r\nline\ttwo"


@pytest.mark.parametrize("query", [
    "patients?q=%00", "patients?q=Iv%00an", "patients?q=%1b", "appointments?from=2026-11-23%00",
    "appointments?status=done%00", "reports/summary?from=2026-11-01%00", "rooms?limit=5%00",
    "patients?q%00=Ivan",
])
def test_a_control_character_in_a_query_parameter_is_a_422_naming_it(db_api, world, query):
    name = query.split("?")[1].split("=")[0].replace("%00", "\x00")
    assert_problem(db_api.get(query), 422, name)


# -- the JSON body rule ----------------------------------------------------------------------------

DEEP = b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}"
RAW = {
    "nested 1,000 deep": (DEEP, 400),
    "nested 33 deep": (b'{"name": ' + b"[" * 33 + b"]" * 33 + b"}", 400),
    "a lone surrogate": (b'{"name": "\\ud800", "address": "x"}', 400),
    "a lone surrogate as a key": (b'{"\\udfff": 1}', 400),
    "NaN": (b'{"name": "Room 9", "price": NaN}', 400),
    "not JSON": (b'{"name": ', 400),
    "not UTF-8": (b'{"name": "\xff"}', 400),
    "too large": (json.dumps({"name": "x" * 70_000}).encode(), 413),
}


@pytest.mark.parametrize("how", RAW)
@pytest.mark.parametrize("target", ["post rooms", "patch patients", "post appointments"])
def test_a_body_beyond_the_json_rule_is_a_problem_and_writes_nothing(db_api, world, container,
                                                                     how, target):
    method, kind = target.split()
    path = kind if method == "post" else f"{kind}/{world[kind]}"
    payload, status = RAW[how]
    before = counts(container)
    response = db_api.client.open(f"/api/v1/{path}", method=method.upper(), data=payload,
                                  content_type="application/json", headers=db_api.headers)
    assert_problem(response, status)
    assert counts(container) == before


def test_a_body_not_sent_as_json_is_a_415(db_api, container):
    before = counts(container)
    response = db_api.post("rooms", data='{"name": "Room 2"}', content_type="text/plain")
    assert "application/json" in assert_problem(response, 415)["detail"]
    assert counts(container) == before


# -- the pagination rule ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["rooms", "doctors", "procedures", "patients", "appointments",
                                  "members", "partner/ledger"])
def test_an_absurd_offset_or_limit_is_a_422_naming_it(db_api, path):
    for query, field in [
            ("offset=-1", "offset"), ("offset=99999999999999999999", "offset"),
            ("offset=10000001", "offset"), ("offset=abc", "offset"), ("offset=1.5", "offset"),
            ("limit=0", "limit"), ("limit=99999999999999999999", "limit"), ("limit=-3", "limit"),
            ("limit=ten", "limit"), ("limit=", "limit")]:
        assert_problem(db_api.get(f"{path}?{query}"), 422, field)


def test_the_largest_offset_is_an_empty_page_not_an_error(db_api):
    page = db_api.get("patients?offset=10000000&limit=200").get_json()
    assert page["items"] == [] and page["offset"] == 10_000_000


# -- the date-range rule ---------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "field"), [
    ("from=9999-12-31", "from"), ("from=0001-01-01", "from"), ("to=9999-12-31", "to"),
    ("to=0001-01-01", "to"), ("from=9999-12-31T23:59:59%2B00:00", "from"),
    ("from=0001-01-01T00:00:00%2B14:00", "from"), ("to=9999-12-31T23:59:59-12:00", "to"),
    ("from=1999-12-31", "from"), ("to=2100-01-01", "to"),
])
def test_days_far_outside_a_clinics_books_are_a_422_in_the_appointments_list(db_api, query,
                                                                               field):
    assert_problem(db_api.get(f"appointments?{query}"), 422, field)


def test_the_first_and_the_last_day_of_the_span_can_be_asked_for(db_api):
    assert db_api.get("appointments?from=2000-01-01&to=2099-12-31").status_code == 200
    assert db_api.get("reports/summary?from=2099-12-01&to=2099-12-31").status_code == 200


# -- search wildcards ------------------------------------------------------------------------------

def test_percent_and_underscore_are_searched_literally(db_api):
    for name, phone in (("Ivan Petrov", "+79161234501"), ("Olga_Smirnova", "+79161234502"),
                        ("100% Smile", "+79161234503")):
        assert db_api.post("patients", json={"name": name, "phone": phone}).status_code == 201

    def found(q: str) -> list[str]:
        answer = db_api.get("patients", query_string={"q": q})
        assert answer.status_code == 200, answer.get_json()
        return [p["name"] for p in answer.get_json()["items"]]

    assert found("%") == ["100% Smile"]
    assert found("_") == ["Olga_Smirnova"]
    assert found("a_s") == ["Olga_Smirnova"]
    assert found("%%") == found("i%n") == found("__") == []
    assert len(found("")) == 3  # no query: everyone, newest first


# -- the Idempotency-Key header, as documented -----------------------------------------------------

@pytest.mark.parametrize("key", ["a b", "", "x" * 256, "ключ", '""'])
def test_an_idempotency_key_outside_its_documented_pattern_is_a_400(db_api, world, container,
                                                                    key):
    visit = db_api.get(f"appointments/{world['appointments']}").get_json()
    before = counts(container)
    response = db_api.client.post("/api/v1/appointments", headers={
        **db_api.headers, "Idempotency-Key": key}, json={
        "patient_id": visit["patient_id"], "room_id": visit["room_id"],
        "doctor_id": visit["doctor_id"], "starts_at": "2026-11-26T10:00:00+03:00",
        "procedure_ids": [visit["procedures"][0]["id"]]})
    assert_problem(response, 400)
    assert counts(container) == before
