"""Every API route, tried with a staff, an admin and an owner token (each made by a member with
that role): the roles a route allows never get 403; the others get exactly 403 problem+json, and
nothing in the database changes."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.routing import UUIDConverter

from clinic.adapters.sqlalchemy.tables import metadata
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.team import Permission, can
from clinic.entrypoints.web.app import create_app
from tests.acting import owner_of
from tests.integration.conftest import add_member, member_api
from tests.licences import grant_licence

ROLES = ("staff", "admin", "owner")
EVERYONE = frozenset(ROLES)
MANAGERS = frozenset({"admin", "owner"})  # the catalog's editors; the people

_ROOM, _DOCTOR = "/api/v1/rooms/<uuid:room_id>", "/api/v1/doctors/<uuid:doctor_id>"
_PROCEDURE = "/api/v1/procedures/<uuid:procedure_id>"
_PATIENT = "/api/v1/patients/<uuid:patient_id>"
_APPOINTMENT = "/api/v1/appointments/<uuid:appointment_id>"

# The rule, written out: a new API route fails this test until it is given its roles here.
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/clinic"): EVERYONE,
    ("GET", "/api/v1/rooms"): EVERYONE,
    ("POST", "/api/v1/rooms"): MANAGERS,
    ("GET", _ROOM): EVERYONE,
    ("PATCH", _ROOM): MANAGERS,
    ("DELETE", _ROOM): MANAGERS,
    ("GET", "/api/v1/doctors"): EVERYONE,
    ("POST", "/api/v1/doctors"): MANAGERS,
    ("GET", _DOCTOR): EVERYONE,
    ("PATCH", _DOCTOR): MANAGERS,
    ("DELETE", _DOCTOR): MANAGERS,
    ("GET", _DOCTOR + "/photo"): EVERYONE,
    ("GET", "/api/v1/procedures"): EVERYONE,
    ("POST", "/api/v1/procedures"): MANAGERS,
    ("GET", _PROCEDURE): EVERYONE,
    ("PATCH", _PROCEDURE): MANAGERS,
    ("DELETE", _PROCEDURE): MANAGERS,
    ("GET", "/api/v1/patients"): EVERYONE,
    ("POST", "/api/v1/patients"): EVERYONE,
    ("GET", _PATIENT): EVERYONE,
    ("PATCH", _PATIENT): EVERYONE,
    ("GET", "/api/v1/appointments"): EVERYONE,
    ("POST", "/api/v1/appointments"): EVERYONE,
    ("GET", _APPOINTMENT): EVERYONE,
    ("PATCH", _APPOINTMENT): EVERYONE,
    ("GET", _APPOINTMENT + "/messages"): EVERYONE,
    ("GET", "/api/v1/members"): MANAGERS,
    ("GET", "/api/v1/reports/summary"): MANAGERS,
    ("GET", "/api/v1/partner"): MANAGERS,
    ("GET", "/api/v1/partner/ledger"): MANAGERS,
}


def test_the_table_agrees_with_the_roles_of_the_domain():
    """Staff: calendar, patients, the catalog read-only; admin and owner: all of the API."""
    assert {role for role in ROLES if can(role, Permission.CATALOG_EDIT)} == MANAGERS
    assert {role for role in ROLES if can(role, Permission.PEOPLE)} == MANAGERS
    for permission in (Permission.CALENDAR, Permission.PATIENTS, Permission.CATALOG_READ):
        assert {role for role in ROLES if can(role, permission)} == EVERYONE


@pytest.fixture
def any_db_app(container):
    """The app on each database the `container` fixture is parametrised over."""
    return create_app(container.settings(), container)


def _clinic(container) -> tuple[object, dict[str, object], dict[str, str], dict[str, str]]:
    """A clinic with a member of each role; one record of each kind (a doctor with a photo),
    and a room, a doctor and a procedure for DELETE to archive (the others stay bookable)."""
    signed_in = container.sign_up()(SignUpCommand(
        "Smile", "Anna Petrova", "anna@example.com", "correct horse", "en", "Europe/Moscow"))
    clinic_id = signed_in.clinic_id
    people = {"owner": signed_in.user_id,
              "admin": add_member(container, clinic_id, "boris@example.com", "Boris", "admin"),
              "staff": add_member(container, clinic_id, "clara@example.com", "Clara", "staff")}
    patient = container.save_patient()(clinic_id, owner_of(container, clinic_id),
        PatientFields("Ivan Sidorov", "+14155552671"))
    with container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        procedure = uow.procedures.list()[0]
        ids = {"room_id": room.id, "doctor_id": doctor.id, "procedure_id": procedure.id,
               "patient_id": patient.id}
    appointment = container.book_appointment()(clinic_id, BookingRequest(
        patient.id, room.id, doctor.id, datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        [procedure.id], booked_by=owner_of(container, clinic_id)))
    ids["appointment_id"] = appointment.id
    image = io.BytesIO()
    Image.new("RGB", (200, 200), "red").save(image, "PNG")
    container.set_doctor_photo()(clinic_id, owner_of(container, clinic_id),
        doctor.id, image.getvalue())
    grant_licence(container, clinic_id, chairs=10)  # rooms added by the routes too
    spare = {"room_id": container.save_room()(clinic_id, owner_of(container, clinic_id),
        RoomFields("Spare room")).id,
             "doctor_id": container.save_doctor()(clinic_id, owner_of(container, clinic_id),
                 DoctorFields("Spare doctor")).id,
             "procedure_id": container.save_procedure()(
                 clinic_id, owner_of(container, clinic_id),
                     ProcedureFields("Spare procedure", "100", "30")).id}
    return (clinic_id, people, {k: str(v) for k, v in ids.items()},
            {k: str(v) for k, v in spare.items()})


def _api_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every API route but the OpenAPI document."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api-docs."):
            continue
        routes.extend((method, rule.rule)
                      for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return routes


def _url(app, rule_text: str, ids: dict[str, str]) -> str:
    (rule,) = [r for r in app.url_map.iter_rules() if r.rule == rule_text]
    assert all(isinstance(c, UUIDConverter) for c in rule._converters.values()), rule_text
    return rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]


_counter = itertools.count()


def _body(method: str, rule: str, ids: dict[str, str]) -> dict[str, object] | None:
    """A body the route accepts, so an allowed role's answer is a success, not a 422."""
    n = next(_counter)
    if method == "POST":
        return {
            "/api/v1/rooms": {"name": f"Room {n + 2}"},
            "/api/v1/doctors": {"name": f"Doctor {n}"},
            "/api/v1/procedures": {"name": f"Procedure {n}", "price": "100.00",
                                   "duration_minutes": 30},
            "/api/v1/patients": {"name": f"Patient {n}", "phone": f"+1415555{n:04d}"},
            "/api/v1/appointments": {
                "patient_id": ids["patient_id"], "room_id": ids["room_id"],
                "doctor_id": ids["doctor_id"], "procedure_ids": [ids["procedure_id"]],
                "starts_at": (datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
                              + timedelta(hours=n)).isoformat()},
        }[rule]
    if method == "PATCH":
        return {"note": f"Changed {n}"} if rule in (_PATIENT, _APPOINTMENT) else {
            "name": f"Renamed {n}"}
    return None


