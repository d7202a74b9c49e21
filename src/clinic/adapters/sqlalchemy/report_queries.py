"""The report's SQL: totals, the breakdowns and the chart's bars by GROUP BY; rows in batches.

The chart's bars are whole days (or weeks) in the clinic's time zone. Their bounds are computed
here in Python (a day is not always 24 hours) and joined as a small VALUES list, so the grouping
is the database's and works the same on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    column,
    exists,
    func,
    select,
    type_coerce,
    values,
)

from clinic.adapters.sqlalchemy.reads import Connects
from clinic.adapters.sqlalchemy.tables import (
    appointment_lines,
    appointments,
    doctors,
    patient_messages,
    patients,
    rooms,
)
from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.application.reporting.queries import (
    Bar,
    Breakdown,
    ReportPage,
    ReportRow,
    ReportScope,
    Summary,
    local_midnight,
)
from clinic.domain.reporting import Period, ReminderFigures, average_minor, counted_as
from clinic.domain.scheduling import REVENUE_STATUSES, AppointmentStatus

# The domain's rule (`counted_as`) as SQL: its statuses, in one order so the text is the same
_REVENUE = sorted(REVENUE_STATUSES)

COUNTED, PLANNED, SKIPPED = 0, 1, 2  # the summary's kinds of visit


def _breakdown(sums: dict[uuid.UUID, list[int]],
               names: dict[uuid.UUID, str]) -> list[Breakdown]:
    """By revenue, the larger first; equal revenue by name."""
    rows = [Breakdown(key, names.get(key, ""), n, revenue) for key, (n, revenue) in sums.items()]
    return sorted(rows, key=lambda b: (-b.revenue_minor, b.name))


# The stream's page size: a page in memory is ~6 MB of Python objects whatever the period (a
# worker keeps its peak), and a year of a busy clinic (26,000 visits) is about 22 statements.
STREAM_BATCH = 2500


class SqlReportQueries:
    def __init__(self, engine: Connects) -> None:
        self.engine = engine

    @staticmethod
    def _where(scope: ReportScope) -> list[Any]:
        a = appointments.c
        conditions = [a.clinic_id == scope.clinic_id, a.starts_at >= scope.start,
                      a.starts_at < scope.end]
        if scope.doctor_id is not None:
            conditions.append(a.doctor_id == scope.doctor_id)
        if scope.room_id is not None:
            conditions.append(a.room_id == scope.room_id)
        return conditions

    @staticmethod
    def _counted(now: datetime) -> Any:
        a = appointments.c
        return and_(a.status.in_(_REVENUE), a.starts_at <= now)

    def reminder_figures(self, scope: ReportScope
                         ) -> tuple[ReminderFigures, ReminderFigures]:
        a, m = appointments.c, patient_messages.c
        before = replace(scope, period=scope.period.before())
        reminded = exists().where(
            m.clinic_id == a.clinic_id, m.appointment_id == a.id, m.kind == "reminder",
            m.status.in_(["sent", "delivered"]))
        over = a.starts_at <= scope.now
        figures = (reminded, and_(reminded, a.confirmation == "confirmed"),
                   and_(over, a.status == AppointmentStatus.NO_SHOW.value),
                   and_(over, a.status.in_([AppointmentStatus.ARRIVED.value,
                                            AppointmentStatus.DONE.value])))

        def count(condition: Any, this_period: bool) -> Any:
            when = a.starts_at >= scope.start if this_period else a.starts_at < scope.start
            return func.coalesce(func.sum(case((and_(when, condition), 1), else_=0)), 0)

        # both periods in one statement: the page's statements stay few
        stmt = select(*(count(f, True) for f in figures), *(count(f, False) for f in figures)
                      ).where(*self._where(replace(scope, period=Period(
                          before.period.first, scope.period.last))))
        with self.engine.connect() as conn:
            row = [int(value) for value in conn.execute(stmt).one()]
        return ReminderFigures(*row[:4]), ReminderFigures(*row[4:])

    def summary(self, scope: ReportScope, currency: str) -> Summary:
        """Two passes over the period's visits: one grouped by (doctor, room, kind) that gives
        the totals and both breakdowns (summed here: a few hundred groups at most), one by
        chart bar. It was four passes; the year's report spent 68 ms of its time in them."""
        a = appointments.c
        where = self._where(scope)
        kind = case((a.status.not_in(_REVENUE), SKIPPED), (a.starts_at <= scope.now, COUNTED),
                    else_=PLANNED).label("kind")
        grouped = (select(a.doctor_id, a.room_id, kind, func.count(), func.sum(a.price_minor))
                   .where(*where).group_by(a.doctor_id, a.room_id, kind))
        d, r = doctors.c, rooms.c
        doctor_names = select(d.id, d.name).where(d.clinic_id == scope.clinic_id)
        room_names = select(r.id, r.name).where(r.clinic_id == scope.clinic_id)
        buckets = scope.period.buckets()
        bounds = values(column("n", Integer), column("b_start", UtcDateTime),
                        column("b_end", UtcDateTime), name="buckets").data(
            [(n, local_midnight(first, scope.zone), local_midnight(end, scope.zone))
             for n, (first, end) in enumerate(buckets)]).cte("buckets")
        per_bar = (
            select(bounds.c.n, func.count(), func.sum(a.price_minor))
            .join(bounds, and_(a.starts_at >= bounds.c.b_start, a.starts_at < bounds.c.b_end))
            .where(*where, self._counted(scope.now)).group_by(bounds.c.n))
        with self.engine.connect() as conn:
            groups = conn.execute(grouped).all()
            doctor_name = dict(conn.execute(doctor_names).all())
            room_name = dict(conn.execute(room_names).all())
            bar_rows = {row[0]: (row[1], row[2]) for row in conn.execute(per_bar)}
        count = dict.fromkeys((COUNTED, PLANNED, SKIPPED), 0)
        money = dict.fromkeys((COUNTED, PLANNED, SKIPPED), 0)
        by_doctor: dict[uuid.UUID, list[int]] = {}
        by_room: dict[uuid.UUID, list[int]] = {}
        for doctor_id, room_id, group_kind, n, total in groups:
            count[group_kind] += int(n)
            money[group_kind] += int(total or 0)
            if group_kind == COUNTED:
                for key, into in ((doctor_id, by_doctor), (room_id, by_room)):
                    sums = into.setdefault(key, [0, 0])
                    sums[0] += int(n)
                    sums[1] += int(total or 0)
        bars = []
        for i, (first, end) in enumerate(buckets):
            bar_count, bar_total = bar_rows.get(i, (0, 0))
            bars.append(Bar(first, end, int(bar_count), int(bar_total or 0)))
        return Summary(
            period=scope.period, currency=currency, appointments_count=count[COUNTED],
            revenue_minor=money[COUNTED],
            average_minor=average_minor(money[COUNTED], count[COUNTED]),
            planned_count=count[PLANNED], planned_minor=money[PLANNED],
            not_counted_count=count[SKIPPED],
            by_doctor=_breakdown(by_doctor, doctor_name), by_room=_breakdown(by_room, room_name),
            bars=bars)

    @staticmethod
    def _rows_select(scope: ReportScope) -> Any:
        a, p, d, r = appointments.c, patients.c, doctors.c, rooms.c
        return (
            select(a.id, a.starts_at, a.ends_at, p.name.label("patient"),
                   d.name.label("doctor"), r.name.label("room"), a.price_minor, a.currency,
                   a.status)
            .join(patients, and_(p.clinic_id == a.clinic_id, p.id == a.patient_id))
            .join(doctors, and_(d.clinic_id == a.clinic_id, d.id == a.doctor_id))
            .join(rooms, and_(r.clinic_id == a.clinic_id, r.id == a.room_id)))

    def _with_lines(self, conn: Any, scope: ReportScope,
                    rows: Sequence[Any]) -> list[ReportRow]:
        names: dict[uuid.UUID, list[str]] = {row.id: [] for row in rows}
        if rows:
            lines = appointment_lines.c
            stmt = (select(lines.appointment_id, lines.name)
                    .where(lines.clinic_id == scope.clinic_id,
                           lines.appointment_id.in_(list(names)))
                    .order_by(lines.appointment_id, lines.position))
            for appointment_id, name in conn.execute(stmt):
                names[appointment_id].append(name)
        return [ReportRow(
            id=row.id, starts_at=row.starts_at, ends_at=row.ends_at, patient_name=row.patient,
            doctor_name=row.doctor, room_name=row.room, procedures=names[row.id],
            price_minor=row.price_minor, currency=row.currency, status=str(row.status.value),
            counted=counted_as(str(row.status.value), row.starts_at, scope.now))
            for row in rows]

    def rows(self, scope: ReportScope, offset: int = 0, limit: int = 50,
             newest_first: bool = False) -> ReportPage:
        a = appointments.c
        order = (a.starts_at.desc(), a.id.desc()) if newest_first else (a.starts_at, a.id)
        stmt = self._rows_select(scope).where(*self._where(scope)).order_by(*order)
        count = select(func.count()).select_from(appointments).where(*self._where(scope))
        with self.engine.connect() as conn:
            total = int(conn.execute(count).scalar_one())
            found = conn.execute(stmt.offset(offset).limit(limit)).all() if total > offset \
                else []
            return ReportPage(self._with_lines(conn, scope, found), total)

    def stream(self, scope: ReportScope, batch: int = STREAM_BATCH) -> Iterator[ReportRow]:
        """Keyset pages by (starts_at, id), two statements each (the rows, then their names by
        the same conditions): memory stays flat however long the period, and no connection is
        held while a page is being written out."""
        after: tuple[datetime, uuid.UUID] | None = None
        while True:
            chosen_by = [*self._where(scope), *_keyset_after(after)]
            with self.engine.connect() as conn:
                found = conn.execute(_page_select(conn.dialect.name, chosen_by, batch)).all()
                if not found:
                    return
                last = (found[-1].starts_at, found[-1].id)
                names = _page_names(conn, scope, [*chosen_by, *_keyset_up_to(last)])
            yield from _report_rows(found, names, scope.now)
            if len(found) < batch:
                return
            after = last


