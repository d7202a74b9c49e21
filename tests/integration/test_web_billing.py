"""The billing page in test mode: pay through the local checkout, see the new allowance and the
payment; wrong numbers keep what was typed; lowering below what is in use says what to do."""

from __future__ import annotations

import re

from clinic.application.catalog.rooms import RoomFields
from tests.acting import owner_of
from tests.integration.conftest import Browser
from tests.licences import grant_licence


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_owner_pays_in_test_mode_and_the_allowance_rises(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    page = _text(owner.client.get("/billing"))
    assert "Test mode — no real payment" in page
    assert re.search(r'data-figure="chairs">1 / 2<', page)
    bad = owner.post("/billing/plan", {"chairs": "two", "seats": "1"}, source="/billing")
    assert bad.status_code == 422 and 'value="two"' in _text(bad)
    start = owner.post("/billing/plan", {"chairs": "1", "seats": "2"}, source="/billing")
    assert start.status_code == 302 and "/billing/test-pay/" in start.headers["Location"]
    checkout = start.headers["Location"]
    shown = _text(owner.client.get(checkout))
    assert "Complete payment" in shown and "$7.00" in shown
    paid = owner.post(checkout, {}, source=checkout)
    assert paid.status_code == 302
    after = _text(owner.client.get("/billing"))
    assert re.search(r'data-figure="chairs">1 / 3<', after)
    assert re.search(r'data-figure="monthly">\$7.00<', after) and "$7.00" in after
    assert owner.post(checkout, {}, source="/billing").status_code == 302  # nothing twice
    assert _text(owner.client.get("/billing")).count("<td class=\"num\">$7.00</td>") == 1


def test_lowering_below_what_is_in_use_says_what_to_archive(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    grant_licence(web_container, clinic_id, chairs=1)  # as if paid earlier
    for name in ("Room 2", "Room 3"):
        web_container.save_room()(clinic_id, owner_of(web_container, clinic_id), RoomFields(name))
    refused = owner.post("/billing/plan", {"chairs": "0", "seats": "0"}, source="/billing")
    assert refused.status_code == 422 and "archive 1 room(s)" in _text(refused)


def test_in_test_mode_there_is_no_card_to_manage(app):
    owner = Browser(app.test_client())
    owner.sign_up()
    answer = owner.post("/billing/card", {}, source="/billing")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/billing")
    assert "no card to manage" in _text(owner.client.get("/billing"))