def _snapshot(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {t.name: sorted(map(str, conn.execute(select(t)).all()))
                for t in metadata.sorted_tables}


def test_every_api_route_answers_each_role_as_the_table_says(any_db_app, container):
    app = any_db_app
    clinic_id, people, ids, spare = _clinic(container)
    client = app.test_client()
    tokens = {role: member_api(client, container, clinic_id, people[role], f"{role}'s")
              for role in ROLES}
    routes = _api_routes(app)
    assert sorted(routes) == sorted(ALLOWED), "an API route without its roles in ALLOWED"
    engine = container.engine()
    refused = 0
    for (method, rule), role in itertools.product(routes, ROLES):
        url = _url(app, rule, spare if method == "DELETE" else ids)
        body = _body(method, rule, ids)
        headers = tokens[role].headers
        before = _snapshot(engine)
        response = client.open(url, method=method, json=body, headers=headers)
        where = f"{role}: {method} {url} -> {response.status_code} {response.get_data()[:200]!r}"
        if role in ALLOWED[(method, rule)]:
            assert response.status_code in (200, 201), where
        else:
            refused += 1
            assert response.status_code == 403, where
            assert response.mimetype == "application/problem+json", where
            assert response.get_json()["detail"] == "Your role does not allow this.", where
            assert _snapshot(engine) == before, f"{where}: wrote to the database"
            # refused before the body is read: a malformed body gets the same answer
            if body is not None:
                bad = client.open(url, method=method, data="{not json",
                                  content_type="application/json", headers=headers)
                assert bad.status_code == 403, f"{where}; with a bad body {bad.status_code}"
    assert refused == 13  # for staff: the catalog's 9 writes, members, reports, partner (2)


def test_the_openapi_document_promises_403_where_a_role_can_be_refused(any_db_app):
    spec = any_db_app.test_client().get("/api/v1/openapi.json").get_json()
    for (method, rule), allowed in ALLOWED.items():
        path = rule.replace("<uuid:", "{").replace(">", "}")
        responses = spec["paths"][path][method.lower()]["responses"]
        if allowed != EVERYONE:
            assert "403" in responses, f"{method} {path}"
        assert "403" in responses  # every token is refused while its clinic is suspended
