"""Paying in test mode from the billing page: the owner asks for an extra chair, completes the
local checkout, and the page shows the new allowance and the payment; and adding a third room
offers the chair it needs, and paying for it brings the room's form back to finish."""

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


def test_a_third_room_is_offered_a_chair_and_created_once_paid(page):
    sign_up(page)
    for name in ("Room 2", "Surgery"):
        page.goto("/rooms/new")
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Save room").click()
    expect(page.get_by_text("A third chair costs $5.00 a month.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Surgery")  # nothing typed is lost
    shot(page, "63-third-chair-offer")
    assert_accessible(page)
    page.get_by_role("button", name="Add a chair for $5.00 a month").click()
    expect(page).to_have_url(re.compile(r"/billing/test-pay/"))
    expect(page.locator("[data-figure=total]")).to_have_text("$5.00")
    page.get_by_role("button", name="Complete payment").click()
    expect(page.get_by_text("Thank you for the payment.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Surgery")
    page.get_by_role("button", name="Save room").click()
    expect(page.get_by_text("Room “Surgery” is saved.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Surgery")).to_be_visible()
    page.goto("/billing")
    expect(page.locator("[data-figure=chairs]")).to_have_text("3 / 3")
    expect(page.locator("[data-figure=monthly]")).to_have_text("$5.00")
    shot(page, "64-billing-third-chair")
