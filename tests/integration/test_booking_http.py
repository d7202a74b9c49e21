"""50 people pressing "Book" for the same room and slot at once, through the web layer, on both
databases: exactly one visit is booked, the others hear the room is busy, nobody sees a 5xx.
And ten API clients booking one doctor at one time in ten rooms: one 201, nine doctor-busy."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.entrypoints.web.app import create_app
from tests.acting import owner_of
from tests.integration.conftest import Browser, api_sign_up
from tests.licences import grant_licence


def test_fifty_simultaneous_bookings_through_http_leave_one(container):
    app = create_app(container.settings(), container)
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = container.account_queries().tenants()[0].id
    patient = container.save_patient()(clinic_id, owner_of(container, clinic_id),
        PatientFields("Ivan", "+79161234567"))
    with container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      owner.client.get("/calendar").get_data(as_text=True)).group(1)
    cookie = owner.client.get_cookie("chairside_session")
    day = (datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")) + timedelta(days=3)).date()
    form = {"csrf_token": token, "patient_id": str(patient.id), "date": day.isoformat(),
            "time": "10:00", "room_id": str(room.id), "doctor_id": str(doctor.id),
            "procedure_ids": str(consultation.id), "confirm_outside_hours": "1"}  # any weekday
    statuses: list[int] = []
    barrier = threading.Barrier(50)

    def press_book() -> None:
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value)
        barrier.wait()
        response = client.post("/calendar/book", data=form, headers={"HX-Request": "true"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=press_book) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [200] + [409] * 49, sorted(statuses)
    with container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.appointments)).scalar() == 1


def test_ten_api_bookings_of_one_doctor_at_once_in_ten_rooms_give_one_201(container):
    """The same doctor and time in ten rooms, without `confirm_doctor_overlap`, through
    `POST /api/v1/appointments` at once: one 201, nine 409 doctor-busy problems."""
    app = create_app(container.settings(), container)
    api = api_sign_up(app.test_client(), container, "anna@example.com")
    grant_licence(container, api.clinic_id, chairs=10)
    rooms = [container.save_room()(api.clinic_id, owner_of(container, api.clinic_id),
        RoomFields(f"Room {n}")).id
             for n in range(2, 11)]
    patient = container.save_patient()(api.clinic_id, owner_of(container, api.clinic_id),
        PatientFields("Ivan", "+79161234567"))
    with container.uow(api.clinic_id) as uow:
        rooms.append(uow.rooms.list()[0].id)
        doctor = uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(len(rooms))

    def post(room_id) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/appointments", headers=api.headers, json={
            "patient_id": str(patient.id), "room_id": str(room_id), "doctor_id": str(doctor.id),
            "starts_at": "2026-11-24T10:00:00+03:00", "procedure_ids": [str(consultation.id)]})
        answers.append((response.status_code, (response.get_json() or {}).get("type", "")))

    threads = [threading.Thread(target=post, args=(room,)) for room in rooms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(status for status, _type in answers) == [201] + [409] * 9, answers
    assert {kind for status, kind in answers if status == 409} == {
        "/api/v1/problems/doctor-busy"}, answers
    with container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.appointments)).scalar() == 1


def test_a_refused_booking_with_a_new_patient_leaves_no_card(container):
    """The dialog's "new patient" is made by the booking, in its transaction: a busy room or a
    bad phone leaves no orphan card; a booking that goes through makes exactly one."""
    app = create_app(container.settings(), container)
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = container.account_queries().tenants()[0].id
    ivan = container.save_patient()(clinic_id, owner_of(container, clinic_id),
        PatientFields("Ivan", "+79161234567"))
    with container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    form = {"date": "2026-12-08", "time": "10:00", "room_id": str(room.id),
            "doctor_id": str(doctor.id), "procedure_ids": str(consultation.id),
            "confirm_unusual_day": "1"}  # a fixed day, past one day

    def book(**fields: str):
        return owner.client.post("/calendar/book", data={**form, **fields}, headers={
            "HX-Request": "true", "X-CSRFToken": owner.token("/calendar")})

    def cards() -> int:
        with container.engine().connect() as conn:
            return conn.execute(select(func.count()).select_from(tables.patients)).scalar()

    assert book(patient_id=str(ivan.id)).status_code == 200
    busy = book(new_name="Olga", new_phone="+79161112233")
    assert busy.status_code == 409 and cards() == 1  # the room is Ivan's at 10:00
    assert busy.headers["HX-Retarget"] == "#booking-outcome"  # the open form keeps "Olga"
    assert "The room is busy" in busy.get_data(as_text=True)
    bad_phone = book(new_name="Olga", new_phone="12", time="11:00")
    assert bad_phone.status_code == 422 and cards() == 1
    assert book(new_name="Olga", new_phone="+79161112233", time="11:00").status_code == 200
    assert cards() == 2
