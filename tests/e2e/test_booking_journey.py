"""From the landing page to the first appointment drawn, counting every click and typed field."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, emailed_link, shot, sign_up


class Steps:
    """Counts what a person does: each click, tap and field typed is one step."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def click(self, locator, **options) -> None:
        locator.click(**options)
        self.count += 1

    def fill(self, locator, text: str) -> None:
        locator.fill(text)
        self.count += 1


def test_the_first_appointment_is_booked_from_an_empty_cell(page):
    steps = Steps(page)
    page.goto("/")
    steps.fill(page.get_by_label("Clinic name"), "Smile Dental")
    steps.fill(page.get_by_label("Your name"), "Anna Petrova")
    email = f"anna-{uuid.uuid4().hex[:8]}@example.com"
    steps.fill(page.get_by_label("Email"), email)
    steps.fill(page.get_by_label("Password", exact=True), "correct horse")
    steps.click(page.get_by_role("button", name="Create clinic"))
    expect(page.locator("[data-sign-up-sent]")).to_be_visible()
    page.goto(emailed_link(email, "/signup/open/"))  # the link in the email: one tap
    steps.count += 1
    steps.click(page.get_by_role("button", name="Open my clinic"))
    expect(page).to_have_url(re.compile(r"/calendar$"))
    assert_accessible(page)
    shot(page, "20-week-empty")

    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url))
    cell = page.locator(".cal__col.is-focus .cal__cell:not(.is-closed)").nth(2)
    start = cell.get_attribute("data-start")
    steps.click(cell, position={"x": 30, "y": 4})  # the top of the hour: the hour itself
    dialog = page.locator("#dialog")
    expect(dialog.get_by_role("heading", name="New appointment")).to_be_visible()
    expect(dialog.get_by_label("Start")).to_have_value(start[11:16])
    shot(page, "21-new-appointment-dialog")
    # A clinic with no patients yet: the new patient's fields are open from the start.
    steps.fill(dialog.get_by_label("Name"), "Иван Петров")
    steps.fill(dialog.get_by_label("Phone"), "+1 415 555 2671")
    consultation = dialog.locator(".option", has_text="Consultation")
    steps.click(consultation)
    expect(dialog.locator("[data-total]")).to_contain_text("30 min")
    # app.js writes the running total as the server wrote the procedure's price
    price = consultation.locator(".option__meta").inner_text().split(" · ")[-1]
    expect(dialog.locator("[data-total]")).to_contain_text(f", {price}, until")
    assert_accessible(page)
    steps.click(dialog.get_by_role("button", name="Book", exact=True))
    expect(page.locator("#cal-status")).to_have_text("The appointment is in the calendar.")
    expect(dialog).not_to_be_visible()
    block = page.locator("[data-appointment-id]", has_text="Иван Петров")
    expect(block).to_be_visible()
    assert steps.count <= 12, steps.count  # two of them are the emailed link and "Open my clinic"
    assert loads == [], f"the page reloaded during booking: {loads}"
    shot(page, "22-week-booked")

    block.click()
    expect(dialog.get_by_role("heading", name="Иван Петров")).to_be_visible()
    expect(dialog.get_by_role("link", name="(415) 555-2671")).to_have_attribute(
        "href", "tel:+14155552671")
    assert_accessible(page)
    shot(page, "23-appointment-details")
    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()


def test_a_visit_is_moved_then_cancelled_after_a_question_in_words(page):
    sign_up(page)
    page.locator(".cal__col.is-focus .cal__cell:not(.is-closed)").nth(2).click(
        position={"x": 30, "y": 4})
    dialog = page.locator("#dialog")
    dialog.get_by_label("Name").fill("Мария Сидорова")
    dialog.get_by_label("Phone").fill("+1 415 555 2672")
    dialog.locator(".option", has_text="Consultation").click()
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(dialog).not_to_be_visible()

    page.locator("[data-appointment-id]", has_text="Мария Сидорова").click()
    dialog.get_by_role("button", name="Move").click()
    dialog.get_by_label("Start").fill("15:00")
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(dialog.get_by_text("Saved.")).to_be_visible()
    expect(page.locator("[data-appointment-id]", has_text="15:00")).to_be_visible()

    dialog.get_by_role("button", name="Cancel the visit").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Cancel the visit of Мария Сидорова")
    assert_accessible(page)
    shot(page, "24-cancel-question")
    dialog.get_by_role("button", name="Yes, cancel the visit").click()
    expect(dialog.locator(".badge", has_text="Cancelled")).to_be_visible()
    cancelled = page.locator("[data-appointment-id].status-cancelled")
    expect(cancelled).to_be_hidden()  # its time is free again: nothing drawn over it
    dialog.get_by_role("button", name="Close").click()
    page.get_by_role("checkbox", name="Show cancelled").check()  # the one shown
    expect(cancelled).to_be_visible()


def test_the_day_view_of_all_rooms(page):
    sign_up(page)
    page.goto("/rooms/new")
    page.get_by_label("Name").fill("Surgery")
    page.get_by_role("button", name="Save room").click()
    page.goto("/calendar")
    if page.viewport_name == "phone":  # one row of controls: "All rooms" is in the picker
        page.locator("#cal-show").select_option("all")
    else:
        page.get_by_role("link", name="Day, all rooms").click()
    expect(page.locator(".cal__room", has_text="Surgery")).to_be_visible()
    expect(page.locator(".cal__room", has_text="Room 1")).to_be_visible()
    assert_accessible(page)
    shot(page, "25-day-all-rooms")


