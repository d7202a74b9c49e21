"""The calendar on a phone, in Russian: one row of controls, a three-day view, a swipe that
moves a day, and the date title that opens the month."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, open_page, shot, sign_up_in_russian


@pytest.fixture
def phone(chromium, server):
    page = open_page(chromium, server["url"], "phone", "ru")
    yield page
    page.context.close()


def _swipe(page, from_x: float, to_x: float, y: float) -> None:
    """A real finger: touch events through the DevTools protocol, as a phone sends them."""
    cdp = page.context.new_cdp_session(page)
    start = {"type": "touchStart", "touchPoints": [{"x": from_x, "y": y}]}
    cdp.send("Input.dispatchTouchEvent", start)
    for step in range(1, 6):
        x = from_x + (to_x - from_x) * step / 5
        move = {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        cdp.send("Input.dispatchTouchEvent", move)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_one_row_three_days_a_swipe_and_the_month_picker(phone):
    page = phone
    sign_up_in_russian(page)
    toolbar = page.locator(".cal-toolbar")
    # One row: the arrows, the date, the room picker and 1|3 share a line under 60 px high.
    assert toolbar.bounding_box()["height"] <= 60, toolbar.bounding_box()
    for control in (page.get_by_label("Предыдущий день"), page.locator(".cal-title"),
                    page.locator("#cal-show"), page.get_by_label("Три дня")):
        expect(control).to_be_visible()
    expect(page.locator(".cal-title")).to_contain_text("сегодня")
    shot(page, "73-phone-one-row")

    page.get_by_label("Три дня").click()
    expect(page).to_have_url(re.compile(r"view=3days"))
    heads = page.locator(".cal__day-head:visible")
    expect(heads).to_have_count(3)
    shot(page, "74-phone-three-days")
    assert_accessible(page)

    first = page.locator("[data-focus]").get_attribute("data-focus")
    grid = page.locator("#calendar-grid").bounding_box()
    _swipe(page, grid["x"] + grid["width"] - 30, grid["x"] + 40, grid["y"] + 200)
    expect(page.locator(f'[data-focus="{date.fromisoformat(first) + timedelta(days=1)}"]')
           ).to_be_attached()
    _swipe(page, grid["x"] + 40, grid["x"] + grid["width"] - 30, grid["y"] + 200)
    expect(page.locator(f'[data-focus="{first}"]')).to_be_attached()

    # The month picker's day applies at once (no "Go" button to find).
    later = date.fromisoformat(first) + timedelta(days=9)
    expect(page.get_by_role("button", name="Перейти")).to_be_hidden()
    page.locator("#cal-date").fill(later.isoformat())
    expect(page).to_have_url(re.compile(f"date={later.isoformat()}"))
    expect(page.locator(".cal-title")).not_to_contain_text("сегодня")

    # "All rooms" is in the picker: the day of every room, the controls still one row.
    page.locator("#cal-show").select_option("all")
    expect(page).to_have_url(re.compile(r"view=day"))
    assert toolbar.bounding_box()["height"] <= 60
    shot(page, "75-phone-all-rooms")
