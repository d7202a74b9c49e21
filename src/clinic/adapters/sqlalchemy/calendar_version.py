"""The calendar's version: one number per clinic (`clinics.calendar_version`), moved in the same
transaction as every change the calendar shows, so an open calendar that asks
(`GET /calendar/version`, answered from the per-request session query) knows when to reload.

It is moved here, in the session, rather than by each use case, so none can forget it: a flush
notes the clinics whose calendar-visible rows it writes, and the commit moves their numbers
with one UPDATE each, as the transaction's last statement (the clinic's row is held only from
there to COMMIT). A rolled-back transaction moves nothing. Moved by a commit, the numbers only
grow and two commits never share one: the row lock orders them, so a calendar that has seen
version n has seen every change committed before it.

Only what the grid draws counts: visits and their lines; rooms (name, archived); doctors
(name, colour, archived); patients (name, phone, erasure; a new card shows nowhere until
booked); the clinic's hours and zone. Procedures do not: a visit keeps its own copy of their
names. Core statements written past the ORM (bulk loads, imports) move nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Update, bindparam, event, inspect, update
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from clinic.adapters.sqlalchemy.tables import clinics
from clinic.domain.accounts import Clinic
from clinic.domain.catalog import Doctor, Room
from clinic.domain.patients import Patient
from clinic.domain.scheduling import Appointment, AppointmentLine

CHANGED_KEY = "calendar_changed"  # session.info: the clinics whose calendars this transaction moves

# class -> the attributes the calendar shows (None: any); whether a new row shows at once
_WATCHED: dict[type, tuple[frozenset[str] | None, bool]] = {
    Appointment: (None, True),
    AppointmentLine: (None, True),
    Room: (frozenset({"name", "archived_at"}), True),
    Doctor: (frozenset({"name", "color", "archived_at"}), True),
    Patient: (frozenset({"name", "phone", "erased_at"}), False),
    Clinic: (frozenset({"working_days", "opens_at", "closes_at", "timezone"}), False),
}


@cache
def _bump() -> Update:
    c = clinics.c
    return (update(clinics).where(c.id == bindparam("clinic"))
            .values(calendar_version=c.calendar_version + 1))


def _clinic_of(instance: object) -> uuid.UUID | None:
    found = getattr(instance, "id" if isinstance(instance, Clinic) else "clinic_id", None)
    return found if isinstance(found, uuid.UUID) else None


def _shows(instance: object, new: bool) -> bool:
    watched = _WATCHED.get(type(instance))
    if watched is None:
        return False
    attributes, new_shows = watched
    if new:
        return new_shows
    state = inspect(instance)
    if attributes is None:
        return state.session is not None and state.session.is_modified(instance)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def changed_clinics(new: Iterable[object], dirty: Iterable[object],
                    deleted: Iterable[object]) -> set[uuid.UUID]:
    """The clinics whose calendar these pending changes alter."""
    found: set[uuid.UUID] = set()
    for instances, is_new in ((new, True), (dirty, False), (deleted, True)):
        for instance in instances:
            if _shows(instance, is_new):
                clinic = _clinic_of(instance)
                if clinic is not None:
                    found.add(clinic)
    return found


def install_calendar_version(factory: sessionmaker[Session]) -> None:
    @event.listens_for(factory, "before_flush")
    def _note(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
        found = changed_clinics(session.new, session.dirty, session.deleted)
        if found:
            session.info.setdefault(CHANGED_KEY, set()).update(found)

    @event.listens_for(factory, "before_commit")
    def _move(session: Session) -> None:
        session.flush()  # what is still pending is noted before the numbers move
        found = session.info.pop(CHANGED_KEY, None)
        for clinic in sorted(found or ()):  # in one order: two commits never wait in a circle
            session.execute(_bump(), {"clinic": clinic})

    @event.listens_for(factory, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(CHANGED_KEY, None)
