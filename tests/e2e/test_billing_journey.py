"""Paying in test mode from the billing page: the owner asks for an extra chair, completes the
local checkout, and the page shows the new allowance and the payment. (Offering to pay when a
third room is added comes with the limits, in a later slice of issue 7.)"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, shot, sign_up


def test_the_owner_pays_for_an_extra_chair_in_test_mode(page):
    sign_up(page)
    page.goto("/billing")
    expect(page.get_by_text("Test mode — no real payment")).to_be_visible()
    expect(page.locator("[data-figure=chairs]")).to_have_text("1 / 2")
    shot(page, "60-billing-free")
    assert_accessible(page)
    page.get_by_label("Extra chairs").fill("1")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page).to_have_url(re.compile(r"/billing/test-pay/"))
    expect(page.locator("[data-figure=total]")).to_have_text("$5.00")
    shot(page, "61-test-checkout")
    assert_accessible(page)
    page.get_by_role("button", name="Complete payment").click()
    expect(page.get_by_text("Paid (test mode).")).to_be_visible()
    expect(page.locator("[data-figure=chairs]")).to_have_text("1 / 3")
    expect(page.locator("[data-figure=monthly]")).to_have_text("$5.00")
    expect(page.get_by_role("cell", name="$5.00")).to_be_visible()
    shot(page, "62-billing-paid")
