"""Bad input on pages: a control character in any field or search, a day or a page number out
of range. Each is a 422 that says what to fix in the person's language, writes nothing, and
never a 500 (a NUL reached PostgreSQL before). Both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import Browser


@pytest.fixture
def app(container):
    return create_app(container.settings(), container)


@pytest.fixture
def owner(app) -> Browser:
    browser = Browser(app.test_client())
    browser.sign_up()
    return browser


def _count(container, table) -> int:
    with container.engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


NUL = "Ivan\x00Petrov"


def test_a_nul_in_sign_in_or_sign_up_is_a_422_that_says_so(app, container):
    visitor = Browser(app.test_client())
    signed_in = visitor.sign_in(email="anna\x00@example.com")
    assert signed_in.status_code == 422
    assert "invisible control characters" in signed_in.get_data(as_text=True)
    signed_up = visitor.post("/signup", {"clinic_name": "Smile\x00", "name": "Anna",
                                         "email": "anna@example.com",
                                         "password": "correct horse"})
    assert signed_up.status_code == 422
    assert _count(container, tables.pending_signups) == 0
    assert _count(container, tables.outbox) == 0


def test_a_nul_in_a_patient_form_stores_nothing_and_says_what_to_do(owner, container):
    answer = owner.post("/patients/new", {"name": NUL, "phone": "+79161234567"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Go back and fix it" in page and "data-history-back" in page
    assert _count(container, tables.patients) == 0


def test_a_nul_in_the_patient_search_is_a_422(owner):
    assert owner.client.get("/patients?q=Iv%00an").status_code == 422


def test_the_words_are_in_the_persons_language(app):
    visitor = Browser(app.test_client())
    visitor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    page = visitor.sign_in(email="anna\x01@example.com").get_data(as_text=True)
    assert "невидимые управляющие символы" in page and "Вернуться и исправить" in page


def test_a_dialog_form_gets_the_words_where_its_form_was(owner):
    answer = owner.client.post("/calendar/book", data={"note": NUL},
                               headers={"HX-Request": "true",
                                        "X-CSRFToken": owner.token("/calendar")})
    assert answer.status_code == 422
    assert answer.get_data(as_text=True).lstrip().startswith('<div class="alert')


@pytest.mark.parametrize("path", [
    "/calendar?date=9999-12-31", "/calendar?date=0001-01-01", "/calendar?view=day&date=9999-12-31",
    "/settings/audit?to=9999-12-31", "/settings/audit?from=0001-01-01",
    "/settings/audit?from=2026-05-01&to=2026-04-01",
])
def test_days_far_outside_the_clinics_books_are_a_422_with_the_allowed_years(owner, path):
    answer = owner.client.get(path)
    assert answer.status_code == 422, path
    page = answer.get_data(as_text=True)
    assert "between the years 2000 and 2099" in page or "must not come before" in page


@pytest.mark.parametrize("path", [
    "/settings/audit?page=99999999999999999999", "/partner?page=99999999999999999999",
    "/patients?page=99999999999999999999", "/settings/audit?page=-1",
])
def test_absurd_page_numbers_are_a_422(owner, path):
    answer = owner.client.get(path)
    assert answer.status_code == 422, path
    assert "There is no such page" in answer.get_data(as_text=True)


def test_ordinary_days_and_pages_still_open(owner):
    for path in ("/calendar?date=2026-12-03", "/calendar?date=not-a-date",
                 "/settings/audit?from=2026-01-01&to=2026-12-31&page=2", "/partner?page=1",
                 "/patients?page=3"):
        assert owner.client.get(path).status_code == 200, path


@pytest.mark.parametrize("start", ["9999-12-31T23:30", "0001-01-01T00:00"])
def test_the_booking_dialog_refuses_days_far_outside_the_books(owner, start):
    room = "00000000-0000-4000-8000-000000000001"
    answer = owner.client.get(f"/calendar/book?start={start}&room_id={room}",
                              headers={"HX-Request": "true"})
    assert answer.status_code == 422
    assert "between the years 2000 and 2099" in answer.get_data(as_text=True)
