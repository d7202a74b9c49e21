"""A page's number of SQL statements must not grow with the data."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.acting import owner_of
from tests.integration.conftest import Browser
from tests.licences import grant_licence


@contextmanager
def count_statements(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):  # SQLite's explicit transaction start
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_a_signed_in_page_costs_the_same_statements_with_one_clinic_or_many(app, web_container):
    browser = Browser(app.test_client())
    browser.sign_up()
    engine = web_container.engine()
    with count_statements(engine) as first:
        assert browser.client.get("/account").status_code == 200
    for i in range(20):
        Browser(app.test_client()).sign_up(email=f"other{i}@example.com", clinic=f"Clinic {i}")
    with count_statements(engine) as later:
        assert browser.client.get("/account").status_code == 200
    assert len(later) == len(first) <= 2


def test_list_pages_cost_the_same_statements_with_few_records_or_many(app, web_container):
    from clinic.application.catalog.rooms import RoomFields
    from clinic.application.patients.save import PatientFields

    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    grant_licence(web_container, clinic_id, chairs=60)  # rooms are added by the dozen
    pages = ["/rooms", "/doctors", "/procedures", "/patients", "/patients?q=ann", "/settings"]
    engine = web_container.engine()

    def counts() -> list[int]:
        result = []
        for page in pages:
            with count_statements(engine) as statements:
                assert browser.client.get(page).status_code == 200, page
            result.append(len(statements))
        return result

    def add(start: int) -> None:
        for i in range(start, start + 30):
            web_container.save_room()(clinic_id, owner_of(web_container, clinic_id),
                RoomFields(f"Room {i + 2}"))
            web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
                PatientFields(f"Anna {i}",
                                                                  f"+1415555{i:04d}"))

    add(0)  # more than a page of patients, so the count query is in both measurements
    before = counts()
    add(30)
    assert counts() == before
    assert max(before) <= 3


def test_the_week_page_costs_the_same_statements_with_one_appointment_or_sixty(
        app, web_container):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from clinic.application.patients.save import PatientFields
    from clinic.application.scheduling.book import BookingRequest

    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with web_container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    zone = ZoneInfo("Europe/Moscow")
    today = datetime.now(UTC).astimezone(zone).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()),
                              datetime.min.time(), zone)

    def book(n: int) -> None:
        day, slot = divmod(n, 12)
        web_container.book_appointment()(clinic_id, BookingRequest(
            patient.id, room.id, doctor.id, monday + timedelta(days=day, hours=8 + slot),
            [consultation.id], booked_by=owner_of(web_container, clinic_id)))

    book(0)
    engine = web_container.engine()
    browser.client.get("/calendar")  # the first visit also remembers the view chosen (one write)
    with count_statements(engine) as first:
        assert browser.client.get("/calendar").status_code == 200
    for n in range(1, 60):
        book(n)
    with count_statements(engine) as later:
        page = browser.client.get("/calendar")
    assert page.status_code == 200 and page.get_data(as_text=True).count(
        "data-appointment-id") == 60
    assert len(later) == len(first)


def test_the_day_view_of_ten_rooms_and_a_patients_card_cost_the_same_with_1_or_50_visits(
        app, web_container):
    """The day view reads every room's visits in one statement, and a card lists its visits in
    one: neither grows with the number of visits (nor the day view with the rooms)."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from clinic.application.catalog.rooms import RoomFields
    from clinic.application.patients.save import PatientFields
    from clinic.application.scheduling.book import BookingRequest

    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    grant_licence(web_container, clinic_id, chairs=8)
    for number in range(2, 11):
        web_container.save_room()(clinic_id, owner_of(web_container, clinic_id),
            RoomFields(f"Room {number}"))
    patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with web_container.uow(clinic_id) as uow:
        rooms, doctor = uow.rooms.list(), uow.doctors.list()[0]
        consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
    zone = ZoneInfo("Europe/Moscow")
    today = datetime.now(UTC).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    day = datetime.combine(monday, datetime.min.time(), zone)

    def book(n: int) -> None:
        room, slot = divmod(n, 5)
        web_container.book_appointment()(clinic_id, BookingRequest(
            patient.id, rooms[room].id, doctor.id, day + timedelta(hours=9 + 2 * slot),
            [consultation.id], confirm_doctor_overlap=True,
            booked_by=owner_of(web_container, clinic_id)))

    pages = [f"/calendar?view=day&date={monday.isoformat()}", f"/patients/{patient.id}"]
    engine = web_container.engine()

    def measure() -> list[int]:
        result = []
        for page in pages:
            browser.client.get(page)  # the first visit may remember the view chosen
            with count_statements(engine) as statements:
                assert browser.client.get(page).status_code == 200, page
            result.append(len(statements))
        return result

    book(0)
    first = measure()
    for n in range(1, 50):
        book(n)
    later = measure()
    day_page = browser.client.get(pages[0]).get_data(as_text=True)
    assert day_page.count("data-appointment-id") == 50
    assert later == first


def test_the_unconfirmed_list_and_the_reminder_settings_cost_the_same_with_1_or_31_visits(
        app, web_container):
    from datetime import UTC, datetime, timedelta

    from clinic.application.ports import ANY_CLINIC
    from clinic.domain.messaging import Channel, MessageKind
    from clinic.domain.patient_messages import MessageStatus, MessagingSettings, PatientMessage
    from tests.factories import (
        AppointmentFactory,
        DoctorFactory,
        PatientFactory,
        RoomFactory,
        add,
    )

    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    room = RoomFactory(clinic_id=clinic_id, name="Reminders room")  # not a starter name
    doctor = DoctorFactory(clinic_id=clinic_id)
    add(web_container.uow(ANY_CLINIC), room, doctor,
        MessagingSettings(clinic_id=clinic_id, reminders_on=True))
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=12, minute=0, second=0,
                                                               microsecond=0)

    def visits(count: int, first: int) -> None:
        for n in range(first, first + count):
            patient = PatientFactory(clinic_id=clinic_id, phone=f"+1415555{n:04d}")
            visit = AppointmentFactory(clinic_id=clinic_id, room_id=room.id,
                                       doctor_id=doctor.id, patient_id=patient.id,
                                       starts_at=tomorrow + timedelta(minutes=5 * n))
            add(web_container.uow(clinic_id), patient, visit)
            with web_container.uow(clinic_id) as uow:
                uow.messages.add(PatientMessage(
                    clinic_id=clinic_id, patient_id=patient.id, appointment_id=visit.id,
                    kind=MessageKind.REMINDER, key=f"{visit.id}:reminder:1",
                    created_at=tomorrow - timedelta(days=1), channel=Channel.SMS,
                    status=MessageStatus.SENT, sent_at=tomorrow - timedelta(days=1),
                    cost_minor=174))
                uow.commit()

    pages = ["/calendar/unconfirmed", "/settings/reminders"]
    engine = web_container.engine()

    def counts() -> list[int]:
        result = []
        for page in pages:
            with count_statements(engine) as statements:
                assert browser.client.get(page).status_code == 200, page
            result.append(len(statements))
        return result

    visits(1, 0)
    before = counts()
    visits(30, 1)
    assert counts() == before
    assert before[0] <= 5 and before[1] <= 8  # the list; the settings with their preview
