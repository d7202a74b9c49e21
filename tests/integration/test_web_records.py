"""Rooms, doctors, procedures, patients and settings through the pages, as a person uses them."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.acting import owner_of
from tests.integration.conftest import Browser


@pytest.fixture
def owner(client) -> Browser:
    browser = Browser(client)
    browser.sign_up()
    return browser


def _page(browser: Browser, path: str) -> str:
    response = browser.client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _id_in(html: str, kind: str, name: str) -> str:
    block = html.split(name, 1)[1]
    return re.search(rf"/{kind}/([0-9a-f-]{{36}})", block).group(1)


class TestReadyAfterSignUp:
    def test_the_clinic_has_a_room_the_owner_as_doctor_and_a_price_list(self, owner):
        assert "Room 1" in _page(owner, "/rooms")
        assert "Anna Petrova" in _page(owner, "/doctors")
        procedures = _page(owner, "/procedures")
        for name in ("Consultation", "Professional cleaning", "Tooth extraction", "X-ray"):
            assert name in procedures
        assert "$60.00" in procedures  # a consultation, in dollars for an English sign-up

    def test_a_russian_owner_who_does_not_treat_gets_russian_names_and_roubles(self, client):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
        browser = Browser(client)
        browser.sign_up_with({"clinic_name": "Улыбка", "name": "Анна", "password":
                                 "correct horse", "email": "anna@example.com",
                                 "treats_patients": "no"})
        assert "Кабинет 1" in _page(browser, "/rooms")
        assert "Врачей пока нет" in _page(browser, "/doctors")
        procedures = _page(browser, "/procedures")
        assert "Консультация" in procedures and "1\xa0000\xa0₽" in procedures


class TestRooms:
    def test_add_rename_archive_and_restore_a_room(self, owner):
        response = owner.post("/rooms/new", {"name": "Surgery", "address": "Lenina 1"})
        assert response.headers["Location"].endswith("/rooms")
        html = _page(owner, "/rooms")
        assert "Surgery" in html and "Lenina 1" in html
        room_id = _id_in(html, "rooms", "Surgery")
        owner.post(f"/rooms/{room_id}/edit", {"name": "Surgery 2", "address": ""})
        assert "Surgery 2" in _page(owner, "/rooms")
        owner.post(f"/rooms/{room_id}/archive", {}, source="/rooms")
        listed = 'class="record__title">Surgery 2'
        assert listed not in _page(owner, "/rooms")
        assert listed in _page(owner, "/rooms?archived=1")
        owner.post(f"/rooms/{room_id}/restore", {}, source="/rooms")
        assert "Surgery 2" in _page(owner, "/rooms")

    def test_a_second_room_with_the_same_name_is_refused_with_what_was_typed(self, owner):
        response = owner.post("/rooms/new", {"name": "room 1", "address": "Mira 5"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Another room already has this name" in html and 'value="Mira 5"' in html


class TestDoctors:
    def test_add_a_doctor_with_a_picked_colour_then_a_photo(self, owner):
        response = owner.post("/doctors/new", {"name": "Boris Ivanov", "color": ""})
        edit_url = response.headers["Location"]
        assert "/edit" in edit_url
        edit_path = edit_url.split("localhost")[-1]
        image = io.BytesIO()
        Image.new("RGB", (900, 600), "teal").save(image, "JPEG")
        token = owner.token(edit_path)
        doctor_id = re.search(r"/doctors/([0-9a-f-]{36})/", edit_path).group(1)
        response = owner.client.post(f"/doctors/{doctor_id}/photo", data={
            "csrf_token": token, "photo": (io.BytesIO(image.getvalue()), "me.jpg")},
            content_type="multipart/form-data")
        assert response.status_code == 302
        html = _page(owner, edit_path)
        assert "The photo is saved." in html
        photo_url = re.search(r'src="(/doctors/[^"]+/photo/large[^"]*)"', html).group(1)
        photo = owner.client.get(photo_url.replace("&amp;", "&"))
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(photo.data)).size == (640, 640)

    def test_a_file_that_is_not_a_picture_is_refused_kindly(self, owner):
        doctor_id = _id_in(_page(owner, "/doctors"), "doctors", "Anna Petrova")
        token = owner.token(f"/doctors/{doctor_id}/edit")
        response = owner.client.post(f"/doctors/{doctor_id}/photo", data={
            "csrf_token": token, "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "cv.pdf")},
            content_type="multipart/form-data", follow_redirects=True)
        assert "not a photo we can read" in response.get_data(as_text=True)


    @pytest.mark.parametrize("language, words", [
        ("en", "at most 13 megapixels"), ("ru", "не больше 13 мегапикселей")])
    def test_a_photo_of_too_many_pixels_is_refused_with_the_limit_and_nothing_kept(
            self, client, language, words):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language  # the clinic's language
        owner = Browser(client)
        owner.sign_up()
        doctor_id = _id_in(_page(owner, "/doctors"), "doctors", "Anna Petrova")
        bomb = io.BytesIO()
        Image.new("P", (7000, 7000)).save(bomb, "PNG", optimize=True)  # 6 KB, 49 Mpx
        token = owner.token(f"/doctors/{doctor_id}/edit")
        response = owner.client.post(f"/doctors/{doctor_id}/photo", data={
            "csrf_token": token, "photo": (io.BytesIO(bomb.getvalue()), "bomb.png")},
            content_type="multipart/form-data", follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and words in html
        assert "/photo/large" not in html  # no photo shown: none was kept
        assert owner.client.get(f"/doctors/{doctor_id}/photo/large").status_code == 404


class TestProcedures:
    def test_prices_are_typed_as_people_type_them(self, owner):
        response = owner.post("/procedures/new", {"name": "Crown", "price": "12 500,50",
                                                  "duration_minutes": "90"})
        assert response.status_code == 302
        assert "$12,500.50" in _page(owner, "/procedures")

    def test_every_wrong_field_is_named_at_once(self, owner):
        response = owner.post("/procedures/new", {"name": "", "price": "abc",
                                                  "duration_minutes": "7"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'id="f-name-error"' in html and 'id="f-price-error"' in html
        assert 'id="f-duration_minutes-error"' in html and 'value="abc"' in html


class TestPatients:
    def test_add_a_patient_then_find_them_by_phone_digits_and_name(self, owner):
        response = owner.post("/patients/new", {"name": "Иван Петров",
                                                "phone": "+1 415 555 2671", "email": "",
                                                "note": "Allergic to lidocaine"})
        card = owner.client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Иван Петров" in card and "(415) 555-2671" in card and "lidocaine" in card
        found = owner.client.get("/patients?q=5552", headers={"HX-Request": "true"})
        assert "Иван Петров" in found.get_data(as_text=True)
        assert "<html" not in found.get_data(as_text=True)  # htmx gets only the results
        assert "Иван Петров" in _page(owner, "/patients?q=ПЕТР")
        assert "Nobody found" in _page(owner, "/patients?q=Sidorov")

    def test_a_phone_already_on_a_card_is_pointed_out_before_a_second_card(self, owner):
        owner.post("/patients/new", {"name": "Maria Ivanova", "phone": "(415) 555-2671"})
        response = owner.post("/patients/new", {"name": "Masha Ivanova",
                                                "phone": "415 555 2671"})
        html = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "already on the card of Maria Ivanova" in html and 'value="Masha Ivanova"' in html
        response = owner.post("/patients/new", {"name": "Masha Ivanova",
                                                "phone": "415 555 2671",
                                                "allow_duplicate": "1"}, source="/patients/new")
        assert response.status_code == 302
        assert "2 patients" in _page(owner, "/patients?q=Ivanova")

    def test_an_absurd_page_number_says_there_is_no_such_page(self, owner):
        answer = owner.client.get("/patients?page=99999999999999999999")
        assert answer.status_code == 422  # the one pagination rule, as on every list
        assert "There is no such page" in answer.get_data(as_text=True)

    def test_a_wrong_phone_keeps_what_was_typed(self, owner):
        response = owner.post("/patients/new", {"name": "Oleg", "phone": "12",
                                                "email": "oleg@", "note": "x"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "does not look like a phone number" in html and 'value="oleg@"' in html


class TestSettings:
    def test_the_owner_changes_hours_and_country(self, owner):
        response = owner.post("/settings", {
            "name": "Smile Plus", "timezone": "Asia/Yekaterinburg", "currency": "RUB",
            "country": "RU", "locale": "ru", "working_days": ["1", "2", "3", "4", "5"],
            "opens_at": "09:00", "closes_at": "18:30"})
        assert response.status_code == 302
        html = _page(owner, "/settings")
        assert 'value="09:00"' in html and 'value="18:30"' in html
        assert '<option value="Asia/Yekaterinburg" selected' in html

    def test_the_calendars_step_is_a_setting_and_a_tap_books_on_it(self, owner, web_container):
        form = {"name": "Smile", "timezone": "Europe/Moscow", "currency": "RUB",
                "country": "RU", "locale": "ru", "working_days": ["1", "2", "3", "4", "5"],
                "opens_at": "09:00", "closes_at": "18:00"}
        assert '<option value="15" selected' in _page(owner, "/settings")  # by default
        refused = owner.post("/settings", {**form, "booking_step_minutes": "7"})
        assert refused.status_code == 422
        assert "Pick 5, 10 or 15 minutes." in refused.get_data(as_text=True)
        assert owner.post("/settings", {**form, "booking_step_minutes": "5"}).status_code == 302
        assert '<option value="5" selected' in _page(owner, "/settings")
        clinic_id = web_container.account_queries().tenants()[0].id
        with web_container.uow(clinic_id) as uow:
            room = uow.rooms.list()[0]
        dialog = _page(owner, f"/calendar/book?start=2026-12-08T10:07&room_id={room.id}")
        assert 'value="10:05"' in dialog  # at the clinic's 5 minutes, not a quarter
        assert 'data-step="5"' in _page(owner, "/calendar")

    def test_closing_before_opening_is_refused(self, owner):
        response = owner.post("/settings", {
            "name": "Smile", "timezone": "Europe/Moscow", "currency": "USD", "country": "US",
            "locale": "en", "working_days": [], "opens_at": "18:00", "closes_at": "09:00"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Tick at least one working day" in html and "close after it opens" in html


class TestPatientVisits:
    def test_the_card_lists_visits_and_books_the_next_with_the_patient_picked(
            self, owner, web_container):
        from datetime import UTC, datetime, timedelta

        from clinic.application.patients.save import PatientFields
        from clinic.application.scheduling.book import BookingRequest
        from clinic.domain.scheduling import AppointmentStatus

        clinic_id = web_container.account_queries().tenants()[0].id
        patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
            PatientFields("Ivan", "+14155552671"))
        with web_container.uow(clinic_id) as uow:
            room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
            consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
        past = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
        soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        anna = owner_of(web_container, clinic_id)
        for start in (past, past + timedelta(days=7), soon):
            web_container.book_appointment()(clinic_id, BookingRequest(
                patient.id, room.id, doctor.id, start, [consultation.id],
                confirm_outside_hours=True, booked_by=anna))
        visits = web_container.calendar_queries().patient_visits(clinic_id, patient.id)
        web_container.change_appointment_status()(clinic_id, anna, visits[-1].id,
                                                  AppointmentStatus.NO_SHOW)
        card = _page(owner, f"/patients/{patient.id}")
        assert "Coming" in card and "Past" in card and "did not come" in card
        assert "Spent in all: $60.00" in card  # the no-show is not counted
        calendar = _page(owner, f"/calendar?patient={patient.id}")
        book_url = re.search(r'hx-get="(/calendar/book[^"]+)"', calendar).group(1)
        dialog = _page(owner, book_url.replace("&amp;", "&"))
        assert f'value="{patient.id}" checked' in dialog

    def test_coming_and_past_are_split_at_the_containers_clock(self, owner, web_container):
        from datetime import UTC, datetime

        from dependency_injector import providers

        from clinic.application.patients.save import PatientFields
        from clinic.application.scheduling.book import BookingRequest
        from tests.unit.fakes import FakeClock

        clinic_id = web_container.account_queries().tenants()[0].id
        patient = web_container.save_patient()(clinic_id, owner_of(web_container, clinic_id),
            PatientFields("Ivan", "+14155552671"))
        with web_container.uow(clinic_id) as uow:
            room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
            consultation = next(p for p in uow.procedures.list() if p.name == "Consultation")
        start = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
        web_container.book_appointment()(clinic_id, BookingRequest(
            patient.id, room.id, doctor.id, start, [consultation.id],
            confirm_outside_hours=True, booked_by=owner_of(web_container, clinic_id)))
        clock = FakeClock(datetime(2026, 11, 24, 6, 59, tzinfo=UTC))
        web_container.clock.override(providers.Object(clock))
        card = _page(owner, f"/patients/{patient.id}")
        assert "Coming" in card and "Past" not in card
        clock.advance(minutes=2)
        card = _page(owner, f"/patients/{patient.id}")
        assert "Coming" not in card and "Past" in card


class TestPatientMessaging:
    """The card keeps how the patient wants to hear from the clinic and what they refused,
    each refusal with the day it was said (issue 19)."""

    def test_refusals_are_dated_kept_and_taken_back(self, owner, web_container):
        from datetime import UTC, datetime

        from dependency_injector import providers

        from tests.unit.fakes import FakeClock

        clock = FakeClock(datetime(2026, 12, 3, 21, 30, tzinfo=UTC))  # 4 December in Moscow
        web_container.clock.override(providers.Object(clock))
        created = owner.post("/patients/new", {
            "name": "Olga Titova", "phone": "+1 415 555 2671", "preferred_channel": "sms",
            "refuses_advertising": "1"})
        assert created.status_code == 302
        patient_id = created.headers["Location"].rsplit("/", 1)[-1]
        clinic_id = web_container.account_queries().tenants()[0].id
        card = web_container.patient_queries().card(clinic_id, uuid_of(patient_id))
        assert card.preferred_channel == "sms"
        assert card.refused_advertising_on.isoformat() == "2026-12-04"  # the clinic's day
        assert card.refused_notifications_on is None and card.refused_processing_on is None
        page = owner.client.get(f"/patients/{patient_id}").get_data(as_text=True)
        assert "Refuses advertising — since Dec 4, 2026" in page and "Refusals" in page
        assert "Refuses reminders" not in page

        clock.advance(days=5)  # a later visit to the desk
        form = owner.client.get(f"/patients/{patient_id}/edit").get_data(as_text=True)
        assert re.search(r'name="refuses_advertising" value="1" checked', form)
        assert 'value="sms" selected' in form
        owner.post(f"/patients/{patient_id}/edit", {
            "name": "Olga Titova", "phone": "+1 415 555 2671", "preferred_channel": "",
            "refuses_advertising": "1", "refuses_notifications": "1"})
        card = web_container.patient_queries().card(clinic_id, uuid_of(patient_id))
        assert card.preferred_channel is None
        assert card.refused_advertising_on.isoformat() == "2026-12-04"  # kept, not re-dated
        assert card.refused_notifications_on is not None
        owner.post(f"/patients/{patient_id}/edit", {"name": "Olga Titova",
                                                    "phone": "+1 415 555 2671"})
        card = web_container.patient_queries().card(clinic_id, uuid_of(patient_id))
        assert card.refused_advertising_on is None and card.refused_notifications_on is None

    def test_an_unknown_channel_is_named_and_nothing_is_saved(self, owner):
        answer = owner.post("/patients/new", {"name": "Olga Titova",
                                              "phone": "+1 415 555 2671",
                                              "preferred_channel": "pigeon"})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and "Pick one of the ways in the list." in html
        assert 'value="Olga Titova"' in html
        assert "Olga Titova" not in _page(owner, "/patients")

    def test_a_request_without_them_leaves_them_as_they_are(self, owner, web_container):
        from clinic.application.patients.save import Messaging, PatientFields

        clinic_id = web_container.account_queries().tenants()[0].id
        actor = owner_of(web_container, clinic_id)
        save = web_container.save_patient()
        patient = save(clinic_id, actor, PatientFields(
            "Olga Titova", "+1 415 555 2671",
            messaging=Messaging("email", refuses_processing=True)))
        save(clinic_id, actor, PatientFields("Olga Titova-Smirnova", "+1 415 555 2671"),
             patient.id)  # the API's PATCH of a name, say
        card = web_container.patient_queries().card(clinic_id, patient.id)
        assert card.name == "Olga Titova-Smirnova" and card.preferred_channel == "email"
        assert card.refused_processing_on is not None


def uuid_of(text: str):
    import uuid

    return uuid.UUID(text)
