"""Right after sign-up: the room, the doctor (with a photo we upload), the prices, a patient."""

from __future__ import annotations

import re
import uuid

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, emailed_link, shot


def _open_section(page, name: str) -> None:
    if page.viewport_name == "phone" and name not in ("Calendar", "Patients"):
        page.locator(".tabbar").get_by_role("link", name="More").click()
        page.locator("main").get_by_role("link", name=name).click()
    elif page.viewport_name == "phone":
        page.locator(".tabbar").get_by_role("link", name=name).click()
    else:
        page.locator(".sidebar").get_by_role("link", name=name).click()


def test_a_new_clinic_is_ready_to_use(page, tmp_path):
    page.goto("/signup")
    page.get_by_label("Clinic name").fill("Smile Dental")
    page.get_by_label("Your name").fill("Anna Petrova")
    email = f"anna-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse")
    expect(page.get_by_role("radio", name="Yes")).to_be_checked()
    page.get_by_role("button", name="Create clinic").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)
    shot(page, "09-sign-up-sent")
    page.goto(emailed_link(email, "/signup/open/"))
    expect(page.get_by_role("heading", name="Open your clinic")).to_be_visible()
    assert_accessible(page)
    shot(page, "09-open-clinic")
    page.get_by_role("button", name="Open my clinic").click()
    expect(page).to_have_url(re.compile(r"/calendar$"))

    _open_section(page, "Rooms")
    expect(page.locator(".record__title", has_text="Room 1")).to_be_visible()
    assert_accessible(page)
    shot(page, "10-rooms")

    _open_section(page, "Procedures")
    expect(page.get_by_role("rowheader", name="Consultation")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Tooth extraction")).to_be_visible()
    assert_accessible(page)
    shot(page, "11-procedures")

    _open_section(page, "Doctors")
    expect(page.locator(".record__title", has_text="Anna Petrova")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Edit Anna Petrova").click()
    photo = tmp_path / "anna.jpg"
    Image.new("RGB", (1200, 900), (30, 120, 140)).save(photo, "JPEG")
    page.get_by_label("Choose a photo").set_input_files(str(photo))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_text("The photo is saved.")).to_be_visible()
    expect(page.get_by_role("img", name="Photo of Anna Petrova")).to_be_visible()
    assert_accessible(page)
    shot(page, "12-doctor-photo")

    _open_section(page, "Patients")
    expect(page.get_by_text("No patients yet")).to_be_visible()
    assert_accessible(page)
    page.locator("main").get_by_role("link", name="Add patient").first.click()
    page.get_by_label("Name").fill("Иван Петров")
    page.get_by_label("Phone").fill("+1 (415) 555-2671")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("heading", name="Иван Петров")).to_be_visible()
    expect(page.get_by_role("link", name="(415) 555-2671")).to_have_attribute(
        "href", "tel:+14155552671")
    assert_accessible(page)
    shot(page, "13-patient-card")

    page.get_by_role("link", name="All patients").click()
    page.get_by_label("Find a patient").fill("55526")
    expect(page).to_have_url(re.compile(r"q=55526"))
    expect(page.locator("#patient-results").get_by_role("link", name="Иван Петров")).to_be_visible()
    page.get_by_label("Find a patient").fill("zzzz")
    expect(page.get_by_text("Nobody found")).to_be_visible()
    page.get_by_label("Find a patient").fill("петр")
    expect(page.locator("#patient-results").get_by_role("link", name="Иван Петров")).to_be_visible()
    assert_accessible(page)
    shot(page, "14-patient-search")
