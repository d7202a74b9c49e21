"""Lays a week of appointments out as the page draws it: days, hour cells, positioned blocks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic.application.scheduling.queries import CalendarEntry

SLOT_MINUTES = 5


@dataclass
class Block:
    entry: CalendarEntry
    top: int  # slots from the top of the first hour shown
    height: int
    lane: int = 0
    lanes: int = 1
    label: str = ""  # "10:00–10:30" in the clinic's zone


@dataclass
class Day:
    date: date
    is_today: bool
    is_working: bool
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Week:
    days: list[Day]
    hours: list[int]
    focus: date
    now_slot: int | None  # the "now" line, when today is shown
    working_from: int
    working_to: int


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def span_utc(first: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds of whole local days (correct across a daylight-saving change)."""
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(first + timedelta(days=days), time(0), zone)
    return start, end


def _hhmm(text: str) -> tuple[int, int]:
    hours, minutes = text.split(":")
    return int(hours), int(minutes)


def build_week(entries: Sequence[CalendarEntry], focus: date, today: date, now: datetime,
               zone: ZoneInfo, working_days: Sequence[int], opens_at: str,
               closes_at: str) -> Week:
    first = week_start(focus)
    dates = [first + timedelta(days=i) for i in range(7)]
    open_h, _ = _hhmm(opens_at)
    close_h, close_m = _hhmm(closes_at)
    first_hour, last_hour = open_h, close_h + (1 if close_m else 0)
    by_day: dict[date, list[CalendarEntry]] = {d: [] for d in dates}
    for entry in entries:
        local_start = entry.starts_at.astimezone(zone)
        local_end = entry.ends_at.astimezone(zone)
        if local_start.date() in by_day:
            by_day[local_start.date()].append(entry)
            first_hour = min(first_hour, local_start.hour)
            end_hour = local_end.hour + (1 if local_end.minute else 0)
            if local_end.date() > local_start.date():
                end_hour = 24
            last_hour = max(last_hour, end_hour)
    days = [Day(d, d == today, d.isoweekday() in working_days) for d in dates
            if d.isoweekday() in working_days or by_day[d] or d == focus]
    origin = first_hour * 60
    for day in days:
        for entry in by_day[day.date]:
            local_start = entry.starts_at.astimezone(zone)
            minutes = local_start.hour * 60 + local_start.minute - origin
            length = max(1, int((entry.ends_at - entry.starts_at).total_seconds() // 60))
            top = minutes // SLOT_MINUTES
            height = min(max(1, length // SLOT_MINUTES), (last_hour - first_hour) * 12 - top)
            label = f"{local_start:%H:%M}–{entry.ends_at.astimezone(zone):%H:%M}"
            day.blocks.append(Block(entry, top, height, label=label))
        _assign_lanes(day.blocks)
    local_now = now.astimezone(zone)
    now_slot = None
    if local_now.date() in dates and first_hour <= local_now.hour < last_hour:
        now_slot = (local_now.hour * 60 + local_now.minute - origin) // SLOT_MINUTES
    return Week(days=days, hours=list(range(first_hour, last_hour)), focus=focus,
                now_slot=now_slot, working_from=open_h, working_to=close_h)


def _assign_lanes(blocks: list[Block]) -> None:
    """Blocks that overlap (a doctor in two rooms, a cancelled visit) sit side by side."""
    active = [b for b in blocks if b.entry.status != "cancelled"] + [
        b for b in blocks if b.entry.status == "cancelled"]
    cluster: list[Block] = []
    cluster_end = -1
    for block in sorted(active, key=lambda b: (b.top, b.entry.status == "cancelled")):
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
