"""Every route that takes an id, tried by clinic B with clinic A's ids: 404, and A unchanged."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy import select
from werkzeug.routing import UUIDConverter

from clinic.adapters.sqlalchemy import tables
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from tests.acting import owner_of
from tests.integration.conftest import Browser
from tests.licences import grant_licence

# Which of clinic A's records each kind of URL argument names.
ARGUMENT_KINDS = {"room_id": "rooms", "doctor_id": "doctors", "procedure_id": "procedures",
                  "patient_id": "patients", "appointment_id": "appointments",
                  "user_id": "users", "invitation_id": "invitations", "clinic_id": "clinics",
                  "token_id": "api_tokens"}
CLINIC_TABLES = (tables.clinics, tables.rooms, tables.doctors, tables.procedures,
                 tables.patients, tables.memberships, tables.appointments,
                 tables.appointment_lines, tables.idempotency_keys, tables.invitations,
                 tables.membership_events)


def _snapshot(engine, clinic_id) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t.name: sorted(conn.execute(select(t).where(
            (t.c.id if t.name == "clinics" else t.c.clinic_id) == clinic_id)).all(), key=str)
            for t in CLINIC_TABLES}


def _clinic_a_ids(web_container, clinic_id) -> dict[str, str]:
    patient = web_container.save_patient()(
        clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Anna's patient", "+14155552671")).id
    with web_container.uow(clinic_id) as uow:
        doctor = uow.doctors.list()[0]
        ids = {"rooms": uow.rooms.list()[0].id, "doctors": doctor.id,
               "procedures": uow.procedures.list()[0].id}
    ids["patients"] = patient
    appointment = web_container.book_appointment()(clinic_id, BookingRequest(
        patient, ids["rooms"], doctor.id, datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        [ids["procedures"]], booked_by=owner_of(web_container, clinic_id)))
    ids["appointments"] = appointment.id
    image = io.BytesIO()
    Image.new("RGB", (200, 200), "red").save(image, "PNG")
    web_container.set_doctor_photo()(clinic_id, owner_of(web_container, clinic_id),
        doctor.id, image.getvalue())
    owner = web_container.team_queries().members(clinic_id)[0]
    ids["users"], ids["clinics"] = owner.user_id, clinic_id
    ids["api_tokens"] = web_container.create_api_token()(clinic_id, owner.user_id, "site").id
    grant_licence(web_container, clinic_id, seats=1)
    ids["invitations"] = web_container.invite_member()(
        clinic_id, owner.user_id, "ivan@example.com", "staff", lambda token: token).id
    return {k: str(v) for k, v in ids.items()}


def _urls(app, ids: dict[str, str]) -> list[tuple[str, set[str]]]:
    """Each rule with an id in it, expanded over its `any(...)` choices, filled with A's ids."""
    found = []
    for rule in app.url_map.iter_rules():
        id_args = [a for a, c in rule._converters.items() if isinstance(c, UUIDConverter)]
        if not id_args:
            continue
        choices = {a: list(getattr(c, "items", [])) for a, c in rule._converters.items()
                   if a not in id_args}
        for combo in itertools.product(*choices.values()):
            values = dict(zip(choices, combo, strict=True))
            for arg in id_args:
                kind = ARGUMENT_KINDS.get(arg) or values.get("kind")
                assert kind in ids, f"{rule.rule}: no test id for argument {arg!r}; add it"
                values[arg] = ids[kind]
            found.append((rule.build(values, append_unknown=False)[1],
                          set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return found


def test_no_route_of_clinic_a_answers_clinic_b(app, web_container):
    clinic_a = Browser(app.test_client())
    clinic_a.sign_up()
    a_id = web_container.account_queries().tenants()[0].id
    ids = _clinic_a_ids(web_container, a_id)
    clinic_b = Browser(app.test_client())
    clinic_b.sign_up(email="boris@example.com", clinic="Other clinic")
    b_id = next(t.id for t in web_container.account_queries().tenants() if t.id != a_id)
    b_token = web_container.create_operator_token()(b_id, "b").secret
    engine = web_container.engine()
    before = _snapshot(engine, a_id)
    urls = _urls(app, ids)
    assert len(urls) >= 10, urls
    token = clinic_b.token("/account")
    for url, methods in urls:
        for method in sorted(methods):
            if url.startswith("/api/"):
                # a body each endpoint accepts, so the answer is about the id, not the body
                body = {"note": "Hacked"} if "/appointments/" in url else {"name": "Hacked"}
                response = clinic_b.client.open(url, method=method, json=body,
                                                headers={"Authorization": f"Bearer {b_token}"})
            else:
                response = clinic_b.client.open(url, method=method, data={
                    "csrf_token": token, "name": "Hacked", "phone": "+14155550000"})
            assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
            assert "Anna" not in response.get_data(as_text=True), f"{method} {url} leaks"
    assert _snapshot(engine, a_id) == before