# --- the stream's helpers -----------------------------------------------------------------------
# A year is tens of thousands of rows, so each costs little: rows and their procedure names are
# matched by the id as text (a string hashes and compares in C, a UUID in Python), the status is
# read as its text (no enum member per row).

def _page_select(dialect: str, chosen_by: Sequence[Any], batch: int) -> Any:
    """The first `batch` appointments chosen, by (starts_at, id), with the names shown."""
    a, p, d, r = appointments.c, patients.c, doctors.c, rooms.c
    columns = (cast(a.id, String).label("key"), a.id, a.starts_at, a.ends_at)
    rest = (a.price_minor, a.currency, type_coerce(a.status, String).label("status"))
    if dialect == "sqlite":
        # with the names joined, SQLite's planner reads the period room by room and sorts all
        # that is left of it for every page; with them as subqueries it reads the appointments
        # in the index's order and stops at the page's end
        def name(table: Any, key: Any, label: str) -> Any:
            return select(table.c.name).where(table.c.clinic_id == a.clinic_id,
                                              table.c.id == key).scalar_subquery().label(label)

        stmt = select(*columns, name(patients, a.patient_id, "patient"),
                      name(doctors, a.doctor_id, "doctor"), name(rooms, a.room_id, "room"), *rest)
    else:  # PostgreSQL keeps the index's order through the joins (and memoizes the small ones)
        stmt = (select(*columns, p.name.label("patient"), d.name.label("doctor"),
                       r.name.label("room"), *rest)
                .join(patients, and_(p.clinic_id == a.clinic_id, p.id == a.patient_id))
                .join(doctors, and_(d.clinic_id == a.clinic_id, d.id == a.doctor_id))
                .join(rooms, and_(r.clinic_id == a.clinic_id, r.id == a.room_id)))
    return stmt.where(*chosen_by).order_by(a.starts_at, a.id).limit(batch)


