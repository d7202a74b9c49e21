"""GET /api/v1/reports/summary: the figures as decimal strings, `to` inclusive, planned apart,
cancelled and no-shows not counted, filters by doctor and room, admins and owners only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers

from tests.integration.conftest import api_sign_up
from tests.unit.fakes import FakeClock

MOSCOW = ZoneInfo("Europe/Moscow")


def test_the_summary_of_a_period(api):
    rooms = api.get("rooms").get_json()["items"]
    second = api.post("rooms", json={"name": "Room 2"}).get_json()
    doctor = api.get("doctors").get_json()["items"][0]
    consultation = next(p for p in api.get("procedures").get_json()["items"]
                        if p["name"] == "Consultation")
    patient = api.post("patients", json={"name": "Ivan", "phone": "+79161234567"}).get_json()
    today = datetime.now(UTC).astimezone(MOSCOW).date()
    past, future = today - timedelta(days=3), today + timedelta(days=3)

    def book(day, hour, room, price=None, status=None):
        body = {"patient_id": patient["id"], "room_id": room, "doctor_id": doctor["id"],
                "starts_at": datetime.combine(day, datetime.min.time(), MOSCOW).replace(
                    hour=hour).isoformat(), "procedure_ids": [consultation["id"]],
                "confirm_doctor_overlap": True}
        if price is not None:
            body["price"] = price
        made = api.post("appointments", json=body)
        assert made.status_code == 201, made.get_json()
        if status:
            api.patch(f"appointments/{made.get_json()['id']}", json={"status": status})

    book(past, 9, rooms[0]["id"])  # 1000.00
    book(past, 10, second["id"], price="500.50")
    book(past, 11, rooms[0]["id"], status="cancelled")
    book(past, 12, rooms[0]["id"], status="no_show")
    book(future, 9, rooms[0]["id"])  # planned
    book(today + timedelta(days=40), 9, rooms[0]["id"])  # outside the period
    period = f"from={past.isoformat()}&to={future.isoformat()}"  # `to` is a whole day
    answer = api.get(f"reports/summary?{period}")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["from"], body["to"], body["currency"]) == (past.isoformat(),
                                                            future.isoformat(), "RUB")
    assert (body["appointments_count"], body["revenue"], body["average_value"]) == (
        2, "1500.50", "750.25")
    assert (body["planned_count"], body["planned_revenue"]) == (1, "1000.00")
    assert body["by_doctor"] == [{"doctor_id": doctor["id"], "name": doctor["name"],
                                  "appointments_count": 2, "revenue": "1500.50"}]
    assert {r["room_id"]: r["revenue"] for r in body["by_room"]} == {
        rooms[0]["id"]: "1000.00", second["id"]: "500.50"}
    one_room = api.get(f"reports/summary?{period}&room_id={second['id']}").get_json()
    assert (one_room["appointments_count"], one_room["revenue"]) == (1, "500.50")
    empty = api.get("reports/summary?from=2020-01-01&to=2020-01-31").get_json()
    assert (empty["appointments_count"], empty["revenue"], empty["average_value"]) == (
        0, "0.00", "0.00")
    assert api.get("reports/summary").status_code == 200  # this month by default


def test_bad_periods_are_422(api):
    for query in ("from=2026-02-01&to=2026-01-01", "from=2020-01-01&to=2026-01-01",
                  "from=2026-13-01&to=2026-12-01", "from=2099-12-31", "from=2020-01-01"):
        answer = api.get(f"reports/summary?{query}")
        assert answer.status_code == 422, query
        assert answer.mimetype == "application/problem+json"


def test_only_from_means_from_that_day_to_today_in_the_clinics_zone(api, web_container):
    now = datetime.now(UTC)  # pinned for the whole test: a run across midnight cannot split it
    web_container.clock.override(providers.Object(FakeClock(now)))
    today = now.astimezone(MOSCOW).date()
    first = today - timedelta(days=10)
    body = api.get(f"reports/summary?from={first.isoformat()}").get_json()
    assert (body["from"], body["to"]) == (first.isoformat(), today.isoformat())
    assert api.get(f"reports/summary?from={today.isoformat()}").get_json()["to"] == \
        today.isoformat()
    tomorrow = api.get(f"reports/summary?from={(today + timedelta(days=1)).isoformat()}")
    assert tomorrow.status_code == 422 and "from" in tomorrow.get_json()["errors"]


def test_only_to_means_from_the_first_of_its_month(api):
    body = api.get("reports/summary?to=2026-11-20").get_json()
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-20")


@pytest.mark.parametrize("query", [
    "from=9999-12-31", "to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=0001-01-31",
    "from=9999-12-01&to=9999-12-31", "from=1999-12-31&to=2000-01-02",
    "to=2100-01-01"])
def test_days_far_outside_the_clinics_books_are_422_not_500(api, query):
    answer = api.get(f"reports/summary?{query}")
    assert answer.status_code == 422, (query, answer.status_code)
    assert answer.mimetype == "application/problem+json"
    assert set(answer.get_json()["errors"]) <= {"from", "to"}


def test_this_month_is_the_pinned_clocks_month_in_the_clinics_zone(client, web_container):
    clock = FakeClock(datetime(2026, 11, 30, 20, 59, 30, tzinfo=UTC))  # 23:59:30 in Moscow
    web_container.clock.override(providers.Object(clock))
    api = api_sign_up(client, web_container, "anna@example.com")
    body = api.get("reports/summary").get_json()
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-30")
    clock.advance(minutes=1)  # December in Moscow, still November in UTC
    body = api.get("reports/summary").get_json()
    assert (body["from"], body["to"]) == ("2026-12-01", "2026-12-31")
