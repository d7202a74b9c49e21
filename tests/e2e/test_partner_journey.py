"""Clinic A shares its link; clinic B signs up through it (the promo code already filled in)
and pays in test mode; A's partner page then shows B and 30% of B's payment."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import (
    assert_accessible,
    open_emailed_clinic,
    open_page,
    open_section,
    shot,
    sign_up,
)


def test_a_clinic_shares_its_link_and_earns_from_the_clinic_that_joins(page, chromium, server):
    sign_up(page)
    open_section(page, "Partner program")
    code = page.locator("[data-promo-code]").inner_text().strip()
    assert re.match(r"^SMILE-[A-Z0-9]{4}$", code)
    link = page.get_by_role("textbox", name="Share link").input_value()
    assert link.endswith(f"/signup?promo={code}")
    expect(page.locator("svg.qr")).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    shot(page, "70-partner-empty")
    assert_accessible(page)

    other = open_page(chromium, server["url"], page.viewport_name)
    try:
        other.goto(link)
        expect(other.get_by_label("Promo code (optional)")).to_have_value(code)
        other.get_by_label("Clinic name").fill("Dent Lux")
        other.get_by_label("Your name").fill("Boris Ivanov")
        boris = f"boris-{uuid.uuid4().hex[:8]}@example.com"
        other.get_by_label("Email").fill(boris)
        other.get_by_label("Password", exact=True).fill("correct horse")
        shot(other, "71-signup-with-promo")
        other.get_by_role("button", name="Create clinic").click()
        open_emailed_clinic(other, boris)
        other.goto("/billing")
        other.get_by_label("Extra chairs").fill("1")
        other.get_by_role("button", name="Pay", exact=True).click()
        other.get_by_role("button", name="Complete payment").click()
        expect(other.locator("[data-figure=monthly]")).to_have_text("$5.00")
    finally:
        other.context.close()

    page.reload()
    expect(page.locator("[data-referred]")).to_contain_text("Dent Lux")
    expect(page.locator("[data-figure=balance]")).to_have_text("$1.50")
    expect(page.locator("[data-entry]")).to_contain_text("$1.50")
    shot(page, "72-partner-credited")
    assert_accessible(page)
