"""Read queries for pages, the API and the CLI: SQL Core, one round trip each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, case, func, or_, select

from clinic.adapters.sqlalchemy.tables import (
    appointment_lines,
    appointments,
    clinics,
    doctors,
    memberships,
    outbox,
    patients,
    subscriptions,
    users,
)
from clinic.application.accounts.queries import (
    ClinicDetails,
    OutboxStatus,
    SessionUser,
    TenantRow,
)
from clinic.application.patients.queries import (
    COUNT_CAP,
    PatientPage,
    PatientRow,
    PatientSearch,
)
from clinic.application.scheduling.queries import (
    AppointmentFilter,
    CalendarEntry,
    EntryLine,
    EntryPage,
)
from clinic.domain.accounts import ClinicStatus, Role
from clinic.domain.licensing import Licence, SubscriptionStatus
from clinic.domain.scheduling import MAX_VISIT, AppointmentStatus


class SqlAccountQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def session_user(self, user_id: uuid.UUID, clinic_id: uuid.UUID | None) -> SessionUser | None:
        # For the licence: the people besides the owner who joined before this one, and what
        # the clinic pays for; past the paid seats (after a lapse) a person only reads.
        earlier = memberships.alias("earlier")
        joined_before = (
            select(func.count()).select_from(earlier)
            .where(earlier.c.clinic_id == memberships.c.clinic_id,
                   earlier.c.role != Role.OWNER,
                   or_(earlier.c.created_at < memberships.c.created_at,
                       and_(earlier.c.created_at == memberships.c.created_at,
                            earlier.c.user_id < memberships.c.user_id)))
            .scalar_subquery())
        stmt = (
            select(users.c.id, users.c.email, users.c.name, users.c.locale,
                   users.c.session_version, memberships.c.role, clinics.c.id.label("clinic_id"),
                   clinics.c.name.label("clinic_name"), clinics.c.status, clinics.c.country,
                   clinics.c.currency, clinics.c.timezone, memberships.c.calendar_view,
                   joined_before.label("joined_before"),
                   subscriptions.c.status.label("subscription_status"),
                   subscriptions.c.paid_seats)
            .select_from(
                users.outerjoin(memberships, and_(memberships.c.user_id == users.c.id,
                                                  memberships.c.clinic_id == clinic_id))
                .outerjoin(clinics, clinics.c.id == memberships.c.clinic_id)
                .outerjoin(subscriptions, subscriptions.c.clinic_id == clinics.c.id))
            .where(users.c.id == user_id, users.c.disabled.is_(False))
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        return SessionUser(
            user_id=row.id, email=row.email, name=row.name, locale=row.locale,
            session_version=row.session_version, clinic_id=row.clinic_id,
            clinic_name=row.clinic_name, clinic_status=row.status and str(row.status.value),
            role=row.role and str(row.role.value), clinic_country=row.country,
            clinic_currency=row.currency, clinic_timezone=row.timezone,
            calendar_view=row.calendar_view,
            read_only=row.role is not None and row.role is not Role.OWNER
            and row.joined_before >= Licence(row.subscription_status or SubscriptionStatus.NONE,
                                             0, row.paid_seats or 0).allowed_seats,
        )

    def clinic_details(self, clinic_id: uuid.UUID) -> ClinicDetails | None:
        c = clinics.c
        stmt = select(c.id, c.name, c.timezone, c.currency, c.country, c.locale,
                      c.working_days, c.opens_at, c.closes_at).where(c.id == clinic_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        return ClinicDetails(*row[:6], working_days=[int(d) for d in row.working_days],
                             opens_at=row.opens_at, closes_at=row.closes_at)

    def tenants(self, status: str | None = None) -> Sequence[TenantRow]:
        owner = (
            select(users.c.email).select_from(memberships.join(users))
            .where(memberships.c.clinic_id == clinics.c.id, memberships.c.role == Role.OWNER)
            .limit(1).scalar_subquery()
        )
        stmt = select(clinics.c.id, clinics.c.name, clinics.c.created_at, owner.label("owner"),
                      clinics.c.status).order_by(clinics.c.created_at)
        if status:
            stmt = stmt.where(clinics.c.status == ClinicStatus(status))
        with self.engine.connect() as conn:
            return [TenantRow(r.id, r.name, r.created_at, r.owner, str(r.status.value))
                    for r in conn.execute(stmt)]

    def outbox_status(self) -> OutboxStatus:
        pending = and_(outbox.c.sent_at.is_(None), outbox.c.attempts == 0)
        failed = and_(outbox.c.sent_at.is_(None), outbox.c.attempts > 0)
        stmt = select(
            func.coalesce(func.sum(case((pending, 1), else_=0)), 0),
            func.coalesce(func.sum(case((failed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((outbox.c.sent_at.is_not(None), 1), else_=0)), 0),
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).one()
        return OutboxStatus(pending=int(row[0]), failed=int(row[1]), sent=int(row[2]))


class SqlPatientQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, clinic_id: uuid.UUID, query: str, offset: int = 0,
             limit: int = 20) -> PatientPage:
        search = PatientSearch.of(query)
        p = patients.c
        where = [p.clinic_id == clinic_id, p.erased_at.is_(None)]
        if search.text or search.digits:
            matches = []
            if search.text:
                matches.append(p.name_folded.contains(search.text, autoescape=True))
            if search.digits:
                matches.append(p.phone_digits.contains(search.digits, autoescape=True))
            where.append(or_(*matches))
        rows_stmt = (select(p.id, p.name, p.phone, p.email, p.created_at).where(*where)
                     .order_by(p.created_at.desc(), p.id).offset(offset).limit(limit))
        capped = select(p.id).where(*where).limit(COUNT_CAP + 1).subquery()
        count_stmt = select(func.count()).select_from(capped)
        with self.engine.connect() as conn:
            rows = [PatientRow(*row) for row in conn.execute(rows_stmt)]
            if len(rows) < limit and (rows or not offset):
                total = offset + len(rows)  # the last page: no need to count
            else:
                total = conn.execute(count_stmt).scalar_one()
        return PatientPage(rows=rows, total=total, offset=offset, limit=limit)


class SqlCalendarQueries:
    """Two statements whatever the number of appointments: the appointments with their patient
    and doctor, then all their procedure names."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def entries(self, clinic_id: uuid.UUID, start: datetime, end: datetime, *,
                room_id: uuid.UUID | None = None,
                doctor_id: uuid.UUID | None = None) -> Sequence[CalendarEntry]:
        a = appointments.c
        stmt = self._select().where(a.clinic_id == clinic_id, a.starts_at < end,
                                    a.starts_at > start - MAX_VISIT,  # the index's lower bound
                                    a.ends_at > start).order_by(a.starts_at, a.id)
        if room_id is not None:
            stmt = stmt.where(a.room_id == room_id)
        if doctor_id is not None:
            stmt = stmt.where(a.doctor_id == doctor_id)
        return self._entries(clinic_id, stmt)

    def find(self, clinic_id: uuid.UUID, wanted: AppointmentFilter, offset: int = 0,
             limit: int = 100) -> EntryPage:
        a = appointments.c
        conditions = [a.clinic_id == clinic_id]
        if wanted.start is not None:  # starts_at's lower bound lets the index stop early
            conditions += [a.ends_at > wanted.start, a.starts_at > wanted.start - MAX_VISIT]
        if wanted.end is not None:
            conditions.append(a.starts_at < wanted.end)
        for column, value in ((a.room_id, wanted.room_id), (a.doctor_id, wanted.doctor_id),
                              (a.patient_id, wanted.patient_id)):
            if value is not None:
                conditions.append(column == value)
        if wanted.statuses:
            conditions.append(a.status.in_([AppointmentStatus(s) for s in wanted.statuses]))
        stmt = (self._select().where(*conditions).order_by(a.starts_at, a.id)
                .offset(offset).limit(limit))
        rows = self._entries(clinic_id, stmt)
        if (offset == 0 or rows) and len(rows) < limit:  # the page holds the rest: no count
            return EntryPage(rows, offset + len(rows))
        count = select(func.count()).select_from(appointments).where(*conditions)
        with self.engine.connect() as conn:
            total = conn.execute(count).scalar_one()
        return EntryPage(rows, total)

    def entry(self, clinic_id: uuid.UUID, appointment_id: uuid.UUID) -> CalendarEntry | None:
        a = appointments.c
        found = self._entries(clinic_id, self._select().where(
            a.clinic_id == clinic_id, a.id == appointment_id))
        return found[0] if found else None

    def patient_visits(self, clinic_id: uuid.UUID,
                       patient_id: uuid.UUID) -> Sequence[CalendarEntry]:
        a = appointments.c
        stmt = self._select().where(a.clinic_id == clinic_id, a.patient_id == patient_id
                                    ).order_by(a.starts_at.desc(), a.id)
        return self._entries(clinic_id, stmt)

    @staticmethod
    def _select() -> Any:
        a, p, d = appointments.c, patients.c, doctors.c
        return (
            select(a.id, a.starts_at, a.ends_at, a.status, a.patient_id, p.name, p.phone,
                   a.room_id, a.doctor_id, d.name.label("doctor_name"), d.color, a.price_minor,
                   a.currency, a.note, a.doctor_overlap_confirmed)
            .join(patients, and_(p.clinic_id == a.clinic_id, p.id == a.patient_id))
            .join(doctors, and_(d.clinic_id == a.clinic_id, d.id == a.doctor_id)))

    def _entries(self, clinic_id: uuid.UUID, stmt: Any) -> Sequence[CalendarEntry]:
        lines = appointment_lines.c
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
            found: dict[uuid.UUID, list[EntryLine]] = {row.id: [] for row in rows}
            if rows:
                # the same filter again as a subquery: no list of hundreds of ids to bind
                chosen = stmt.with_only_columns(appointments.c.id).subquery()
                line_stmt = (select(lines.appointment_id, lines.procedure_id, lines.name,
                                    lines.price_minor, lines.duration_minutes)
                             .where(lines.clinic_id == clinic_id,
                                    lines.appointment_id.in_(select(chosen.c.id)))
                             .order_by(lines.appointment_id, lines.position))
                for appointment_id, *line in conn.execute(line_stmt):
                    found[appointment_id].append(EntryLine(*line))
        return [CalendarEntry(
            id=r.id, starts_at=r.starts_at, ends_at=r.ends_at, status=str(r.status.value),
            patient_id=r.patient_id, patient_name=r.name, patient_phone=r.phone,
            room_id=r.room_id, doctor_id=r.doctor_id, doctor_name=r.doctor_name,
            doctor_color=r.color, procedures=[line.name for line in found[r.id]],
            price_minor=r.price_minor, currency=r.currency, note=r.note, lines=found[r.id],
            doctor_overlap_confirmed=r.doctor_overlap_confirmed) for r in rows]

    def recent_patients(self, clinic_id: uuid.UUID, limit: int = 8) -> Sequence[
            tuple[uuid.UUID, str, str]]:
        a, p = appointments.c, patients.c
        last_booked = (select(func.max(a.created_at)).where(
            a.clinic_id == p.clinic_id, a.patient_id == p.id).scalar_subquery())
        recency = func.coalesce(last_booked, p.created_at)
        stmt = (select(p.id, p.name, p.phone).where(p.clinic_id == clinic_id)
                .order_by(recency.desc(), p.id).limit(limit))
        with self.engine.connect() as conn:
            return [(r.id, r.name, r.phone) for r in conn.execute(stmt)]
