"""The live calendar: each change the calendar shows moves the clinic's calendar version in its
own transaction (nothing else does), and an open calendar polls it with an ETag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.clinic_settings import ClinicSettings
from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.ports import Conflict
from clinic.domain.catalog import Room
from clinic.domain.scheduling import AppointmentStatus, RoomAlreadyBooked
from tests.acting import owner_of
from tests.integration.conftest import Browser
from tests.integration.test_booking import START, _clinic, request
from tests.integration.test_query_counts import count_statements
from tests.licences import grant_licence


def version(container, clinic_id) -> int:
    with container.engine().connect() as conn:
        return conn.execute(select(tables.clinics.c.calendar_version)
                            .where(tables.clinics.c.id == clinic_id)).scalar_one()


@pytest.fixture
def clinic(container):
    return _clinic(container)


def test_every_change_the_calendar_shows_moves_the_version_once(container, clinic):
    clinic_id = clinic["id"]
    grant_licence(container, clinic_id, chairs=2)
    seen = [version(container, clinic_id)]

    def moved(step: str) -> None:
        now = version(container, clinic_id)
        assert now == seen[-1] + 1, f"{step}: {seen[-1]} -> {now}"
        seen.append(now)

    booked = container.book_appointment()(clinic_id, request(clinic))
    moved("a booking")
    container.move_appointment()(clinic_id, owner_of(container, clinic_id),
        booked.id, START + timedelta(hours=2),
                                 clinic["room"], clinic["doctor"])
    moved("a move")
    container.change_appointment_status()(clinic_id, owner_of(container, clinic_id),
        booked.id, AppointmentStatus.CANCELLED)
    moved("a cancellation")
    room = container.save_room()(clinic_id, owner_of(container, clinic_id), RoomFields("Room 2"))
    moved("a new room")
    container.save_room()(clinic_id, owner_of(container, clinic_id),
        RoomFields("Room Two"), room.id)
    moved("a room renamed")
    container.archive_room()(clinic_id, owner_of(container, clinic_id), room.id, True)
    moved("a room archived")
    container.save_doctor()(clinic_id, owner_of(container, clinic_id),
        DoctorFields("Dr Who", "#112233"), clinic["doctor"])
    moved("a doctor renamed and recoloured")
    container.save_patient()(clinic_id, owner_of(container, clinic_id),
        PatientFields("Ivan Petrov", "+79161234567"),
                             clinic["patient"], allow_duplicate=True)
    moved("a patient renamed")
    with container.engine().connect() as conn:
        owner = conn.execute(select(tables.memberships.c.user_id)
                             .where(tables.memberships.c.clinic_id == clinic_id)).scalar_one()
    container.update_clinic_settings()(clinic_id, owner, ClinicSettings(
        "Smile", "Europe/Moscow", "RUB", "RU", "ru", [1, 2, 3, 4, 5], "09:00", "18:00"))
    moved("working hours changed")


def test_what_the_calendar_does_not_show_leaves_the_version(container, clinic):
    clinic_id = clinic["id"]
    before = version(container, clinic_id)
    container.save_patient()(clinic_id, owner_of(container, clinic_id),
        PatientFields("Olga", "+79161112233"))  # not booked
    container.save_procedure()(clinic_id, owner_of(container, clinic_id),
        ProcedureFields("Whitening", "5000", "60"))
    with container.engine().connect() as conn:
        owner = conn.execute(select(tables.memberships.c.user_id)
                             .where(tables.memberships.c.clinic_id == clinic_id)).scalar_one()
    container.remember_calendar_view()(clinic_id, owner, "day|room:")  # the owner's view
    assert version(container, clinic_id) == before


def test_a_refused_or_rolled_back_change_moves_nothing(container, clinic):
    clinic_id = clinic["id"]
    container.book_appointment()(clinic_id, request(clinic))
    before = version(container, clinic_id)
    with pytest.raises(RoomAlreadyBooked):
        container.book_appointment()(clinic_id, request(clinic, confirm_doctor_overlap=True))
    with container.uow(clinic_id) as uow:  # written, then not committed
        room = uow.rooms.list()[0]
        room.name = "Renamed"
        uow.session.flush()
    assert version(container, clinic_id) == before
    with container.uow(clinic_id) as uow:  # refused by the database at the commit
        uow.rooms.add(Room(clinic_id, "Twin", None, datetime.now(UTC), id=clinic["room"]))
        with pytest.raises(Conflict):
            uow.commit()
    assert version(container, clinic_id) == before


def test_the_version_moves_with_its_change_in_one_commit(container, clinic):
    """The number is moved by the commit that writes the change: read after the commit, both
    are there; a change and its number are never seen apart."""
    clinic_id = clinic["id"]
    before = version(container, clinic_id)
    with container.uow(clinic_id) as uow:
        room = uow.rooms.list()[0]
        room.name = "Renamed"
        uow.session.flush()
        assert version(container, clinic_id) == before  # not before the commit
        uow.commit()
    assert version(container, clinic_id) == before + 1


def test_one_clinics_changes_leave_anothers_version(container, clinic):
    from clinic.application.accounts.sign_up import SignUpCommand

    other = container.sign_up()(SignUpCommand(
        "Other", "Olga", "olga@example.com", "correct horse", "ru", "Europe/Moscow"))
    before = version(container, other.clinic_id)
    container.book_appointment()(clinic["id"], request(clinic))
    assert version(container, other.clinic_id) == before


@pytest.fixture
def desk(app, web_container):
    """The owner signed in, and a way to book from elsewhere (another person's request)."""
    browser = Browser(app.test_client())
    browser.sign_up()
    info = _clinic_of(web_container)
    return browser, lambda **changes: web_container.book_appointment()(
        info["id"], request(info, **changes))


def _clinic_of(container):
    clinic_id = container.account_queries().tenants()[0].id
    owner = owner_of(container, clinic_id)
    patient = container.save_patient()(clinic_id, owner, PatientFields("Ivan", "+79161234567"))
    with container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        procedures = {p.name: p for p in uow.procedures.list()}
    return {"id": clinic_id, "owner": owner, "patient": patient.id, "room": room.id,
            "doctor": doctor.id, "consultation": procedures["Consultation"].id}


def test_a_poll_answers_304_until_something_is_booked_elsewhere(desk, web_container):
    browser, book = desk
    first = browser.client.get("/calendar/version")
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag == f'"{first.get_json()["version"]}"'
    assert first.headers["Cache-Control"] == "private, no-cache"
    with count_statements(web_container.engine()) as statements:
        same = browser.client.get("/calendar/version", headers={"If-None-Match": tag})
    assert same.status_code == 304
    assert same.get_data() == b""
    assert same.headers["ETag"] == tag
    assert len(statements) == 1  # the session's own query: nothing more
    book()
    moved = browser.client.get("/calendar/version", headers={"If-None-Match": tag})
    assert moved.status_code == 200
    assert moved.headers["ETag"] == f'"{int(tag.strip(chr(34))) + 1}"'
    again = browser.client.get("/calendar/version",
                               headers={"If-None-Match": f'W/"0", {moved.headers["ETag"]}'})
    assert again.status_code == 304


def test_the_page_and_its_grid_say_which_version_they_drew(desk):
    browser, book = desk
    book()
    version_now = browser.client.get("/calendar/version").get_json()["version"]
    week = f"/calendar?date={START.date().isoformat()}"
    page = browser.client.get(week).get_data(as_text=True)
    assert f'data-calendar-version="{version_now}"' in page
    assert 'data-live="/calendar/version"' in page
    grid = browser.client.get(week, headers={"HX-Request": "true"})
    assert grid.headers["Calendar-Version"] == str(version_now)
    assert "data-appointment-id" in grid.get_data(as_text=True)


def test_another_clinics_booking_leaves_this_calendar_unchanged(desk, web_container):
    from clinic.application.accounts.sign_up import SignUpCommand

    browser, _book = desk
    tag = browser.client.get("/calendar/version").headers["ETag"]
    other = web_container.sign_up()(SignUpCommand(
        "Other", "Olga", "olga@example.com", "correct horse", "ru", "Europe/Moscow"))
    with web_container.uow(other.clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        procedure = uow.procedures.list()[0]
    patient = web_container.save_patient()(other.clinic_id, other.user_id,
        PatientFields("Oleg", "+79160001122"))
    web_container.book_appointment()(other.clinic_id, request(
        {"patient": patient.id, "room": room.id, "doctor": doctor.id,
         "consultation": procedure.id, "owner": other.user_id}))
    assert browser.client.get("/calendar/version",
                              headers={"If-None-Match": tag}).status_code == 304


def test_a_signed_out_poll_is_sent_to_sign_in(client):
    assert client.get("/calendar/version").status_code == 302


def test_a_poll_does_not_re_sign_the_session_cookie_a_page_does(desk):
    browser, _book = desk
    assert "Set-Cookie" not in browser.client.get("/calendar/version").headers
    assert "chairside_session=" in browser.client.get("/calendar").headers["Set-Cookie"]
