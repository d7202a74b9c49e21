"""/api/v1/appointments: listing with filters, booking with an Idempotency-Key, the two kinds of
409, changing a visit with PATCH, and nothing of another clinic's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables

MONDAY = "2026-11-23"  # Europe/Moscow, +03:00 all year


@pytest.fixture
def parties(api):
    return _parties(api)


def _parties(api):
    rooms = api.get("rooms").get_json()["items"]
    doctor = api.get("doctors").get_json()["items"][0]
    procedures = {p["name"]: p for p in api.get("procedures?limit=200").get_json()["items"]}
    patient = api.post("patients", json={"name": "Иван Петров", "phone": "+79161234567"})
    second_room = api.post("rooms", json={"name": "Room 2"}).get_json()
    consultation, xray = procedures["Consultation"], procedures["Xray"]
    return {"patient_id": patient.get_json()["id"], "room_id": rooms[0]["id"],
            "doctor_id": doctor["id"], "second_room": second_room["id"],
            "consultation": consultation, "xray": xray}


def booking(parties, start="2026-11-24T10:00:00+03:00", **changes):
    body = {"patient_id": parties["patient_id"], "room_id": parties["room_id"],
            "doctor_id": parties["doctor_id"], "starts_at": start,
            "procedure_ids": [parties["consultation"]["id"]]}
    body.update(changes)
    return body


def count_appointments(web_container) -> int:
    with web_container.engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(tables.appointments)).scalar()


def test_a_booking_answers_with_the_appointment_in_the_clinics_offset(api, parties):
    answer = api.post("appointments", json=booking(
        parties, "2026-11-24T07:00:00Z", procedure_ids=[
            parties["consultation"]["id"], parties["xray"]["id"]], note="first visit"))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert answer.headers["Location"].endswith(f"/api/v1/appointments/{body['id']}")
    assert body["starts_at"] == "2026-11-24T10:00:00+03:00"
    assert body["ends_at"] == "2026-11-24T10:45:00+03:00"
    assert body["patient_name"] == "Иван Петров" and body["status"] == "scheduled"
    assert body["price"] == "1500.00" and body["currency"] == "RUB"
    assert [(p["id"], p["price"], p["duration_minutes"]) for p in body["procedures"]] == [
        (parties["consultation"]["id"], "1000.00", 30), (parties["xray"]["id"], "500.00", 15)]
    assert body["note"] == "first visit" and body["doctor_overlap_confirmed"] is False
    assert api.get(f"appointments/{body['id']}").get_json() == body


def test_a_booking_costs_a_fixed_number_of_statements(container):
    """Beyond the token's check: on PostgreSQL the doctor's lock (SQLite's BEGIN IMMEDIATE
    is one already); the clinic, its procedures, the patient, its rooms, the subscription (only
    beyond the two free chairs: no licence allows fewer), the doctor; the room's and the
    doctor's times at once; the visit and its lines; the audit row, in the same transaction
    (the clinic's head claimed, the row, the head moved). The answer is built from what booking
    read. An Idempotency-Key adds three (old keys dropped, the key looked up, then kept). A
    statement more is a regression."""
    from clinic.entrypoints.web.app import create_app
    from tests.integration.conftest import api_sign_up
    from tests.integration.test_query_counts import count_statements
    from tests.licences import grant_licence

    client = create_app(container.settings(), container).test_client()
    api = api_sign_up(client, container, "anna@example.com")  # on both databases
    parties = _parties(api)
    secret = api.headers["Authorization"].removeprefix("Bearer ")
    with count_statements(container.engine()) as checking_the_token:
        assert container.authenticate_api_token()(secret) is not None

    def book(start: str, **headers: str) -> list[str]:
        with count_statements(container.engine()) as seen:
            answer = client.post("/api/v1/appointments", json=booking(parties, start),
                                 headers={**api.headers, **headers})
        assert answer.status_code == 201, answer.get_json()
        assert api.get(f"appointments/{answer.get_json()['id']}").get_json() == \
            answer.get_json()
        return [" ".join(statement.split()[:3]) for statement in seen[len(checking_the_token):]]

    lock = container.engine().dialect.name == "postgresql"
    book("2026-11-24T09:00:00+03:00")  # warms up
    # with the authorization rule's reads of the token's person and their membership, the
    # clinic's calendar version moved (open calendars redraw), and after the commit the
    # patient's notices asking whether reminders are on (one statement while they are off)
    assert len(book("2026-11-24T10:00:00+03:00")) == 15 + lock
    grant_licence(container, api.clinic_id, chairs=1)
    assert api.post("rooms", json={"name": "Room 3"}).status_code == 201
    statements = book("2026-11-24T11:00:00+03:00")
    assert len(statements) == 16 + lock, statements
    assert statements[-2].startswith("UPDATE clinics SET")  # calendar_version + 1
    assert statements[-1].startswith("SELECT messaging_settings.id,")  # reminders off: done
    assert statements[0].startswith("SELECT pg_advisory_xact_lock") == lock
    # the visit, its line, the audit head (claimed by an upsert), the audit row
    assert sum(s.startswith("INSERT") for s in statements) == 4
    assert len(book("2026-11-24T12:00:00+03:00", **{"Idempotency-Key": "k-1"})) == 19 + lock


def test_a_room_clash_is_409_with_the_nearest_free_start(api, parties, web_container):
    api.post("appointments", json=booking(parties))
    clash = api.post("appointments", json=booking(parties, "2026-11-24T10:15:00+03:00"))
    assert clash.status_code == 409 and clash.mimetype == "application/problem+json"
    problem = clash.get_json()
    assert problem["type"] == "/api/v1/problems/room-booked"
    assert problem["nearest_free_start"] == "2026-11-24T10:30:00+03:00"
    assert problem["clash"] == {"starts_at": "2026-11-24T10:00:00+03:00",
                                "ends_at": "2026-11-24T10:30:00+03:00"}
    assert count_appointments(web_container) == 1


def test_a_doctors_overlap_is_409_of_another_type_until_confirmed(api, parties):
    api.post("appointments", json=booking(parties))
    other_room = booking(parties, room_id=parties["second_room"])
    busy = api.post("appointments", json=other_room)
    assert busy.status_code == 409
    assert busy.get_json()["type"] == "/api/v1/problems/doctor-busy"
    assert busy.get_json()["doctor_busy"][0]["starts_at"] == "2026-11-24T10:00:00+03:00"
    confirmed = api.post("appointments", json={**other_room, "confirm_doctor_overlap": True})
    assert confirmed.status_code == 201
    assert confirmed.get_json()["doctor_overlap_confirmed"] is True


def test_an_idempotency_key_books_once(api, parties, client, web_container):
    headers = {**api.headers, "Idempotency-Key": "order-42"}
    first = client.post("/api/v1/appointments", json=booking(parties), headers=headers)
    again = client.post("/api/v1/appointments", json=booking(parties), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert count_appointments(web_container) == 1
    other_body = client.post("/api/v1/appointments", headers=headers, json=booking(
        parties, "2026-11-24T12:00:00+03:00"))
    assert other_body.status_code == 422
    assert other_body.get_json()["type"] == "/api/v1/problems/idempotency-key-reused"
    no_key = client.post("/api/v1/appointments", json=booking(parties), headers=api.headers)
    assert no_key.status_code == 409  # without a key the same body is a second booking
    bad_key = client.post("/api/v1/appointments", json=booking(parties),
                          headers={**api.headers, "Idempotency-Key": "x" * 300})
    assert bad_key.status_code == 400 and bad_key.mimetype == "application/problem+json"
    assert count_appointments(web_container) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"starts_at": "2026-11-24T10:00:00"}, "starts_at"),  # no offset
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"starts_at": "2026-11-24T10:03:00+03:00"}, "starts_at"),
    ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
    ({"procedure_ids": []}, "procedure_ids"),
    ({"procedure_ids": [str(uuid.uuid4())]}, "procedure_ids"),
    ({"patient_id": str(uuid.uuid4())}, "patient_id"),
    ({"room_id": str(uuid.uuid4())}, "room_id"),
    ({"price": "много"}, "price"),
    ({"price": -5}, "price"),
    ({"confirm_doctor_overlap": "yes"}, "confirm_doctor_overlap"),
])
def test_bad_bookings_are_422_naming_the_field(api, parties, web_container, change, field):
    answer = api.post("appointments", json=booking(parties, **change))
    assert answer.status_code == 422, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert count_appointments(web_container) == 0


def test_the_list_filters_by_period_room_doctor_patient_and_status(api, parties):
    ids = []
    for start in ("2026-11-23T09:00:00+03:00", "2026-11-24T09:00:00+03:00",
                  "2026-11-29T19:00:00+03:00", "2026-11-30T09:00:00+03:00"):
        ids.append(api.post("appointments", json=booking(parties, start)).get_json()["id"])
    api.post("appointments", json=booking(parties, "2026-11-24T09:00:00+03:00",
                                          room_id=parties["second_room"],
                                          confirm_doctor_overlap=True))
    api.patch(f"appointments/{ids[1]}", json={"status": "done"})

    def listed(query: str) -> list[str]:
        answer = api.get(f"appointments?{query}")
        assert answer.status_code == 200, answer.get_json()
        return [item["id"] for item in answer.get_json()["items"]]

    week = listed(f"from={MONDAY}&to=2026-11-29&room_id={parties['room_id']}")
    assert week == ids[:3]  # "to" is a whole day, Sunday evening included
    assert listed(f"from={MONDAY}&to=2026-11-29&room_id={parties['room_id']}&status=done") == [
        ids[1]]
    assert listed("status=scheduled,done&from=2026-11-24T00:00:00%2B03:00"
                  "&to=2026-11-24T23:00:00%2B03:00") != []
    assert len(listed(f"from={MONDAY}&to=2026-11-29")) == 4
    assert len(listed(f"doctor_id={parties['doctor_id']}&patient_id={parties['patient_id']}")
               ) == 5
    page = api.get("appointments?limit=2&offset=1").get_json()
    assert page["total"] == 5 and len(page["items"]) == 2
    for bad in ("from=2026-13-01", "to=soon", "status=lost", f"from=2026-11-29&to={MONDAY}",
                "limit=5000", "status=", "status=scheduled,", "status=%20done"):
        answer = api.get(f"appointments?{bad}")
        assert answer.status_code == 422, bad


def test_patch_moves_reprices_and_changes_status_in_one_go(api, parties, web_container):
    booked = api.post("appointments", json=booking(parties)).get_json()
    url = f"appointments/{booked['id']}"
    moved = api.patch(url, json={"starts_at": "2026-11-24T15:00:00+03:00",
                                 "procedure_ids": [parties["consultation"]["id"],
                                                   parties["xray"]["id"]],
                                 "price": "1200", "note": "discount"})
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert (body["starts_at"], body["ends_at"]) == ("2026-11-24T15:00:00+03:00",
                                                    "2026-11-24T15:45:00+03:00")
    assert (body["price"], body["note"]) == ("1200.00", "discount")
    assert api.patch(url, json={"price": None}).get_json()["price"] == "1500.00"
    assert api.patch(url, json={"status": "cancelled"}).get_json()["status"] == "cancelled"
    other = api.post("appointments", json=booking(parties, "2026-11-24T15:00:00+03:00"))
    assert other.status_code == 201  # the cancelled visit freed its time
    back = api.patch(url, json={"status": "scheduled"})
    assert back.status_code == 409 and back.get_json()["type"].endswith("room-booked")
    half = api.patch(url, json={"status": "scheduled", "starts_at": "2026-11-24T16:00:00+03:00",
                                "note": "x" * 2001})
    assert half.status_code == 422
    assert api.get(url).get_json()["status"] == "cancelled"  # nothing half-written
    stale = api.patch(url, json={"starts_at": "2026-11-24T17:00:00+03:00"})
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    assert stale.get_json()["type"].endswith("action-not-allowed")
    assert api.patch(url, json={"status": "done"}).status_code == 409
    assert api.patch(url, json={"status": "lost"}).status_code == 422
    assert api.patch(url, json={}).status_code == 422  # nothing to change


def test_another_clinics_appointments_are_not_there(api, other, parties):
    booked = api.post("appointments", json=booking(parties)).get_json()
    assert other.get(f"appointments/{booked['id']}").status_code == 404
    assert other.patch(f"appointments/{booked['id']}", json={"status": "done"}
                       ).status_code == 404
    assert other.get("appointments").get_json()["total"] == 0
    stolen = other.post("appointments", json=booking(parties))
    assert stolen.status_code == 422
    assert set(stolen.get_json()["errors"]) >= {"patient_id", "room_id", "doctor_id"}
    assert api.get(f"appointments/{booked['id']}").get_json()["status"] == "scheduled"


def test_the_list_costs_the_same_statements_for_one_appointment_or_a_hundred(
        api, parties, web_container):
    from tests.integration.test_query_counts import count_statements

    api.post("appointments", json=booking(parties, "2026-11-23T09:00:00+03:00"))
    url = f"appointments?from={MONDAY}&to=2026-11-29&limit=1000"
    with count_statements(web_container.engine()) as few:
        assert api.get(url).get_json()["total"] == 1
    for day in range(23, 29):
        for hour in range(8, 20):
            for minute in ("00", "30"):
                if (day, hour, minute) != (23, 9, "00"):
                    api.post("appointments", json=booking(
                        parties, f"2026-11-{day}T{hour:02}:{minute}:00+03:00"))
    with count_statements(web_container.engine()) as many:
        assert api.get(url).get_json()["total"] == 6 * 12 * 2
    assert len(many) == len(few)


def test_the_one_writing_of_an_appointment_is_exactly_what_the_documented_schema_says():
    """Every answer with an appointment (the list, one GET, a POST's and a PATCH's) is written
    by `appointments_json`, without marshmallow (a clinic's week is ~700 visits); it must stay
    what `AppointmentSchema` documents: every field, no other, each as the schema writes it."""
    from zoneinfo import ZoneInfo

    from clinic.application.scheduling.queries import CalendarEntry, EntryLine
    from clinic.domain.shared import Money
    from clinic.entrypoints.api.schemas.appointments import AppointmentSchema, appointments_json

    zone = ZoneInfo("Europe/Moscow")
    entry = CalendarEntry(
        id=uuid.uuid4(), starts_at=datetime(2026, 11, 30, 7, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 30, 8, 5, tzinfo=UTC), status="done",
        patient_id=uuid.uuid4(), patient_name="Иван «Ваня» Петров", patient_phone="+79161234567",
        room_id=uuid.uuid4(), doctor_id=uuid.uuid4(), doctor_name="Anna", doctor_color="#cfe3ff",
        procedures=["Консультация", "Снимок"], price_minor=250050, currency="RUB",
        note='a "note"\nwith lines', doctor_overlap_confirmed=True,
        lines=[EntryLine(uuid.uuid4(), "Консультация", 100000, 30),
               EntryLine(uuid.uuid4(), "Снимок", 150050, 35)])
    schema = AppointmentSchema()
    written = appointments_json([entry], zone)[0]
    assert schema.dump(schema.load(written)) == written  # loading refuses a missing or extra field
    assert written["starts_at"] == "2026-11-30T10:00:00+03:00"
    assert [line["price"] for line in written["procedures"]] == ["1000.00", "1500.50"]
    for minor, currency in ((0, "USD"), (5, "USD"), (123456, "JPY"), (99, "RUB")):
        free = CalendarEntry(**{**{f: getattr(entry, f) for f in entry.__slots__},
                                "price_minor": minor, "currency": currency, "note": None,
                                "lines": []})
        written = appointments_json([free], zone)[0]
        assert schema.dump(schema.load(written)) == written
        assert written["price"] == str(Money(minor, currency).to_decimal())
