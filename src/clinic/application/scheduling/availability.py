"""The availability service: is this room usable and free, is this doctor busy, the nearest
free start, the first free moment of a window and the free intervals of a room or a doctor on a
day. Booking, changing a visit, the booking dialog and the calendar all ask here; the rules
themselves are the domain's (`domain/availability.py`, `WorkingHours`).

Two sides, one set of rules: `ensure_free` and `room_unusable` run inside the writing unit of
work (what booking checks must be what it commits); `FreeTime` answers the pages from the read
model."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from clinic.application.billing.allowance import frozen_rooms
from clinic.application.ports import UnitOfWork
from clinic.application.scheduling.queries import CalendarQueries
from clinic.domain.accounts import WorkingHours
from clinic.domain.availability import (
    first_clash,
    floor_to,
    free_intervals,
    nearest_free_start,
    next_free_start,
    tapped_start,
)
from clinic.domain.scheduling import (
    SEARCH_HORIZON,
    STEP,
    DoctorBusy,
    OutsideWorkingHours,
    RoomAlreadyBooked,
    TimeRange,
)


def room_unusable(uow: UnitOfWork, room_id: uuid.UUID) -> str | None:
    """Why no new visit can go into this room, or None: not the clinic's or archived
    (`room_unavailable`), or beyond the paid chairs since a lapse (`room_frozen`). One read of
    the clinic's rooms serves both questions."""
    rooms = uow.rooms.list(include_archived=True)
    room = next((r for r in rooms if r.id == room_id), None)
    if room is None or room.archived:
        return "room_unavailable"
    if room.id in frozen_rooms(uow, room.clinic_id, [r for r in rooms if not r.archived]):
        return "room_frozen"
    return None


def ensure_free(uow: UnitOfWork, wanted: TimeRange, room_id: uuid.UUID, doctor_id: uuid.UUID,
                confirmed: bool, excluding: uuid.UUID | None = None,
                hours: WorkingHours | None = None, outside_hours_confirmed: bool = True) -> bool:
    """Raise RoomAlreadyBooked (with the nearest start that fits, inside working hours when
    they are given), then, unless confirmed, OutsideWorkingHours and DoctorBusy; return
    whether the doctor is double-booked (with confirmation). One query when the room is
    free; a clash reads the room's days around for the nearest free start."""
    room_busy, doctor_busy = uow.appointments.taken(
        room_id=room_id, doctor_id=doctor_id, within=wanted, excluding=excluding)
    clash = first_clash(wanted, room_busy)
    if clash is not None:
        window = TimeRange(wanted.start - SEARCH_HORIZON, wanted.end + SEARCH_HORIZON)
        around = uow.appointments.busy(room_id=room_id, within=window, excluding=excluding)
        offer = nearest_free_start(
            wanted, around,
            allowed=(lambda span: hours.contains(span.start, span.end)) if hours else None,
            openings=hours.openings((wanted.start - SEARCH_HORIZON).astimezone(hours.zone).date(),
                                    (2 * SEARCH_HORIZON).days + 1) if hours else ())
        raise RoomAlreadyBooked(clash, offer)
    if (hours is not None and not outside_hours_confirmed
            and not hours.contains(wanted.start, wanted.end)):
        raise OutsideWorkingHours()
    if doctor_busy and not confirmed:
        raise DoctorBusy(doctor_busy)
    return bool(doctor_busy)


class FreeTime:
    """Free time for the pages, from the read model (no unit of work is opened)."""

    def __init__(self, calendar: CalendarQueries) -> None:
        self.calendar = calendar

    def tapped_start(self, clinic_id: uuid.UUID, tapped: datetime, step: timedelta, *,
                     room_id: uuid.UUID | None = None,
                     doctor_id: uuid.UUID | None = None) -> datetime:
        """Where a tap on a room's (or a doctor's) calendar at that time books (the domain's
        rule); with neither, the tapped time at the step."""
        start = floor_to(tapped, step)
        if room_id is None and doctor_id is None:
            return start
        busy = self.calendar.busy(clinic_id, room_id=room_id, doctor_id=doctor_id,
                                  within=TimeRange(start, start + timedelta(hours=1)))
        return tapped_start(tapped, busy, step)

    def next_free_start(self, clinic_id: uuid.UUID, room_id: uuid.UUID, now: datetime,
                        hours: WorkingHours, step: timedelta,
                        days: int = 14) -> datetime | None:
        """The room's next free start from now, within working hours, at most `days` ahead
        (one query: the whole span's held times)."""
        local = now.astimezone(hours.zone).date()
        spans = [(day, hours.open_on(day)) for day in
                 (local + timedelta(days=n) for n in range(days))]
        opened = [(day, span) for day, span in spans if span is not None]
        if not opened:
            return None
        busy = self.calendar.busy(clinic_id, room_id=room_id,
                                  within=TimeRange(opened[0][1][0], opened[-1][1][1]))
        intervals = [free for _day, span in opened
                     for free in free_intervals(TimeRange(*span), busy, step)]
        return next_free_start(intervals, now, step, step)

    def free_intervals(self, clinic_id: uuid.UUID, day: date, hours: WorkingHours, *,
                       room_id: uuid.UUID | None = None, doctor_id: uuid.UUID | None = None,
                       shortest: timedelta = STEP) -> list[TimeRange]:
        """The free intervals of a room or a doctor within the working hours of a local day
        (none on a day the clinic is closed)."""
        span = hours.open_on(day)
        if span is None:
            return []
        window = TimeRange(*span)
        busy = self.calendar.busy(clinic_id, room_id=room_id, doctor_id=doctor_id,
                                  within=window)
        return free_intervals(window, busy, shortest)
