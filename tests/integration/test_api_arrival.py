"""The API speaks of "arrived" like any other status, and answers a change that waits for the
visit's time ("did not come" before the start) with a 409 that says so."""

from __future__ import annotations

from datetime import UTC, datetime

from dependency_injector import providers

from tests.integration.test_api_appointments import _parties, booking
from tests.unit.fakes import FakeClock

START = "2026-11-24T10:00:00+03:00"  # 07:00 UTC


def test_arrival_and_no_show_follow_the_clock(api, web_container):
    clock = FakeClock(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))  # an hour before the visit
    web_container.clock.override(providers.Object(clock))
    visit = api.post("appointments", json=booking(_parties(api), START)).get_json()
    url = f"appointments/{visit['id']}"
    for status in ("arrived", "no_show"):
        early = api.patch(url, json={"status": status})
        assert early.status_code == 409, early.get_json()
        problem = early.get_json()
        assert problem["type"] == "/api/v1/problems/action-not-allowed"
        assert problem["detail"].startswith(f'Not yet: "{status}" is possible')
    clock.advance(minutes=35)  # 25 minutes before: the patient may be marked arrived
    assert api.patch(url, json={"status": "no_show"}).status_code == 409
    arrived = api.patch(url, json={"status": "arrived"})
    assert arrived.status_code == 200 and arrived.get_json()["status"] == "arrived"
    listed = api.get("appointments?status=arrived").get_json()["items"]
    assert [item["id"] for item in listed] == [visit["id"]]
    refused = api.patch(url, json={"status": "no_show"})  # someone who came is not a no-show
    assert refused.status_code == 409
    assert "Bring it back first" in refused.get_json()["detail"]
