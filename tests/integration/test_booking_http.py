"""50 people pressing "Book" for the same room and slot at once, through the web layer, on both
databases: exactly one visit is booked, the others hear the room is busy, nobody sees a 5xx."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.application.patients.save import PatientFields
from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import Browser


def test_fifty_simultaneous_bookings_through_http_leave_one(container):
    app = create_app(container.settings(), container)
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = container.account_queries().tenants()[0].id
    patient = container.save_patient()(clinic_id, PatientFields("Ivan", "+79161234567"))
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
