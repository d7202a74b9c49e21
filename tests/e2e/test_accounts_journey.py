"""What a person does first: create a clinic, sign out and in, switch language, reset a password."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import assert_accessible, shot, sign_up


def _email() -> str:
    return f"anna-{uuid.uuid4().hex[:8]}@example.com"


def test_sign_up_sign_out_sign_in_and_switch_language(page):
    email = _email()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signup$"))
    expect(page.get_by_role("heading", name="Create your clinic")).to_be_visible()
    assert_accessible(page)
    shot(page, "01-sign-up")

    page.get_by_label("Password", exact=True).fill("secret-ish")
    show = page.get_by_role("button", name="Show password")
    show.click()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("type", "text")
    page.get_by_role("button", name="Hide password").click()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("type", "password")

    sign_up(page, email)
    expect(page.get_by_role("heading", name="Calendar", exact=True)).to_be_visible()
    expect(page.get_by_text("Welcome! Your clinic is ready.")).to_be_visible()
    assert_accessible(page)
    shot(page, "02-calendar")

    if page.viewport_name == "phone":
        expect(page.locator(".tabbar")).to_be_visible()
        page.get_by_role("link", name="More").click()
        page.get_by_role("link", name="My account").click()
    else:
        expect(page.locator(".sidebar")).to_be_visible()
        page.locator(".sidebar").get_by_role("link", name="Anna Petrova").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    assert_accessible(page)
    shot(page, "03-account")
    page.get_by_role("button", name="Sign out on this device").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert_accessible(page)
    shot(page, "04-sign-in")

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email or the password is wrong")
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_label("Password", exact=True).fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    # a phone starts at the desk's list of today's visits; a desktop at the calendar
    landing = r"/calendar/today$" if page.viewport_name == "phone" else r"/calendar$"
    expect(page).to_have_url(re.compile(landing))

    page.goto("/account")
    page.locator("main").get_by_role("button", name="Русский").click()
    expect(page.get_by_role("heading", name="Мой аккаунт")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.goto("/calendar")
    expect(page.get_by_role("heading", name="Календарь", exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, "05-calendar-ru")
    page.goto("/account")
    page.locator("main").get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()


def test_a_wrong_sign_up_keeps_what_was_typed_and_says_what_to_fix(page):
    page.goto("/signup")
    page.get_by_label("Clinic name").fill("Smile Dental")
    page.get_by_label("Email").fill("anna@")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create clinic").click()
    expect(page.get_by_role("alert")).to_contain_text("Please fix 3 fields")
    expect(page.get_by_label("Clinic name")).to_have_value("Smile Dental")
    expect(page.get_by_label("Email")).to_have_value("anna@")
    expect(page.locator("#f-name-error")).to_have_text("Please fill this in.")
    expect(page.locator("#f-email-error")).to_contain_text("does not look like an email")
    expect(page.locator("#f-password-error")).to_contain_text("at least 8 characters")
    expect(page.get_by_label("Your name")).to_be_focused()
    assert_accessible(page)
    shot(page, "06-sign-up-errors")


def test_a_russian_browser_gets_russian_at_once(chromium, server):
    context = chromium.new_context(locale="ru-RU", base_url=server["url"],
                                   viewport={"width": 390, "height": 844},
                                   extra_http_headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    page = context.new_page()
    page.viewport_name = "phone"
    page.goto("/signup")
    expect(page.get_by_role("heading", name="Создайте свою клинику")).to_be_visible()
    assert_accessible(page)
    shot(page, "07-sign-up-ru")
    context.close()


def test_a_forgotten_password_is_reset_through_the_emailed_link(page, server):
    email = _email()
    sign_up(page, email)
    page.context.clear_cookies()
    page.goto("/signin")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    engine = create_engine(server["database"])
    with engine.connect() as conn:
        body = conn.execute(text("SELECT text FROM outbox WHERE recipient = :to "
                                 "AND text LIKE '%/reset/%'"), {"to": email}).scalar_one()
    engine.dispose()
    link = re.search(r"https?://\S+/reset/\S+", body).group(0)
    page.goto(link)
    assert_accessible(page)
    shot(page, "08-new-password")
    page.get_by_label("New password").fill("a much better one")
    page.get_by_role("button", name="Save the new password").click()
    landing = r"/calendar/today$" if page.viewport_name == "phone" else r"/calendar$"
    expect(page).to_have_url(re.compile(landing))
    expect(page.get_by_text("Your new password is set.")).to_be_visible()
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
