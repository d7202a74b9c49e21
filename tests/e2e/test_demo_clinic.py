"""The demo clinic (`clinic demo seed`) in a Russian browser: a busy week, the day of all rooms,
a visit's details and its edit form, and the new-appointment dialog, for a person to look at."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, assert_accessible, open_page, seed_demo, shot
from tests.e2e.narrow import assert_words_whole

EMAIL, PASSWORD = "demo-e2e@chairside.local", "demo-demo-demo"


@pytest.fixture(scope="session")
def demo(server) -> dict[str, str]:
    printed = seed_demo(server, EMAIL, PASSWORD)
    assert EMAIL in printed and PASSWORD in printed
    return server


@pytest.fixture(params=list(VIEWPORTS))
def russian(request, chromium, demo):
    page = open_page(chromium, demo["url"], request.param, "ru")
    yield page
    page.context.close()


def _working_day(start: date) -> date:
    return start if start.isoweekday() != 7 else start + timedelta(days=1)


def test_the_demo_clinic_reads_well_in_russian(russian):
    page = russian
    page.goto("/signin")
    page.get_by_label("Электронная почта").fill(EMAIL)
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"/calendar"))

    page.goto("/calendar?view=week")  # the owner treats patients: her own week comes first
    expect(page.get_by_role("button", name="Показать")).to_be_hidden()  # changes apply at once
    page.locator("#cal-show").select_option(label="Кабинет 1")
    expect(page).to_have_url(re.compile(r"room="))
    expect(page.locator("#cal-show")).to_have_value(re.compile("^room:"))
    drawn = page.locator("[data-appointment-id] >> visible=true")
    expect(drawn.first).to_be_visible()
    assert drawn.count() >= 5
    shot(page, "30-demo-week-ru")
    assert_accessible(page)

    page.goto("/calendar?view=day")
    expect(page.locator(".cal__room").first).to_be_visible()
    shot(page, "31-demo-day-ru")

    page.goto("/calendar?view=week")
    # a visit still to come or done (a no-show's procedures are not changed); which ones are
    # past depends on the hour the test runs
    page.locator(".appt.status-scheduled, .appt.status-done").locator("visible=true").first.click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("heading")).to_be_visible()
    expect(dialog.get_by_text("Процедуры", exact=True)).to_be_visible()
    shot(page, "32-demo-details-ru")
    assert_accessible(page)
    dialog.get_by_role("button", name="Изменить процедуры или цену").click()
    expect(dialog.get_by_text("Процедуры, цена и заметка")).to_be_visible()
    expect(dialog.locator("[data-total]")).to_contain_text("мин")
    shot(page, "33-demo-edit-ru")
    page.keyboard.press("Escape")
    expect(page.locator("dialog[open]")).to_have_count(0)

    later = _working_day(date.today() + timedelta(days=28))  # past the seeded six weeks
    page.goto(f"/calendar?view=week&date={later.isoformat()}")
    column = ".cal__col.is-focus " if page.viewport_name == "phone" else ""
    page.locator(f"{column}.cal__cell:not(.is-closed)").nth(3).click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("heading", name="Новая запись")).to_be_visible()
    shot(page, "34-demo-new-ru")
    assert_accessible(page)
    page.keyboard.press("Escape")

    page.goto("/team")
    expect(page.get_by_role("heading", name="Команда", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Отправить приглашение")).to_be_visible()
    shot(page, "35-demo-team-ru")
    assert_accessible(page)


def test_the_office_pages_of_the_demo_clinic_fit_a_phone_in_russian(russian):
    """The pages besides the calendar, full of the demo's data, for a person to look at; each is
    checked with axe and at 360 px wide (no sideways scroll)."""
    page = russian
    page.goto("/signin")
    page.get_by_label("Электронная почта").fill(EMAIL)
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"/calendar"))

    page.goto("/patients")
    shot(page, "36-demo-patients-ru")
    assert_accessible(page)
    page.locator(".record__title a").first.click()
    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]{36}$"))
    shot(page, "37-demo-patient-ru")
    assert_accessible(page)
    for path, heading, name in [
        ("/settings/audit", "Журнал действий", "38-demo-audit-ru"),
        ("/billing", "Оплата", "39-demo-billing-ru"),
        ("/settings", "Настройки", "41-demo-settings-ru"),
        ("/procedures", "Процедуры", "42-demo-procedures-ru"),
        ("/doctors", "Врачи", "43-demo-doctors-ru"),
        ("/calendar/today", re.compile("^Сегодня"), "44-demo-today-ru"),  # long names, tel: links
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        shot(page, name)
        assert_accessible(page)

    page.goto("/account")
    expect(page.get_by_role("heading", name="Мой аккаунт", exact=True)).to_be_visible()
    shot(page, "40-demo-account-ru")
    assert_accessible(page)
    assert_words_whole(page, ".facts dd:not(.breakable)")  # a long name wraps between words
