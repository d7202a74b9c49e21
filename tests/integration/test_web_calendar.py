"""The calendar pages: the week of a room, the day of all rooms, and their SQL cost."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers

from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from tests.acting import owner_of
from tests.integration.conftest import Browser, csrf_of
from tests.integration.test_query_counts import count_statements
from tests.licences import grant_licence
from tests.unit.fakes import FakeClock

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def clinic(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    grant_licence(web_container, clinic_id, chairs=8)
    for i in range(2, 11):
        web_container.save_room()(clinic_id, owner_of(web_container, clinic_id),
            RoomFields(f"Room {i}"))
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with web_container.uow(clinic_id) as uow:
        rooms = list(uow.rooms.list())
        doctor = uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    today = datetime.now(UTC).astimezone(MOSCOW).date()

    def book(room, hour, minute=0, day=today):
        return web_container.book_appointment()(clinic_id, BookingRequest(
            patient.id, room.id, doctor.id, datetime.combine(day, time(hour, minute), MOSCOW),
            [consultation.id], confirm_doctor_overlap=True, confirm_outside_hours=True,
            booked_by=owner_of(web_container, clinic_id)))

    return browser, rooms, book, today


def test_the_day_view_shows_every_room_side_by_side(clinic):
    browser, rooms, book, today = clinic
    book(rooms[0], 9)
    book(rooms[5], 9, 30)
    page = browser.client.get(f"/calendar?view=day&date={today.isoformat()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for room in rooms:
        assert f'<span class="cal__room">{room.name}</span>' in html
        assert f'data-room-id="{room.id}"' in html
    assert html.count("data-appointment-id") == 2
    assert f'data-start="{today.isoformat()}T09:00" data-room-id="{rooms[5].id}"' in html


def test_the_day_view_costs_the_same_statements_whatever_the_bookings(clinic, web_container):
    browser, rooms, book, today = clinic
    url = f"/calendar?view=day&date={today.isoformat()}"
    book(rooms[0], 8)
    browser.client.get(url)  # the first visit also remembers the view chosen (one write)
    with count_statements(web_container.engine()) as few:
        assert browser.client.get(url).status_code == 200
    for hour in range(9, 19):
        for room in rooms[:6]:
            book(room, hour)
    with count_statements(web_container.engine()) as many:
        page = browser.client.get(url)
    assert page.get_data(as_text=True).count("data-appointment-id") == 61
    assert len(many) == len(few)


def test_a_week_that_crosses_a_clock_change_draws_each_visit_at_its_local_hour(
        app, web_container):
    """Europe/Berlin goes from summer to winter time on Sunday 25 October 2026."""
    browser = Browser(app.test_client())
    browser.sign_up_with({"clinic_name": "Berlin", "name": "Anna", "email": "b@example.com",
                             "password": "correct horse", "timezone": "Europe/Berlin"})
    clinic_id = web_container.account_queries().tenants()[0].id
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with web_container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    berlin = ZoneInfo("Europe/Berlin")
    for day in (24, 26):  # Saturday before, Monday after the change
        web_container.book_appointment()(clinic_id, BookingRequest(
            patient.id, room.id, doctor.id, datetime(2026, 10, day, 10, 0, tzinfo=berlin),
            [consultation.id], booked_by=owner_of(web_container, clinic_id)))
    saturday = browser.client.get("/calendar?view=week&date=2026-10-24").get_data(True)
    monday = browser.client.get("/calendar?view=week&date=2026-10-26").get_data(True)
    for html in (saturday, monday):
        assert re.search(r'class="appt t24 h6 ', html), "10:00 is 24 slots below 08:00"
        assert "10:00–10:30" in html
    assert "t23 " not in saturday + monday and "t36 " not in saturday + monday


def test_tapping_an_hour_whose_start_is_taken_offers_its_free_part(clinic):
    browser, rooms, book, today = clinic
    book(rooms[0], 10)  # 10:00-10:30
    dialog = browser.client.get(
        f"/calendar/book?start={today.isoformat()}T10:00&room_id={rooms[0].id}")
    assert 'name="time" type="time" step="300" value="10:30"' in dialog.get_data(as_text=True)


def test_the_view_chosen_is_remembered_for_the_person_on_every_device(clinic, app):
    browser, rooms, _book, today = clinic
    browser.client.get(f"/calendar?view=day&date={today.isoformat()}")
    browser.client.get(f"/calendar?view=week&room={rooms[3].id}")
    phone = Browser(app.test_client())
    phone.sign_in()
    html = phone.client.get("/calendar").get_data(as_text=True)
    assert f'data-room-id="{rooms[3].id}"' in html
    assert f'data-room-id="{rooms[0].id}"' not in html  # the week of one room, the one chosen
    phone.client.get(f"/calendar?view=day&date={today.isoformat()}")
    html = browser.client.get("/calendar").get_data(as_text=True)
    assert all(f'data-room-id="{room.id}"' in html for room in rooms)  # the day of all rooms


def test_on_a_day_off_the_calendar_opens_on_the_next_working_day():
    from datetime import date

    from clinic.entrypoints.web.views.calendar import first_working_day

    sunday, monday, tuesday = date(2026, 11, 29), date(2026, 11, 30), date(2026, 11, 24)
    from clinic.domain.accounts import WorkingHours

    def hours(days: str) -> WorkingHours:
        return WorkingHours.parse(days, "08:00", "20:00", "Europe/Moscow")

    assert first_working_day(sunday, hours("123456")) == monday
    assert first_working_day(tuesday, hours("123456")) == tuesday
    assert first_working_day(sunday, hours("3")) == date(2026, 12, 2)


def test_a_visit_outside_working_hours_is_booked_after_a_warning(clinic, web_container):
    browser, rooms, _book, today = clinic
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        doctor = uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
        patient = next(iter(uow.patients.with_phone("+14155552671")))
    form = {"patient_id": str(patient.id), "date": today.isoformat(), "time": "21:00",
            "room_id": str(rooms[0].id), "doctor_id": str(doctor.id),
            "procedure_ids": str(consultation.id), "note": "after hours"}
    token = browser.token("/calendar")
    with count_statements(web_container.engine()) as sql:
        warned = browser.client.post("/calendar/book", data=form, headers={
            "HX-Request": "true", "X-CSRFToken": token})
    html = warned.get_data(as_text=True)
    assert warned.status_code == 409, html
    assert "outside the clinic's working hours: Mon–Sat, 08:00–20:00" in html
    assert 'name="confirm_outside_hours" value="1"' in html and "Book anyway" in html
    # Only why, in place: the open form keeps what was typed, the catalog is not read again.
    assert warned.headers["HX-Retarget"] == "#booking-outcome" and 'name="note"' not in html
    for table in ("rooms", "doctors", "procedures"):
        assert sum(f"FROM {table} " in q for q in sql) == 1, (table, sql)
    whole = browser.post("/calendar/book", form, source="/calendar")  # not from the dialog
    assert whole.status_code == 409 and 'value="after hours"' in whole.get_data(as_text=True)
    booked = browser.post("/calendar/book", {**form, "confirm_outside_hours": "1"},
                          source="/calendar", headers={"HX-Request": "true"})
    assert booked.status_code == 200 and booked.headers["HX-Trigger"] == "calendar-changed"


def test_the_procedures_and_price_of_a_visit_are_changed_from_its_details(clinic, web_container):
    browser, rooms, book, _today = clinic
    visit = book(rooms[0], 10)
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        xray = next(p for p in uow.procedures.list() if p.name.startswith("X-ray"))
    url = f"/calendar/appointments/{visit.id}"
    form_html = browser.client.get(f"{url}?edit=1").get_data(as_text=True)
    assert "Change procedures, price or note" in form_html
    ids = [str(line.procedure_id) for line in visit.lines] + [str(xray.id)]
    bad = browser.post(f"{url}/edit", {"procedure_ids": ids, "price": "lots", "note": "x"},
                       source="/calendar")
    assert bad.status_code == 422 and 'value="lots"' in bad.get_data(as_text=True)
    done = browser.post(f"{url}/edit", {"procedure_ids": ids, "price": "", "note": "x"},
                        source="/calendar")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "calendar-changed"
    assert "X-ray" in html and "10:00–10:45" in html and "$95.00" in html


def test_a_doctor_signing_in_first_sees_their_own_week(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()  # the owner treats patients: the sign-up makes her a doctor, linked
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        mine = next(d for d in uow.doctors.list() if d.user_id is not None)
    html = browser.client.get("/calendar").get_data(as_text=True)
    assert f'data-doctor-id="{mine.id}"' in html


def test_the_desk_gets_the_doctor_it_booked_for_last(app, web_container):
    desk = Browser(app.test_client())
    desk.sign_up_with({"clinic_name": "Smile", "name": "Vera", "email": "vera@example.com",
                          "password": "correct horse", "timezone": "Europe/Moscow",
                          "treats_patients": "no"})
    clinic_id = web_container.account_queries().tenants()[0].id
    web_container.save_doctor()(clinic_id, owner_of(web_container, clinic_id),
        DoctorFields("Dr One", ""))
    second = web_container.save_doctor()(clinic_id, owner_of(web_container, clinic_id),
        DoctorFields("Dr Two", ""))
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with web_container.uow(clinic_id) as uow:
        room = uow.rooms.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name.startswith("Consult"))
    page = desk.client.get("/calendar/book?start=2026-12-01T10:00").get_data(as_text=True)
    assert f'<option value="{second.id}" selected' not in page
    booked = desk.client.post("/calendar/book", data={
        "csrf_token": csrf_of(page), "patient_id": str(patient.id), "date": "2026-12-01",
        "time": "10:00", "room_id": str(room.id), "doctor_id": str(second.id),
        "procedure_ids": str(consultation.id), "confirm_unusual_day": "1"},
        headers={"HX-Request": "true"})
    assert booked.status_code == 200
    again = desk.client.get("/calendar/book?start=2026-12-01T11:00").get_data(as_text=True)
    assert f'<option value="{second.id}" selected' in again


def test_today_is_the_pinned_clocks_day_in_the_clinics_zone(app, web_container):
    # the page's "today" is the container's clock's day in the clinic's zone (Moscow), not the
    # machine's: pinned a minute before Moscow's midnight, then moved past it
    clock = FakeClock(datetime(2026, 11, 23, 20, 59, 30, tzinfo=UTC))  # Monday 23:59:30 MSK
    web_container.clock.override(providers.Object(clock))
    browser = Browser(app.test_client())
    browser.sign_up()

    def today_link() -> str:
        html = browser.client.get("/calendar").get_data(as_text=True)
        found = re.search(r'href="[^"]*date=([0-9-]+)[^"]*">Today<', html)
        assert found is not None
        return found.group(1)

    assert today_link() == "2026-11-23"
    clock.advance(minutes=1)  # 00:00:30 on Tuesday in Moscow, still Monday in UTC
    assert today_link() == "2026-11-24"


def test_the_dialog_offers_what_the_status_allows_and_a_stale_one_is_answered_in_words(
        clinic, web_container):
    browser, rooms, book, _today = clinic
    visit = book(rooms[0], 11)
    # "did not come" is offered once the visit has started: the desk's clock says 12:00
    noon = FakeClock(datetime.combine(_today, time(12), MOSCOW))
    web_container.clock.override(providers.Object(noon))
    url = f"/calendar/appointments/{visit.id}"
    scheduled = browser.client.get(url).get_data(as_text=True)
    assert 'value="done"' in scheduled and 'value="no_show"' in scheduled
    assert "Back to scheduled" not in scheduled
    open_dialog = browser.client.get(f"{url}?move=1").get_data(as_text=True)  # a second desk
    cancelled = browser.post(f"{url}/status", {"status": "cancelled"}, source="/calendar")
    html = cancelled.get_data(as_text=True)
    assert cancelled.status_code == 200
    assert "Back to scheduled" in html and 'value="done"' not in html and "Move" not in html
    assert "move" in open_dialog
    stale = browser.post(f"{url}/move", {"date": _today.isoformat(), "time": "15:00",
                                         "room_id": str(rooms[0].id),
                                         "doctor_id": str(visit.doctor_id)}, source="/calendar")
    assert stale.status_code == 409
    assert "changed a moment ago" in stale.get_data(as_text=True)
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        assert uow.appointments.get(visit.id).starts_at == visit.starts_at


def test_a_search_that_finds_nobody_hands_its_words_to_the_new_patient(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()
    dialog = browser.client.get("/calendar/book?start=2026-12-08T10:00").get_data(as_text=True)
    assert '<details class="new-patient" open>' in dialog  # no patients yet: open at once
    found = browser.client.get("/calendar/patients?q=Ольга <b>").get_data(as_text=True)
    assert 'data-no-match="Ольга &lt;b&gt;"' in found and "<b>" not in found
    clinic_id = web_container.account_queries().tenants()[0].id
    web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    dialog = browser.client.get("/calendar/book?start=2026-12-08T10:00").get_data(as_text=True)
    assert '<details class="new-patient">' in dialog  # now a search comes first
    assert "data-no-match" not in browser.client.get("/calendar/patients?q=Iva").get_data(
        as_text=True)


def test_a_booking_on_a_past_day_or_a_year_ahead_is_asked_about_once(app, web_container):
    clock = FakeClock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    web_container.clock.override(providers.Object(clock))
    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with web_container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    token = browser.token("/calendar")

    def book(day: str, **extra: str):
        return browser.client.post("/calendar/book", data={
            "patient_id": str(patient.id), "date": day, "time": "10:00", "room_id": str(room.id),
            "doctor_id": str(doctor.id), "procedure_ids": str(consultation.id), **extra},
            headers={"HX-Request": "true", "X-CSRFToken": token})

    past = book("2026-12-02")
    html = past.get_data(as_text=True)
    assert past.status_code == 409 and "a past day (Dec 2, 2026)" in html
    assert 'name="confirm_unusual_day" value="1"' in html and "Book anyway" in html
    far = book("2027-12-10")
    assert far.status_code == 409 and "more than a year ahead" in far.get_data(as_text=True)
    assert book("2026-12-03").status_code == 200  # today, even an hour already gone
    assert book("2027-12-03").status_code == 200  # within a year
    assert book("2026-12-02", confirm_unusual_day="1").status_code == 200


def test_an_owner_who_does_not_treat_patients_is_told_to_add_a_doctor_first(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up_with({"clinic_name": "Smile", "name": "Vera", "email": "vera@example.com",
                        "password": "correct horse", "timezone": "Europe/Moscow",
                        "treats_patients": "no"})
    dialog = owner.client.get("/calendar/book?start=2026-12-08T10:00").get_data(as_text=True)
    assert "Add a doctor first" in dialog and 'name="doctor_id"' not in dialog
    assert 'href="/doctors/new"' in dialog
    clinic_id = web_container.account_queries().tenants()[0].id
    web_container.save_doctor()(clinic_id, owner_of(web_container, clinic_id),
        DoctorFields("Dr One", ""))
    dialog = owner.client.get("/calendar/book?start=2026-12-08T10:00").get_data(as_text=True)
    assert "Add a doctor first" not in dialog and 'name="doctor_id"' in dialog


def test_the_appointment_button_opens_the_dialog_at_the_rooms_next_free_start(
        app, web_container):
    clock = FakeClock(datetime(2026, 12, 3, 6, 50, tzinfo=UTC))  # Thursday 09:50 in Moscow
    web_container.clock.override(providers.Object(clock))
    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with web_container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    web_container.book_appointment()(clinic_id, BookingRequest(
        patient.id, room.id, doctor.id, datetime(2026, 12, 3, 10, 0, tzinfo=MOSCOW),
        [consultation.id], booked_by=owner_of(web_container, clinic_id)))
    # 10:00-10:30: the quarter from 09:50 does not fit before it
    calendar = browser.client.get("/calendar").get_data(as_text=True)
    assert "+ Appointment" in calendar
    dialog = browser.client.get(f"/calendar/book?next=1&room_id={room.id}").get_data(
        as_text=True)
    assert 'value="2026-12-03"' in dialog and 'value="10:30"' in dialog


def test_a_drag_books_with_its_length_and_moves_and_stretches_through_the_move_form(
        clinic, web_container):
    browser, rooms, book, today = clinic
    day = today.isoformat()
    # drawn from 14:00 to 14:50 on a desktop: the dialog offers that length
    dialog = browser.client.get(f"/calendar/book?start={day}T14:00&room_id={rooms[0].id}"
                                "&minutes=50").get_data(as_text=True)
    assert 'name="minutes"' in dialog and 'value="50"' in dialog
    assert 'name="minutes"' not in browser.client.get(
        f"/calendar/book?start={day}T14:00&room_id={rooms[0].id}").get_data(as_text=True)
    visit = book(rooms[0], 10)  # 10:00-10:30, draggable: its block says where it is
    page = browser.client.get(f"/calendar?view=day&date={day}").get_data(as_text=True)
    assert (f'data-appointment-id="{visit.id}" data-movable data-start="{day}T10:00" '
            f'data-minutes="30" data-room-id="{rooms[0].id}"') in page
    url = f"/calendar/appointments/{visit.id}/move"
    fields = {"date": day, "time": "10:00", "room_id": str(rooms[0].id),
              "doctor_id": str(visit.doctor_id)}
    stretched = browser.post(url, {**fields, "minutes": "45"}, source="/calendar")
    assert stretched.status_code == 200 and stretched.headers["HX-Trigger"] == "calendar-changed"
    book(rooms[1], 11)
    refused = browser.post(url, {**fields, "room_id": str(rooms[1].id), "time": "10:30"},
                           source="/calendar")  # 10:30-11:15 into room 2's 11:00
    assert refused.status_code == 409
    assert "The room is busy from 11:00 to 11:30." in refused.get_data(as_text=True)
    for wrong in ("abc", "7", "0", "99999", "١٥"):
        bad = browser.post(url, {**fields, "minutes": wrong}, source="/calendar")
        assert bad.status_code == 422, wrong
        assert "in steps of 5 minutes" in bad.get_data(as_text=True)
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        kept = uow.appointments.get(visit.id)  # stretched once; the refusals changed nothing
        assert (kept.room_id, kept.ends_at - kept.starts_at) == (rooms[0].id,
                                                                  timedelta(minutes=45))
    cancelled = book(rooms[2], 12)
    browser.post(f"/calendar/appointments/{cancelled.id}/status", {"status": "cancelled"},
                 source="/calendar")
    page = browser.client.get(f"/calendar?view=day&date={day}").get_data(as_text=True)
    assert f'data-appointment-id="{cancelled.id}" data-movable' not in page
    assert f'data-appointment-id="{cancelled.id}"' in page


def test_a_booking_with_a_drawn_length_keeps_it_and_a_bad_one_is_named(clinic, web_container):
    browser, rooms, _book, today = clinic
    clinic_id = web_container.account_queries().tenants()[0].id
    with web_container.uow(clinic_id) as uow:
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
        doctor = uow.doctors.list()[0]
    form = {"new_name": "Olga", "new_phone": "+14155550123", "date": today.isoformat(),
            "time": "16:00", "room_id": str(rooms[3].id), "doctor_id": str(doctor.id),
            "procedure_ids": str(consultation.id), "confirm_outside_hours": "1",
            "confirm_unusual_day": "1"}
    bad = browser.post("/calendar/book", {**form, "minutes": "3"}, source="/calendar")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "in steps of 5 minutes" in html
    assert 'value="Olga"' in html and 'value="3"' in html  # kept as typed
    booked = browser.post("/calendar/book", {**form, "minutes": "55"}, source="/calendar")
    assert booked.status_code == 200
    start = datetime.combine(today, time(0), MOSCOW)
    [visit] = web_container.calendar_queries().entries(
        clinic_id, start, start + timedelta(days=1), room_id=rooms[3].id)
    assert visit.ends_at - visit.starts_at == timedelta(minutes=55)
    assert visit.patient_name == "Olga"


def test_a_phone_starts_at_the_list_of_today_and_a_desktop_at_the_calendar(clinic):
    browser = clinic[0]
    android = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/156.0.0.0 Mobile Safari/537.36")
    iphone = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1")
    desktop = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/156.0.0.0 Safari/537.36")
    for headers, landing in (
            ({"User-Agent": android}, "/calendar/today"),
            ({"User-Agent": iphone}, "/calendar/today"),
            ({"User-Agent": desktop}, "/calendar"),
            ({"User-Agent": desktop, "Sec-CH-UA-Mobile": "?1"}, "/calendar/today"),
            ({"User-Agent": android, "Sec-CH-UA-Mobile": "?0"}, "/calendar"),  # the hint wins
            ({}, "/calendar")):
        answer = browser.client.get("/", headers=headers)
        assert answer.status_code == 302 and answer.headers["Location"] == landing, headers