def test_a_busy_time_is_answered_in_place_and_the_offered_start_books(page):
    """A clash keeps everything typed in the open dialog: only the reason and the nearest
    free start come back, and one tap on it books."""
    sign_up(page)
    cell = page.locator(".cal__col.is-focus .cal__cell:not(.is-closed)").nth(2)
    start = cell.get_attribute("data-start")
    cell.click(position={"x": 30, "y": 4})
    dialog = page.locator("#dialog")
    dialog.get_by_label("Name").fill("Ольга Смирнова")
    dialog.get_by_label("Phone").fill("+1 415 555 2673")
    dialog.locator(".option", has_text="Consultation").click()
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(dialog).not_to_be_visible()

    cell.click(position={"x": 30, "y": 58})  # its free part (an hour is 64 px high)

    dialog.get_by_label("Start").fill(start[11:16])
    expect(dialog.get_by_label("Name")).not_to_be_visible()  # patients exist: a search first
    dialog.get_by_label("Find a patient").fill("Пётр Орлов")  # nobody: the name is carried
    expect(dialog.get_by_label("Name")).to_have_value("Пётр Орлов")
    dialog.get_by_label("Phone").fill("+1 415 555 2674")
    dialog.get_by_label("Note (optional)").fill("после работы")
    dialog.locator(".option", has_text="Consultation").click()
    dialog.get_by_role("button", name="Book", exact=True).click()
    alert = dialog.locator("#booking-outcome [role=alert]")
    expect(alert).to_contain_text("The room is busy")
    expect(dialog.get_by_label("Name")).to_have_value("Пётр Орлов")  # nothing typed is lost
    expect(dialog.get_by_label("Note (optional)")).to_have_value("после работы")
    assert_accessible(page)
    shot(page, "26-busy-time-in-place")
    alert.get_by_role("button", name=re.compile(r"^Use ")).click()
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(dialog).not_to_be_visible()
    expect(page.locator("[data-appointment-id]", has_text="Пётр Орлов")).to_be_visible()


def test_one_tap_books_the_free_minutes_after_a_short_visit_and_a_cancelled_slot(page):
    sign_up(page)
    dialog = page.locator("#dialog")
    cell = page.locator(".cal__col.is-focus .cal__cell:not(.is-closed)").nth(2)
    hour = cell.get_attribute("data-start")[11:13]
    cell.click(position={"x": 30, "y": 4})
    dialog.get_by_label("Name").fill("Анна Короткова")
    dialog.get_by_label("Phone").fill("+1 415 555 2675")
    dialog.locator(".option", has_text="X-ray").click()  # 15 minutes: 45 stay free
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(dialog).not_to_be_visible()

    expect(page.locator("[data-appointment-id]", has_text="Анна Короткова")).to_be_visible()
    cell.click(position={"x": 30, "y": 64 * 40 / 60})  # at :40 (an hour is 64 px high)
    expect(dialog.get_by_label("Start")).to_have_value(f"{hour}:30")  # the clinic's step
    shot(page, "29-tap-in-free-minutes")
    dialog.get_by_label("Find a patient").fill("Борис Свободный")
    dialog.get_by_label("Phone").fill("+1 415 555 2676")
    dialog.locator(".option", has_text="X-ray").click()
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(dialog).not_to_be_visible()
    expect(page.locator("[data-appointment-id]", has_text="Борис Свободный")).to_contain_text(
        f"{hour}:30")

    page.locator("[data-appointment-id]", has_text="Анна Короткова").click()
    dialog.get_by_role("button", name="Cancel the visit").click()
    dialog.get_by_role("button", name="Yes, cancel the visit").click()
    expect(dialog.locator(".badge", has_text="Cancelled")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    cell.click(position={"x": 30, "y": 4})  # where the cancelled visit was: a new booking
    expect(dialog.get_by_role("heading", name="New appointment")).to_be_visible()
    expect(dialog.get_by_label("Start")).to_have_value(f"{hour}:00")


def test_chosen_procedures_show_as_chips_and_the_sheet_scrolls_once(page):
    sign_up(page)
    page.locator(".cal__col.is-focus .cal__cell:not(.is-closed)").nth(2).click(
        position={"x": 30, "y": 4})
    dialog = page.locator("#dialog")
    dialog.locator(".option", has_text="Consultation").click()
    dialog.locator(".option", has_text="X-ray").click()
    chips = dialog.locator("[data-chips] .chip")
    expect(chips).to_have_count(2)
    expect(dialog.locator("[data-total]")).to_contain_text("45 min")
    dialog.get_by_role("button", name="Remove X-ray (one tooth)").click()
    expect(chips).to_have_count(1)
    expect(dialog.locator("[data-total]")).to_contain_text("30 min")
    expect(dialog.locator(".option", has_text="X-ray").locator("input")).not_to_be_checked()
    inner = dialog.locator(".options").evaluate_all(
        "lists => lists.filter(l => l.scrollHeight > l.clientHeight + 1).length")
    assert inner == 0, "a list scrolls inside the scrolling sheet"
    shot(page, "27-procedure-chips")
