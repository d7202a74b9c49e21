"""The owner invites a colleague by email; the email arrives at a real SMTP server; the
colleague joins as staff from the link in another browser, sees the calendar but not the
reports; the owner removes them and their next click lands on the sign-in page."""

from __future__ import annotations

import re
import time
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, open_page, open_section, shot, sign_up


def _email_to(inbox, address: str):
    for _ in range(100):
        found = [m for m in inbox.messages if m["To"] == address]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no email to {address} arrived")


def test_a_colleague_is_invited_joins_as_staff_and_is_removed(page, chromium, server):
    sign_up(page)
    invitee = f"olga-{uuid.uuid4().hex[:8]}@example.com"
    open_section(page, "Team")
    page.get_by_label("Email").fill(invitee)
    page.get_by_role("button", name="Send the invitation").click()
    # Only the owner is free: the page offers a paid place, and paying brings the form back.
    expect(page.get_by_text("Only the owner is included in the free plan")).to_be_visible()
    shot(page, "39-team-offer")
    page.get_by_role("button", name="Add a place for $1.00 a month").click()
    page.get_by_role("button", name="Complete payment").click()
    expect(page.get_by_label("Email")).to_have_value(invitee)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"The invitation is on its way to {invitee}")).to_be_visible()
    expect(page.get_by_text("Waiting to join")).to_be_visible()
    shot(page, "40-team-invited")
    assert_accessible(page)

    email = _email_to(server["inbox"], invitee)
    assert "Smile Dental" in email["Subject"]
    text = email.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/invite/\S+", text).group(0)

    other = open_page(chromium, server["url"], page.viewport_name)
    other.goto(link)
    expect(other.get_by_role("heading", name="Join Smile Dental")).to_be_visible()
    shot(other, "41-invitation")
    assert_accessible(other)
    other.get_by_label("Your name").fill("Olga Smirnova")
    other.get_by_label("Choose a password").fill("correct horse")
    other.get_by_role("button", name="Join", exact=True).click()
    expect(other).to_have_url(re.compile(r"/calendar"))
    expect(other.get_by_text("Welcome to Smile Dental!")).to_be_visible()
    expect(other.get_by_role("link", name="Reports")).to_have_count(0)
    assert other.goto("/reports").status == 403

    page.reload()
    member = page.locator(f"[data-member='{invitee}']")
    member.get_by_text("Change").click()
    member.get_by_role("link", name="Remove from the clinic").click()
    question = page.get_by_role("heading", name="Remove Olga Smirnova from the clinic?")
    expect(question).to_be_visible()
    shot(page, "42-remove-question")
    page.get_by_role("button", name="Yes, remove Olga Smirnova").click()
    expect(page.get_by_text("Olga Smirnova no longer has access to the clinic.")).to_be_visible()
    expect(page.get_by_text("Access closed: Olga Smirnova")).to_be_visible()

    other.goto("/calendar")  # the colleague's next click
    expect(other).to_have_url(re.compile(r"/signin"))
    other.context.close()
