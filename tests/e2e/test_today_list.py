"""The desk's "Today" list in a Russian browser: a late visit is marked in words and the
patient is marked arrived with one tap, at a phone size and a desktop size."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import SERVER, assert_accessible, shot, sign_up


def _api_token(email: str) -> str:
    """An operator's token for the clinic that `email` owns (`clinic tokens create`)."""
    engine = create_engine(SERVER["database"])
    try:
        with engine.connect() as conn:
            clinic_id = conn.execute(text(
                "SELECT m.clinic_id FROM memberships m JOIN users u ON u.id = m.user_id "
                "WHERE u.email = :email"), {"email": email}).scalar_one()
    finally:
        engine.dispose()
    env = {**os.environ, "DATABASE_URL": SERVER["database"]}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "clinic.entrypoints.cli", "tokens", "create",
                           str(clinic_id), "--name", "e2e"], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


def _book(page, token: str, patient: tuple[str, str], starts_at: datetime) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    first = {kind: page.request.get(f"/api/v1/{kind}", headers=auth).json()["items"]
             for kind in ("rooms", "doctors", "procedures")}
    made = page.request.post("/api/v1/patients", headers=auth,
                             data={"name": patient[0], "phone": patient[1]})
    assert made.ok, made.text()
    booked = page.request.post("/api/v1/appointments", headers=auth, data={
        "patient_id": made.json()["id"], "room_id": first["rooms"][0]["id"],
        "doctor_id": first["doctors"][0]["id"], "starts_at": starts_at.isoformat(),
        "procedure_ids": [first["procedures"][0]["id"]], "confirm_doctor_overlap": True})
    assert booked.ok, booked.text()


def test_the_desk_marks_a_late_patient_arrived_from_the_today_list(page):
    email = sign_up(page)
    csrf = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    page.request.post("/language", form={"csrf_token": csrf, "locale": "ru", "next": "/"})
    token = _api_token(email)
    now = datetime.now(UTC)
    late = (now - timedelta(minutes=15)).replace(second=0, microsecond=0)
    late -= timedelta(minutes=late.minute % 5)
    _book(page, token, ("Иван Сидоров", "+7 916 123-45-67"), late)
    _book(page, token, ("Ольга Титова", "+7 916 765-43-21"), late + timedelta(hours=2))

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