def _page_names(conn: Any, scope: ReportScope, chosen_by: Sequence[Any]) -> dict[str, list[str]]:
    """The procedure names of a page's appointments (chosen by `chosen_by`: joined, not a list
    of thousands of ids), in their order, by the appointment's id as text."""
    lines, a = appointment_lines.c, appointments.c
    stmt = (select(cast(lines.appointment_id, String), lines.name)
            .join(appointments, and_(a.clinic_id == lines.clinic_id,
                                     a.id == lines.appointment_id))
            .where(lines.clinic_id == scope.clinic_id, *chosen_by)
            .order_by(lines.appointment_id, lines.position))
    names: dict[str, list[str]] = {}
    current: str | None = None
    of_current: list[str] = []
    for key, name in conn.execute(stmt).all():
        if key != current:
            current, of_current = key, []
            names[key] = of_current
        of_current.append(name)
    return names


def _report_rows(found: Sequence[Any], names: dict[str, list[str]],
                 now: datetime) -> Iterator[ReportRow]:
    """The page's rows one at a time (ReportRow's fields in their order: positional is faster)."""
    names_of = names.get
    for key, id_, starts_at, ends_at, patient, doctor, room, price, currency, status in found:
        yield ReportRow(id_, starts_at, ends_at, patient, doctor, room, names_of(key) or [],
                        price, currency, status, counted_as(status, starts_at, now))


def _keyset_after(after: tuple[datetime, uuid.UUID] | None) -> list[Any]:
    """(starts_at, id) > after; the first bound is implied by the second, it lets the index
    start there."""
    if after is None:
        return []
    a = appointments.c
    return [a.starts_at >= after[0],
            (a.starts_at > after[0]) | and_(a.starts_at == after[0], a.id > after[1])]


def _keyset_up_to(last: tuple[datetime, uuid.UUID]) -> list[Any]:
    """(starts_at, id) <= last."""
    a = appointments.c
    return [a.starts_at <= last[0],
            (a.starts_at < last[0]) | and_(a.starts_at == last[0], a.id <= last[1])]
