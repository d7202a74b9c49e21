"""The desk's "Today" list in a Russian browser: a late visit is marked in words and the
patient is marked arrived with one tap, at a phone size and a desktop size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import api_token, assert_accessible, book_by_api, shot, sign_up


def test_the_desk_marks_a_late_patient_arrived_from_the_today_list(page):
    email = sign_up(page)
    csrf = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    page.request.post("/language", form={"csrf_token": csrf, "locale": "ru", "next": "/"})
    token = api_token(email)
    now = datetime.now(UTC)
    late = (now - timedelta(minutes=15)).replace(second=0, microsecond=0)
    late -= timedelta(minutes=late.minute % 5)
    book_by_api(page, token, ("Иван Сидоров", "+7 916 123-45-67"), late)
    book_by_api(page, token, ("Ольга Титова", "+7 916 765-43-21"), late + timedelta(hours=2))

    page.goto("/calendar")
    tab = page.locator(".tabbar__link, .sidebar__link").locator("visible=true").filter(
        has_text="Сегодня").first
    tab.click()  # the first tab on a phone, the first entry of the sidebar on a desktop
    expect(page.get_by_role("heading", name="Сегодня")).to_be_visible()
    row = page.locator(".today-row", has_text="Иван Сидоров")
    expect(row).to_have_class("today-row status-scheduled today-row--late")
    expect(row).to_contain_text("Опаздывает на")
    expect(row.get_by_role("link", name="Иван Сидоров")).to_have_attribute(
        "href", "tel:+79161234567")
    expect(row.get_by_role("button", name="Не пришёл")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    shot(page, "27-today-list-ru")

    row.get_by_role("button", name="Пришёл", exact=True).click()
    row = page.locator(".today-row", has_text="Иван Сидоров")
    expect(row.locator(".badge")).to_have_text("Пришёл")
    expect(row).not_to_contain_text("Опаздывает")
    expect(row.get_by_role("button", name="Не пришёл")).to_have_count(0)
    expect(row.get_by_role("button", name="Готово")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    shot(page, "28-today-arrived-ru")
    page.reload()  # it was written, not only drawn
    expect(page.locator(".today-row", has_text="Иван Сидоров").locator(".badge")).to_have_text(
        "Пришёл")
