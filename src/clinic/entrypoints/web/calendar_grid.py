"""Lays a week of appointments out as the page draws it: days, hour cells, positioned blocks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from clinic.application.scheduling.queries import CalendarEntry
from clinic.domain.accounts import WorkingHours

SLOT_MINUTES = 5


@dataclass
class Block:
    entry: CalendarEntry
    top: int  # slots from the top of the first hour shown
    height: int
    lane: int = 0
    lanes: int = 1
    label: str = ""  # "10:00–10:30" in the clinic's zone
    start: str = ""  # "2026-12-08T10:00" in the clinic's zone (where a drag starts from)
    minutes: int = 0


@dataclass
class Day:
    """One column: a day of the week view, or a room of the day view."""

    date: date
    is_today: bool
    is_working: bool
    blocks: list[Block] = field(default_factory=list)
    room_id: uuid.UUID | None = None  # set in the day view: the column's room
    title: str = ""  # the room's name in the day view
    is_focus: bool = False


@dataclass
class Week:
    days: list[Day]
    hours: list[int]
    focus: date
    now_slot: int | None  # the "now" line, when today is shown
    working_from: int
    working_to: int
    legend: list[tuple[str, str]] = field(default_factory=list)  # (doctor, colour) shown


def hour_cells(day: Day, week: Week, book_url: str, query_tail: str, data_attrs: str,
               label: str, day_text: str) -> Markup:
    """A column's hour cells, each a button that opens the booking form at that hour.

    They are most of the page (84 in a week, 140 in a day of ten rooms) and differ only by
    the hour, so they are written here with one template string rather than by Jinja, which
    spent most of the page's time escaping each cell's attributes. `query_tail` ("&room_id=…")
    and `data_attrs` (' data-room-id="…"') come escaped; `label` has `%(day)s` and
    `%(time)s` ("Book %(day)s at %(time)s")."""
    day_iso = day.date.isoformat()
    href = f"{escape(book_url)}?start={day_iso}T"
    label_day = str(escape(label)).replace("%(day)s", str(escape(day_text)))
    cells = []
    for hour in week.hours:
        closed = not day.is_working or not week.working_from <= hour < week.working_to
        hh = f"{hour:02d}:00"
        cells.append(
            f'<button type="button" class="cal__cell{" is-closed" if closed else ""}" '
            f'data-start="{day_iso}T{hh}"{data_attrs} '
            f'hx-get="{href}{hour:02d}%3A00{query_tail}" hx-target="#dialog-body" '
            f'aria-label="{label_day.replace("%(time)s", hh)}">'
            f'<span class="cal__plus" aria-hidden="true">+ {hh}</span></button>')
    return Markup("\n".join(cells))  # noqa: S704 - every value above is escaped or ours


def appointment_blocks(day: Day, appointment_url: str,
                       marks: dict[str, str] | None = None) -> Markup:
    """A column's appointments, each a button that opens its details. `appointment_url` has
    `{id}` where the appointment's id goes; `marks` the words of the patient's answer
    ("confirmed", "reschedule_requested"), shown as a tick or an arrow before the name."""
    marks = marks or {}
    blocks = []
    for block in day.blocks:
        entry = block.entry
        # a visit its status lets move can be dragged (and stretched by its grip) on a desktop
        drag = (f' data-movable data-start="{block.start}" data-minutes="{block.minutes}" '
                f'data-room-id="{entry.room_id}" data-doctor-id="{entry.doctor_id}"'
                if entry.movable() else "")
        grip = '<span class="appt__grip" aria-hidden="true"></span>\n' if drag else ""
        blocks.append(
            f'<button type="button" class="appt t{block.top} h{block.height} '
            f'lane-{block.lane}-of-{block.lanes} swatch-border-{escape(entry.doctor_color[1:])} '
            f'status-{escape(entry.status)}" data-appointment-id="{entry.id}"{drag} '
            f'hx-get="{escape(appointment_url.replace("{id}", str(entry.id)))}" '
            f'hx-target="#dialog-body">\n'
            f'<span class="appt__name">{_mark(entry.confirmation, marks)}'
            f'{escape(entry.patient_name)}</span>\n'
            f'<span class="appt__meta">{escape(block.label)} · '
            f'{escape(", ".join(entry.procedures))}</span>\n{grip}</button>')
    return Markup("\n".join(blocks))  # noqa: S704 - every value above is escaped or ours


_SIGNS = {"confirmed": "✓", "reschedule_requested": "↻"}


def _mark(confirmation: str, marks: dict[str, str]) -> str:
    """The patient's answer as a sign a glance catches, with its words for screen readers."""
    sign = _SIGNS.get(confirmation)
    if sign is None:
        return ""
    words = escape(marks.get(confirmation, confirmation))
    return (f'<span class="appt__mark appt__mark--{confirmation}" title="{words}">'
            f'<span aria-hidden="true">{sign}</span>'
            f'<span class="visually-hidden">{words}. </span></span>')


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def span_utc(first: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds of whole local days (correct across a daylight-saving change)."""
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(first + timedelta(days=days), time(0), zone)
    return start, end


def _hours(entries: Sequence[CalendarEntry], hours: WorkingHours) -> tuple[int, int]:
    """Working hours, widened to show any appointment that starts or ends outside them."""
    zone = hours.zone
    first_hour = hours.opens.hour
    last_hour = hours.closes.hour + (1 if hours.closes.minute else 0)
    for entry in entries:
        local_start = entry.starts_at.astimezone(zone)
        local_end = entry.ends_at.astimezone(zone)
        first_hour = min(first_hour, local_start.hour)
        end_hour = local_end.hour + (1 if local_end.minute else 0)
        if local_end.date() > local_start.date():
            end_hour = 24
        last_hour = max(last_hour, end_hour)
    return first_hour, last_hour


def build_week(entries: Sequence[CalendarEntry], focus: date, today: date, now: datetime,
               hours: WorkingHours) -> Week:
    zone = hours.zone
    first = week_start(focus)
    dates = [first + timedelta(days=i) for i in range(7)]
    by_day: dict[date, list[CalendarEntry]] = {d: [] for d in dates}
    for entry in entries:
        local_day = entry.starts_at.astimezone(zone).date()
        if local_day in by_day:
            by_day[local_day].append(entry)
    days = [Day(d, d == today, hours.is_working_day(d), is_focus=d == focus)
            for d in dates if hours.is_working_day(d) or by_day[d] or d == focus]
    columns = [(day, by_day[day.date]) for day in days]
    return _lay_out(columns, entries, focus, now, hours)


def three_days(focus: date, hours: WorkingHours) -> list[date]:
    """The phone's three days: the focus day and the next two the clinic works (a day off is
    skipped; looked for within a week)."""
    days = [focus]
    ahead = focus
    while len(days) < 3 and ahead < focus + timedelta(days=7):
        ahead += timedelta(days=1)
        if hours.is_working_day(ahead):
            days.append(ahead)
    return days


def build_days(entries: Sequence[CalendarEntry], dates: Sequence[date], focus: date,
               today: date, now: datetime, hours: WorkingHours) -> Week:
    """Some days side by side (the phone's three days), each a column like the week's."""
    zone = hours.zone
    by_day: dict[date, list[CalendarEntry]] = {d: [] for d in dates}
    for entry in entries:
        local_day = entry.starts_at.astimezone(zone).date()
        if local_day in by_day:
            by_day[local_day].append(entry)
    columns = [(Day(d, d == today, hours.is_working_day(d), is_focus=True), by_day[d])
               for d in dates]
    return _lay_out(columns, entries, focus, now, hours)


def build_day(entries: Sequence[CalendarEntry], rooms: Sequence[tuple[uuid.UUID, str]],
              focus: date, today: date, now: datetime, hours: WorkingHours) -> Week:
    """The reception desk's view: one day, every active room side by side."""
    working = hours.is_working_day(focus)
    columns = [(Day(focus, focus == today, working, room_id=room_id, title=name,
                    is_focus=True), [e for e in entries if e.room_id == room_id])
               for room_id, name in rooms]
    return _lay_out(columns, entries, focus, now, hours)


def _lay_out(columns: list[tuple[Day, list[CalendarEntry]]], entries: Sequence[CalendarEntry],
             focus: date, now: datetime, hours: WorkingHours) -> Week:
    zone = hours.zone
    first_hour, last_hour = _hours(entries, hours)
    open_h, close_h = hours.opens.hour, hours.closes.hour
    origin = first_hour * 60
    for day, day_entries in columns:
        for entry in day_entries:
            local_start = entry.starts_at.astimezone(zone)
            minutes = local_start.hour * 60 + local_start.minute - origin
            length = max(1, int((entry.ends_at - entry.starts_at).total_seconds() // 60))
            top = minutes // SLOT_MINUTES
            height = min(max(1, length // SLOT_MINUTES), (last_hour - first_hour) * 12 - top)
            label = f"{local_start:%H:%M}–{entry.ends_at.astimezone(zone):%H:%M}"
            day.blocks.append(Block(entry, top, height, label=label,
                                    start=f"{local_start:%Y-%m-%dT%H:%M}", minutes=length))
        _assign_lanes(day.blocks)
    local_now = now.astimezone(zone)
    now_slot = None
    if first_hour <= local_now.hour < last_hour:
        now_slot = (local_now.hour * 60 + local_now.minute - origin) // SLOT_MINUTES
    legend = sorted({(e.doctor_name, e.doctor_color) for _day, day_entries in columns
                     for e in day_entries if e.status != "cancelled"})
    return Week(days=[day for day, _ in columns], hours=list(range(first_hour, last_hour)),
                focus=focus, now_slot=now_slot, working_from=open_h, working_to=close_h,
                legend=legend)


def _assign_lanes(blocks: list[Block]) -> None:
    """Blocks that overlap (a doctor in two rooms) sit side by side. A cancelled visit takes
    no lane: it is hidden unless asked for, then drawn aside (CSS), never over free time."""
    cluster: list[Block] = []
    cluster_end = -1
    for block in sorted((b for b in blocks if b.entry.status != "cancelled"),
                        key=lambda b: b.top):
        if cluster and block.top >= cluster_end:
            _spread(cluster)
            cluster = []
        cluster.append(block)
        cluster_end = max(cluster_end, block.top + block.height) if len(cluster) > 1 else \
            block.top + block.height
    if cluster:
        _spread(cluster)


def _spread(cluster: list[Block]) -> None:
    lanes_end: list[int] = []
    for block in cluster:
        for index, end in enumerate(lanes_end):
            if block.top >= end:
                block.lane, lanes_end[index] = index, block.top + block.height
                break
        else:
            block.lane = len(lanes_end)
            lanes_end.append(block.top + block.height)
    for block in cluster:
        block.lanes = min(len(lanes_end), 3)
        block.lane = min(block.lane, 2)
