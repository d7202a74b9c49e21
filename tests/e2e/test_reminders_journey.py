"""Reminders end to end, in Russian: the owner turns them on in three taps from Settings, a
visit is booked for tomorrow, the due reminders run at a pinned clock (`clinic reminders run
--due --at`), the patient opens the link from the printed SMS on a phone and taps «Приду», and
the calendar shows the tick."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import (
    SERVER,
    api_token,
    assert_accessible,
    book_by_api,
    open_page,
    open_section,
    shot,
    sign_up_in_russian,
)


def _clinic_zone(email: str) -> ZoneInfo:
    engine = create_engine(SERVER["database"])
    try:
        with engine.connect() as conn:
            return ZoneInfo(conn.execute(text(
                "SELECT c.timezone FROM clinics c JOIN memberships m ON m.clinic_id = c.id "
                "JOIN users u ON u.id = m.user_id WHERE u.email = :email"),
                {"email": email}).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def desk(chromium, server):
    page = open_page(chromium, server["url"], "desktop", language="ru")
    yield page
    page.context.close()


def test_a_reminder_link_confirms_the_visit_and_the_calendar_ticks_it(desk, chromium):
    page = desk
    email = sign_up_in_russian(page)
    open_section(page, "Настройки")
    page.get_by_role("link", name="Настроить напоминания").click()
    expect(page.get_by_role("heading", name="Напоминания выключены")).to_be_visible()
    page.get_by_role("button", name="Включить напоминания").click()
    expect(page.get_by_role("heading", name="✓ Напоминания включены")).to_be_visible()
    expect(page.get_by_text("Напоминания включены: пациенты получат")).to_be_visible()
    shot(page, "reminders-on")
    assert_accessible(page)

    zone = _clinic_zone(email)
    tomorrow = datetime.now(zone).date() + timedelta(days=1)
    visit = datetime.combine(tomorrow, time(14, 0), zone)
    book_by_api(page, api_token(email), ("Иван Сидоров", "+7 916 123-45-67"), visit)

    # the day's reminder round at 12:00 (two hours before: the visit was booked after 10:00
    # of the day before), as the scheduler would run it then; inline jobs print the SMS
    env = {**os.environ, "DATABASE_URL": SERVER["database"], "BASE_URL": SERVER["url"]}
    env.pop("REDIS_URL", None)
    env.pop("SMTP_HOST", None)
    at = datetime.combine(tomorrow, time(12, 0), zone).isoformat()
    run = subprocess.run([sys.executable, "-m", "clinic.entrypoints.cli", "reminders", "run",
                          "--due", "--at", at], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "queued 1," in run.stdout, run.stdout
    sms = re.search(r"--- sms to \+79161234567 .*?---\n(.+?)\n", run.stdout, re.S)
    assert sms, run.stdout
    assert sms.group(1).startswith("Улыбка: ждём вас ")
    assert " в 14:00, врач " in sms.group(1)
    link = re.search(r"https?://\S+/v/[A-Za-z0-9]{12}", sms.group(1)).group(0)
    assert link.startswith(SERVER["url"] + "/v/")

    phone = open_page(chromium, SERVER["url"], "phone", language="ru")
    try:
        phone.goto(link)
        expect(phone.get_by_text("Улыбка", exact=True)).to_be_visible()
        expect(phone.get_by_role("heading", name=re.compile(r"14:00$"))).to_be_visible()
        shot(phone, "reminder-answer-page")
        assert_accessible(phone)
        phone.get_by_role("button", name="Приду").click()
        expect(phone.get_by_text("Спасибо! Клиника знает, что вы придёте.")).to_be_visible()
        shot(phone, "reminder-answered")
    finally:
        phone.context.close()

    page.goto(f"/calendar?view=day&date={tomorrow.isoformat()}")
    block = page.locator(".appt", has_text="Иван Сидоров")
    expect(block.locator(".appt__mark--confirmed")).to_be_visible()
    expect(block).to_contain_text("Пациент подтвердил")
    shot(page, "reminder-tick-on-calendar")
    block.click()
    dialog = page.locator("#dialog")
    expect(dialog.get_by_text("✓ Пациент подтвердил")).to_be_visible()
    expect(dialog.get_by_text("Ответ: Приду")).to_be_visible()
