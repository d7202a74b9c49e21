"""The calendar's hour cells and appointment blocks, written in Python for speed: every value a
person typed is escaped, and each cell books its own hour."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from clinic.application.scheduling.queries import CalendarEntry
from clinic.domain.accounts import WorkingHours
from clinic.entrypoints.web.calendar_grid import appointment_blocks, build_week, hour_cells

ZONE = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 11, 30)


def _entry(name: str, procedures: list[str], hour: int = 10) -> CalendarEntry:
    return CalendarEntry(
        id=uuid.UUID(int=7), starts_at=datetime(2026, 11, 30, hour - 3, tzinfo=UTC),
        ends_at=datetime(2026, 11, 30, hour - 3, 30, tzinfo=UTC), status="scheduled",
        patient_id=uuid.uuid4(), patient_name=name, patient_phone="+7 900 000-00-00",
        room_id=uuid.uuid4(), doctor_id=uuid.uuid4(), doctor_name="Dr", doctor_color="#1f77b4",
        procedures=procedures, price_minor=0, currency="RUB", note=None)


def _week(entries: list[CalendarEntry]):
    return build_week(entries, MONDAY, MONDAY, datetime(2026, 11, 30, 6, tzinfo=UTC),
                      WorkingHours.parse("12345", "09:00", "18:00", ZONE.key))


def test_each_hour_cell_books_its_hour_and_closed_hours_are_marked():
    week = _week([])
    monday = week.days[0]
    html = str(hour_cells(monday, week, "/calendar/book", "&amp;room_id=r1",
                          ' data-room-id="r1"', "Book %(day)s at %(time)s", "30 Nov 2026"))
    assert html.count("<button") == len(week.hours) == 9
    assert ('data-start="2026-11-30T09:00" data-room-id="r1" '
            'hx-get="/calendar/book?start=2026-11-30T09%3A00&amp;room_id=r1"') in html
    assert 'aria-label="Book 30 Nov 2026 at 17:00"' in html
    assert "is-closed" not in html  # 09:00–18:00 are all working hours
    early = _week([_entry("Anna", [], hour=7)])  # a visit at 07:00 widens the day
    cells = str(hour_cells(early.days[0], early, "/b", "", "", "%(day)s %(time)s", "d"))
    assert cells.count("is-closed") == 2  # 07:00 and 08:00


def test_what_people_typed_is_escaped_in_labels_and_blocks():
    week = _week([_entry('<script>alert("x")</script>', ["Filling & <polish>"])])
    monday = week.days[0]
    cells = str(hour_cells(monday, week, "/b", "", "", 'Book "%(day)s" <at> %(time)s',
                           "<30 Nov>"))
    assert "<30 Nov>" not in cells and "&lt;30 Nov&gt;" in cells
    assert "&#34;&lt;30 Nov&gt;&#34; &lt;at&gt; 09:00" in cells
    blocks = str(appointment_blocks(monday, "/appointments/{id}"))
    assert "<script>" not in blocks
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in blocks
    assert "Filling &amp; &lt;polish&gt;" in blocks
    assert f'hx-get="/appointments/{uuid.UUID(int=7)}"' in blocks
    assert "10:00–10:30" in blocks and "swatch-border-1f77b4" in blocks
