"""The reminder's link page (`/v/<code>`), over HTTP: it shows the visit and nothing of the
patient, takes an answer only with its form's CSRF token, says the same for a wrong code as for
a code that never was, and is rate-limited on reading as well as on answering. The settings
page turns reminders on in one tap and refuses what it should, keeping what was typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from clinic.adapters.sqlalchemy import tables
from clinic.application.ports import ANY_CLINIC
from clinic.domain.patient_messages import MessagingSettings
from clinic.entrypoints.web.app import create_app
from tests.factories import (
    AppointmentFactory,
    ClinicFactory,
    DoctorFactory,
    PatientFactory,
    RoomFactory,
    add,
)
from tests.integration.conftest import csrf_of, make_container, make_settings

START = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                        microsecond=0)


def _reminded(container) -> tuple[str, object]:
    """A clinic with reminders on and one visit, its reminder planned: the link's code."""
    clinic = ClinicFactory(name="Улыбка")
    room = RoomFactory(clinic_id=clinic.id)
    doctor = DoctorFactory(clinic_id=clinic.id, name="Ковалёва А. И.")
    patient = PatientFactory(clinic_id=clinic.id, name="Секретная Пациентка",
                             phone="+79161112233", created_at=START - timedelta(days=3))
    visit = AppointmentFactory(clinic_id=clinic.id, room_id=room.id, doctor_id=doctor.id,
                               patient_id=patient.id, starts_at=START,
                               created_at=START - timedelta(days=3))
    add(container.uow(ANY_CLINIC), clinic, room, doctor,
        MessagingSettings(clinic_id=clinic.id, reminders_on=True))
    add(container.uow(clinic.id), patient, visit)
    assert container.plan_reminders()(now=START - timedelta(hours=23)).queued == 1
    with container.engine().connect() as conn:
        code = conn.execute(select(tables.patient_messages.c.link_code)).scalar_one()
    return code, visit


def _confirmation(container, visit) -> str:
    with container.engine().connect() as conn:
        return conn.execute(select(tables.appointments.c.confirmation).where(
            tables.appointments.c.id == visit.id)).scalar_one().value


def test_the_page_shows_the_visit_and_nothing_of_the_patient(client, web_container):
    code, _ = _reminded(web_container)
    page = client.get(f"/v/{code}", headers={"Accept-Language": "ru"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Улыбка" in html and "Врач: Ковалёва А. И." in html and "Приду" in html
    assert "Секретная" not in html and "1112233" not in html and "111-22-33" not in html
    assert page.headers["Cache-Control"] == "no-store"  # the address is the key: keep it out
    assert page.headers["Referrer-Policy"] == "no-referrer"  # of caches and other sites' logs


def test_an_answer_needs_the_forms_token_and_changes_only_that_visit(client, web_container):
    code, visit = _reminded(web_container)
    refused = client.post(f"/v/{code}", data={"reply": "coming"})
    assert refused.status_code == 400 and _confirmation(web_container, visit) == "none"
    token = csrf_of(client.get(f"/v/{code}").get_data(as_text=True))
    answered = client.post(f"/v/{code}", data={"reply": "coming", "csrf_token": token})
    assert answered.status_code == 303
    assert _confirmation(web_container, visit) == "confirmed"
    thanks = client.get(answered.headers["Location"], headers={"Accept-Language": "ru"})
    assert "Спасибо!" in thanks.get_data(as_text=True)
    nonsense = client.post(f"/v/{code}", data={"reply": "<script>", "csrf_token": token})
    assert nonsense.status_code == 200 and _confirmation(web_container, visit) == "confirmed"


def test_cancelling_asks_first_then_frees_the_time(client, web_container):
    code, _ = _reminded(web_container)
    token = csrf_of(client.get(f"/v/{code}").get_data(as_text=True))
    asked = client.post(f"/v/{code}", data={"reply": "cancel", "csrf_token": token},
                        headers={"Accept-Language": "ru"})
    assert "Отменить визит?" in asked.get_data(as_text=True)
    with web_container.engine().connect() as conn:
        status = conn.execute(select(tables.appointments.c.status)).scalar_one()
    assert status.value == "scheduled"
    done = client.post(f"/v/{code}", data={"reply": "cancel", "sure": "1", "csrf_token": token})
    assert done.status_code == 303
    with web_container.engine().connect() as conn:
        status = conn.execute(select(tables.appointments.c.status)).scalar_one()
    assert status.value == "cancelled"
    again = client.get(f"/v/{code}")
    assert again.status_code == 410  # over: nothing more to answer


def test_a_wrong_code_says_what_a_code_that_never_was_says(client, web_container):
    _reminded(web_container)
    never, malformed = "AAAAAAAAAAAA", "x" * 500
    pages = [client.get(f"/v/{code}") for code in (never, malformed)]
    assert [page.status_code for page in pages] == [404, 404]
    # the same page but for its own address (the language switch links back to it)
    assert (pages[0].get_data(as_text=True).replace(never, "")
            == pages[1].get_data(as_text=True).replace(malformed, ""))


def test_reading_and_answering_are_rate_limited(sqlite_url, tmp_path):
    container = make_container(make_settings(sqlite_url, tmp_path, ratelimit_enabled=True))
    client = create_app(container.settings(), container).test_client()
    codes = [client.get(f"/v/{n:012d}").status_code for n in range(25)]
    assert codes[:20] == [404] * 20 and set(codes[20:]) == {429}
    container.engine().dispose()


def test_reminders_turn_on_in_one_tap_and_bad_settings_keep_what_was_typed(browser):
    browser.sign_up()
    page = browser.client.get("/settings/reminders", headers={"Accept-Language": "ru"})
    assert "Reminders are off" in page.get_data(as_text=True)
    assert "<title>Reminders · Chairside</title>" in page.get_data(as_text=True)
    browser.post("/settings/reminders/switch", {"on": "1"}, source="/settings/reminders")
    page = browser.client.get("/settings/reminders", headers={"Accept-Language": "ru"})
    assert "Reminders are on" in page.get_data(as_text=True)
    bad = browser.post("/settings/reminders", {
        "channels": "email", "day_before_at": "22:30", "same_day_lead_minutes": "120",
        "quiet_from": "21:00", "quiet_to": "9", "reminder_template": "Ждём {clinic} {time}"},
        source="/settings/reminders")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'value="22:30"' in html and "Ждём {clinic} {time}</textarea>" in html
    preview = browser.post("/settings/reminders/preview",
                           {"reminder_template": "{clinic}: {time} {link}"},
                           source="/settings/reminders")
    shown = preview.get_json()
    assert shown["segments"] >= 1 and "/v/" in shown["text"]
