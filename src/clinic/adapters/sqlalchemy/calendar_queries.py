"""The calendar's read queries: appointments with their patient, doctor and procedures.

Two statements whatever the number of appointments: the appointments, then the procedures of
exactly those (the same filter as a subquery, no list of ids to bind). The statements are
built once per shape (which filters are given) with bound parameters: building a SELECT and
its cache key took about a third of a millisecond per query, on every request."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select

from clinic.adapters.sqlalchemy.reads import Connects
from clinic.adapters.sqlalchemy.tables import (
    appointment_lines,
    appointments,
    doctors,
    patients,
    rooms,
    users,
)
from clinic.application.scheduling.queries import (
    AppointmentDetails,
    AppointmentFilter,
    CalendarEntry,
    Choice,
    EntryLine,
    EntryPage,
    PatientCard,
    TodayVisit,
)
from clinic.domain.scheduling import MAX_VISIT, AppointmentStatus, TimeRange

FILTERS = ("start", "end", "room_id", "doctor_id", "patient_id", "statuses", "appointment_id")


@cache
def _statements(given: frozenset[str], newest_first: bool = False,
                paged: bool = False) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """(rows, their lines, their count) for one combination of filters."""
    a, p, d, lines = appointments.c, patients.c, doctors.c, appointment_lines.c
    conditions = [a.clinic_id == bindparam("clinic_id")]
    if "start" in given:  # starts_at's lower bound lets the index stop early
        conditions += [a.ends_at > bindparam("start"), a.starts_at > bindparam("floor")]
    if "end" in given:
        conditions.append(a.starts_at < bindparam("end"))
    for name in ("room_id", "doctor_id", "patient_id"):
        if name in given:
            conditions.append(a[name] == bindparam(name))
    if "statuses" in given:
        conditions.append(a.status.in_(bindparam("statuses", expanding=True)))
    if "appointment_id" in given:
        conditions.append(a.id == bindparam("appointment_id"))
    order = (a.starts_at.desc(), a.id) if newest_first else (a.starts_at, a.id)
    rows = (
        select(a.id, a.starts_at, a.ends_at, a.status, a.patient_id, p.name, p.phone,
               a.room_id, a.doctor_id, d.name.label("doctor_name"), d.color, a.price_minor,
               a.currency, a.note, a.doctor_overlap_confirmed, a.confirmation)
        .join(patients, and_(p.clinic_id == a.clinic_id, p.id == a.patient_id))
        .join(doctors, and_(d.clinic_id == a.clinic_id, d.id == a.doctor_id))
        .where(*conditions).order_by(*order))
    ids = select(a.id).where(*conditions).order_by(*order)  # the rows without their joins
    if paged:
        rows = rows.offset(bindparam("offset")).limit(bindparam("limit"))
        ids = ids.offset(bindparam("offset")).limit(bindparam("limit"))
    chosen = ids.subquery()
    line_rows = (select(lines.appointment_id, lines.procedure_id, lines.name,
                        lines.price_minor, lines.duration_minutes)
                 .where(lines.clinic_id == bindparam("clinic_id"),
                        lines.appointment_id.in_(select(chosen.c.id)))
                 .order_by(lines.appointment_id, lines.position))
    count = select(func.count()).select_from(appointments).where(*conditions)
    return rows, line_rows, count


@cache
def _choices() -> tuple[Select[Any], Select[Any]]:
    r, d = rooms.c, doctors.c
    return (select(r.id, r.name)
            .where(r.clinic_id == bindparam("clinic_id"), r.archived_at.is_(None))
            .order_by(r.name, r.created_at),
            select(d.id, d.name, d.user_id)
            .where(d.clinic_id == bindparam("clinic_id"), d.archived_at.is_(None))
            .order_by(d.name, d.created_at))


@cache
def _room_names() -> Select[Any]:
    """Every room of the clinic, archived ones too (a visit may still be in one)."""
    r = rooms.c
    return select(r.id, r.name).where(r.clinic_id == bindparam("clinic_id"))


@cache
def _recent_patients() -> Select[Any]:
    a, p = appointments.c, patients.c
    last_booked = (select(func.max(a.created_at)).where(
        a.clinic_id == p.clinic_id, a.patient_id == p.id).scalar_subquery())
    recency = func.coalesce(last_booked, p.created_at)
    return (select(p.id, p.name, p.phone).where(p.clinic_id == bindparam("clinic_id"))
            .order_by(recency.desc(), p.id).limit(bindparam("limit")))


class SqlCalendarQueries:
    def __init__(self, engine: Connects) -> None:
        self.engine = engine

    def entries(self, clinic_id: uuid.UUID, start: datetime, end: datetime, *,
                room_id: uuid.UUID | None = None,
                doctor_id: uuid.UUID | None = None) -> Sequence[CalendarEntry]:
        values = {"clinic_id": clinic_id, "start": start, "floor": start - MAX_VISIT,
                  "end": end, "room_id": room_id, "doctor_id": doctor_id}
        return self._entries(values)

    def day_list(self, clinic_id: uuid.UUID, start: datetime,
                 end: datetime) -> Sequence[TodayVisit]:
        return self._with_rooms(clinic_id, self.entries(clinic_id, start, end))

    def day_row(self, clinic_id: uuid.UUID, appointment_id: uuid.UUID) -> TodayVisit | None:
        found = self._with_rooms(clinic_id, self._entries(
            {"clinic_id": clinic_id, "appointment_id": appointment_id}))
        return found[0] if found else None

    def _with_rooms(self, clinic_id: uuid.UUID,
                    found: Sequence[CalendarEntry]) -> list[TodayVisit]:
        if not found:
            return []
        with self.engine.connect() as conn:
            names: dict[uuid.UUID, str] = {
                id_: name for id_, name in conn.execute(_room_names(), {"clinic_id": clinic_id})}
        return [TodayVisit(entry, names.get(entry.room_id, "")) for entry in found]

    def choices(self, clinic_id: uuid.UUID) -> tuple[Sequence[Choice], Sequence[Choice]]:
        room_stmt, doctor_stmt = _choices()
        values = {"clinic_id": clinic_id}
        with self.engine.connect() as conn:
            return ([Choice(*row) for row in conn.execute(room_stmt, values)],
                    [Choice(*row) for row in conn.execute(doctor_stmt, values)])

    def find(self, clinic_id: uuid.UUID, wanted: AppointmentFilter, offset: int = 0,
             limit: int = 100) -> EntryPage:
        values: dict[str, Any] = {
            "clinic_id": clinic_id, "start": wanted.start, "end": wanted.end,
            "floor": wanted.start - MAX_VISIT if wanted.start is not None else None,
            "room_id": wanted.room_id, "doctor_id": wanted.doctor_id,
            "patient_id": wanted.patient_id,
            "statuses": [AppointmentStatus(s) for s in wanted.statuses] or None,
            "offset": offset, "limit": limit}
        rows = self._entries(values, paged=True)
        if (offset == 0 or rows) and len(rows) < limit:  # the page holds the rest: no count
            return EntryPage(rows, offset + len(rows))
        count = _statements(self._given(values))[2]
        with self.engine.connect() as conn:
            total = conn.execute(count, self._bound(values)).scalar_one()
        return EntryPage(rows, total)

    def entry(self, clinic_id: uuid.UUID, appointment_id: uuid.UUID) -> CalendarEntry | None:
        found = self._entries({"clinic_id": clinic_id, "appointment_id": appointment_id})
        return found[0] if found else None

    def patient_visits(self, clinic_id: uuid.UUID,
                       patient_id: uuid.UUID) -> Sequence[CalendarEntry]:
        return self._entries({"clinic_id": clinic_id, "patient_id": patient_id},
                             newest_first=True)

    def recent_patients(self, clinic_id: uuid.UUID, limit: int = 8) -> Sequence[
            tuple[uuid.UUID, str, str]]:
        with self.engine.connect() as conn:
            return [(r.id, r.name, r.phone) for r in conn.execute(
                _recent_patients(), {"clinic_id": clinic_id, "limit": limit})]

    def details(self, clinic_id: uuid.UUID,
                appointment_id: uuid.UUID) -> AppointmentDetails | None:
        a, p, r, d, u = appointments.c, patients.c, rooms.c, doctors.c, users.c
        lines = appointment_lines.c
        stmt = (
            select(a.id, a.starts_at, a.ends_at, a.status, a.room_id, r.name.label("room_name"),
                   a.doctor_id, d.name.label("doctor_name"), a.price_minor, a.currency, a.note,
                   a.created_at, u.name.label("booked_by_name"), p.id.label("patient_id"),
                   p.name.label("patient_name"), p.phone, p.erased_at, a.confirmation)
            .select_from(
                appointments
                .join(patients, and_(p.clinic_id == a.clinic_id, p.id == a.patient_id))
                .join(rooms, and_(r.clinic_id == a.clinic_id, r.id == a.room_id))
                .join(doctors, and_(d.clinic_id == a.clinic_id, d.id == a.doctor_id))
                .outerjoin(users, u.id == a.created_by))
            .where(a.clinic_id == clinic_id, a.id == appointment_id))
        lines_stmt = (select(lines.procedure_id, lines.name, lines.price_minor,
                             lines.duration_minutes)
                      .where(lines.clinic_id == clinic_id,
                             lines.appointment_id == appointment_id)
                      .order_by(lines.position))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
            if row is None:
                return None
            found = [EntryLine(*line) for line in conn.execute(lines_stmt)]
        patient = PatientCard(row.patient_id, row.patient_name, row.phone,
                              row.erased_at is not None)
        return AppointmentDetails(
            row.id, row.starts_at, row.ends_at, row.status.value, row.room_id, row.room_name,
            row.doctor_id, row.doctor_name, row.price_minor, row.currency, row.note,
            row.created_at, row.booked_by_name, patient, found, row.confirmation.value)

    def busy(self, clinic_id: uuid.UUID, *, within: TimeRange,
             room_id: uuid.UUID | None = None,
             doctor_id: uuid.UUID | None = None) -> Sequence[TimeRange]:
        a = appointments.c
        stmt = (select(a.starts_at, a.ends_at).where(
            a.clinic_id == clinic_id,
            a.status != AppointmentStatus.CANCELLED, a.starts_at < within.end,
            a.starts_at > within.start - MAX_VISIT,  # bounded: the index stops early
            a.ends_at > within.start).order_by(a.starts_at, a.ends_at))
        if room_id is not None:
            stmt = stmt.where(a.room_id == room_id)
        if doctor_id is not None:
            stmt = stmt.where(a.doctor_id == doctor_id)
        with self.engine.connect() as conn:
            return [TimeRange(start, end) for start, end in conn.execute(stmt)]

    @staticmethod
    def _given(values: Mapping[str, Any]) -> frozenset[str]:
        return frozenset(name for name in FILTERS if values.get(name) is not None)

    @staticmethod
    def _bound(values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in values.items() if value is not None}

    def _entries(self, values: Mapping[str, Any], newest_first: bool = False,
                 paged: bool = False) -> Sequence[CalendarEntry]:
        rows_stmt, lines_stmt, _count = _statements(self._given(values), newest_first, paged)
        bound = self._bound(values)
        with self.engine.connect() as conn:
            rows = conn.execute(rows_stmt, bound).all()
            found: dict[uuid.UUID, list[EntryLine]] = {row[0]: [] for row in rows}
            if rows:
                for appointment_id, *line in conn.execute(lines_stmt, bound):
                    found[appointment_id].append(EntryLine(*line))
        entries = []
        for (id_, starts_at, ends_at, status, patient_id, patient_name, phone, room_id,
             doctor_id, doctor_name, color, price_minor, currency, note, overlap,
             confirmation) in rows:
            lines = found[id_]
            entries.append(CalendarEntry(
                id_, starts_at, ends_at, status.value, patient_id, patient_name, phone,
                room_id, doctor_id, doctor_name, color, [line.name for line in lines],
                price_minor, currency, note, lines, overlap, confirmation.value))
        return entries
