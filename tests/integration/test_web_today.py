"""The desk's "Today" list: the day's visits of every room in time order, late ones marked,
one tap to mark arrival, done or no-show as the status and the time allow, and its SQL cost."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers

from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from tests.acting import owner_of
from tests.integration.conftest import Browser
from tests.integration.test_query_counts import count_statements
from tests.licences import grant_licence
from tests.unit.fakes import FakeClock

MOSCOW = ZoneInfo("Europe/Moscow")
TODAY = datetime(2026, 12, 3).date()
NOON = datetime.combine(TODAY, time(12, 0), MOSCOW)


@pytest.fixture
def desk(app, web_container):
    clock = FakeClock(NOON)
    web_container.clock.override(providers.Object(clock))
    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    grant_licence(web_container, clinic_id, chairs=4)
    web_container.save_room()(clinic_id, owner_of(web_container, clinic_id), RoomFields("Room 2"))
    web_container.save_doctor()(clinic_id, owner_of(web_container, clinic_id),
        DoctorFields("Boris Orlov", ""))
    ivan = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan Sidorov",
                                                                  "+79161234567"))
    olga = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Olga Titova",
                                                                  "+79167654321"))
    with web_container.uow(clinic_id) as uow:
        rooms = sorted(uow.rooms.list(), key=lambda r: r.name)
        doctors = sorted(uow.doctors.list(), key=lambda d: d.name)
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")

    def book(patient, room, doctor, day, hour, minute=0):
        return web_container.book_appointment()(clinic_id, BookingRequest(
            patient.id, room.id, doctor.id, datetime.combine(day, time(hour, minute), MOSCOW),
            [consultation.id], confirm_doctor_overlap=True, confirm_outside_hours=True,
                booked_by=owner_of(web_container, clinic_id)))

    return browser, clock, rooms, doctors, (ivan, olga), book


def _row(html: str, appointment_id) -> str:
    found = re.search(rf'<li class="today-row[^"]*" id="visit-{appointment_id}"[^>]*>.*?</li>',
                      html, re.S)
    assert found is not None, html
    return found.group(0)


def test_the_list_shows_todays_visits_of_every_room_in_time_order(desk):
    browser, _clock, rooms, doctors, (ivan, olga), book = desk
    later = book(olga, rooms[0], doctors[0], TODAY, 15)
    late = book(ivan, rooms[1], doctors[1], TODAY, 11, 30)
    soon = book(olga, rooms[1], doctors[0], TODAY, 12, 20)
    book(ivan, rooms[0], doctors[0], TODAY + timedelta(days=1), 12)  # tomorrow: not listed
    book(ivan, rooms[0], doctors[0], TODAY - timedelta(days=1), 12)  # yesterday: not listed
    page = browser.client.get("/calendar/today")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('<li class="today-row') == 3
    assert html.index(f"visit-{late.id}") < html.index(f"visit-{soon.id}") < html.index(
        f"visit-{later.id}")
    row = _row(html, late.id)
    assert "11:30" in row and "Ivan Sidorov" in row and 'href="tel:+79161234567"' in row
    assert "Boris Orlov" in row and "Room 2" in row and "Consultation" in row
    assert f"swatch-{doctors[1].color[1:]}" in row
    assert "today-row--late" in row and "Late by 30 min" in row  # marked, and in words
    assert 'value="arrived"' in row and 'value="no_show"' in row and 'value="done"' in row
    row = _row(html, soon.id)  # in 20 minutes: arrival can be marked, "did not come" cannot
    assert "today-row--late" not in row and "Late" not in row
    assert 'value="arrived"' in row and 'value="no_show"' not in row
    row = _row(html, later.id)  # in three hours: neither yet
    assert 'value="arrived"' not in row and 'value="no_show"' not in row
    assert 'value="done"' in row
    # the page opens at the first visit not over yet (11:30-12:00 ended at noon)
    assert html.count("data-next-visit") == 1 and "data-next-visit" in _row(html, soon.id)


def test_one_tap_marks_arrival_and_answers_the_row_as_it_is_now(desk, web_container):
    browser, _clock, rooms, doctors, (ivan, _olga), book = desk
    visit = book(ivan, rooms[0], doctors[0], TODAY, 11, 45)
    url = f"/calendar/today/{visit.id}/status"
    tapped = browser.post(url, {"status": "arrived"}, source="/calendar/today",
                          headers={"HX-Request": "true"})
    row = tapped.get_data(as_text=True)
    assert tapped.status_code == 200
    assert row.startswith(f'<li class="today-row status-arrived" id="visit-{visit.id}">')
    assert "badge--arrived" in row and ">Arrived<" in row and "Late" not in row
    assert 'value="done"' in row and 'value="arrived"' not in row
    assert 'value="no_show"' not in row  # someone who came is not a no-show
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        assert uow.appointments.get(visit.id).status == "arrived"
    done = browser.post(url, {"status": "done"}, source="/calendar/today")
    assert done.status_code == 200 and "badge--done" in done.get_data(as_text=True)


def test_a_tap_that_is_too_early_or_not_offered_is_refused_in_words(desk, web_container):
    browser, _clock, rooms, doctors, (ivan, _olga), book = desk
    visit = book(ivan, rooms[0], doctors[0], TODAY, 14)
    url = f"/calendar/today/{visit.id}/status"
    early = browser.post(url, {"status": "no_show"}, source="/calendar/today")
    assert early.status_code == 409
    assert "has not started yet" in early.get_data(as_text=True)
    arrived = browser.post(url, {"status": "arrived"}, source="/calendar/today")
    assert arrived.status_code == 409
    assert "from 30 minutes before the visit" in arrived.get_data(as_text=True)
    other = browser.post(url, {"status": "cancelled"}, source="/calendar/today")
    assert other.status_code == 422  # cancelling asks first, in the visit's dialog
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        assert uow.appointments.get(visit.id).status == "scheduled"


def test_the_dialog_offers_arrival_by_the_time_and_names_the_status(desk):
    browser, clock, rooms, doctors, (ivan, _olga), book = desk
    visit = book(ivan, rooms[0], doctors[0], TODAY, 13)
    url = f"/calendar/appointments/{visit.id}"
    assert 'value="arrived"' not in browser.client.get(url).get_data(as_text=True)
    clock.current = NOON + timedelta(minutes=35)  # 12:35, the visit at 13:00
    html = browser.client.get(url).get_data(as_text=True)
    assert 'value="arrived"' in html and 'value="no_show"' not in html
    html = browser.post(f"{url}/status", {"status": "arrived"}, source="/calendar").get_data(
        as_text=True)
    assert 'badge--arrived">Arrived<' in html and "Back to scheduled" in html


def test_the_list_costs_the_same_statements_for_one_visit_or_many(desk, web_container):
    browser, _clock, rooms, doctors, (ivan, olga), book = desk
    book(ivan, rooms[0], doctors[0], TODAY, 9)
    browser.client.get("/calendar/today")  # the first request's one-off reads out of the way
    with count_statements(web_container.engine()) as few:
        assert browser.client.get("/calendar/today").status_code == 200
    for hour in range(10, 19):
        book(olga, rooms[0], doctors[0], TODAY, hour)
        book(ivan, rooms[1], doctors[1], TODAY, hour, 30)
    with count_statements(web_container.engine()) as many:
        page = browser.client.get("/calendar/today")
    assert page.get_data(as_text=True).count('<li class="today-row') == 19
    assert len(many) == len(few), many


def test_an_empty_day_says_so_and_the_nav_leads_to_the_list(desk):
    browser = desk[0]
    html = browser.client.get("/calendar/today").get_data(as_text=True)
    assert "No visits today" in html
    assert re.search(r'class="tabbar__link" href="/calendar/today"\s+aria-current="page"', html)
    calendar = browser.client.get("/calendar").get_data(as_text=True)
    assert 'class="sidebar__link" href="/calendar/today"' in calendar
