"""What `clinic tenants show` and `clinic users list|show` print, in SQLAlchemy Core."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, ScalarSelect, Table, func, select

from clinic.adapters.sqlalchemy.tables import (
    appointments,
    clinics,
    doctors,
    memberships,
    patients,
    rooms,
    subscriptions,
    users,
)
from clinic.application.accounts.operations import PersonRow, TenantDetails, UserRow
from clinic.domain.accounts import Role, normalize_email

_ROLE_ORDER = {Role.OWNER: 0, Role.ADMIN: 1, Role.STAFF: 2}


def _count(table: Table, clinic_id: uuid.UUID,
           *where: ColumnElement[bool]) -> ScalarSelect[int]:
    return (select(func.count()).select_from(table)
            .where(table.c.clinic_id == clinic_id, *where).scalar_subquery())


class SqlOperatorQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def tenant_details(self, clinic_id: uuid.UUID) -> TenantDetails | None:
        c = clinics.c
        stmt = select(
            c.id, c.name, c.status, c.suspended_reason, c.created_at,
            _count(rooms, clinic_id, rooms.c.archived_at.is_(None)).label("rooms_active"),
            _count(rooms, clinic_id, rooms.c.archived_at.is_not(None)).label("rooms_archived"),
            _count(doctors, clinic_id, doctors.c.archived_at.is_(None)).label("doctors"),
            _count(patients, clinic_id).label("patients"),
            _count(appointments, clinic_id).label("appointments"),
            select(func.max(appointments.c.updated_at))
            .where(appointments.c.clinic_id == clinic_id).scalar_subquery().label("visit"),
            select(func.max(patients.c.created_at))
            .where(patients.c.clinic_id == clinic_id).scalar_subquery().label("patient"),
        ).where(c.id == clinic_id)
        people = (select(users.c.email, users.c.name, memberships.c.role)
                  .join(users, users.c.id == memberships.c.user_id)
                  .where(memberships.c.clinic_id == clinic_id))
        plan_stmt = select(subscriptions).where(subscriptions.c.clinic_id == clinic_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
            if row is None:
                return None
            members = sorted(conn.execute(people).all(),
                             key=lambda p: (_ROLE_ORDER[p.role], p.name))
            plan = conn.execute(plan_stmt).first()
        moments = [m for m in (row.created_at, row.visit, row.patient) if m is not None]
        return TenantDetails(
            row.id, row.name, str(row.status.value), row.suspended_reason, row.created_at,
            [PersonRow(p.email, p.name, str(p.role.value)) for p in members],
            row.rooms_active, row.rooms_archived, row.doctors, row.patients, row.appointments,
            _plan(plan), max(moments) if moments else None)

    def users(self) -> Sequence[UserRow]:
        return self._users(None)

    def user(self, email: str) -> UserRow | None:
        found = self._users(normalize_email(email))
        return found[0] if found else None

    def _users(self, email: str | None) -> list[UserRow]:
        u = users.c
        stmt = select(u.id, u.email, u.name, u.created_at, u.disabled).order_by(u.created_at)
        places = (select(memberships.c.user_id, clinics.c.name, memberships.c.role)
                  .join(clinics, clinics.c.id == memberships.c.clinic_id)
                  .order_by(clinics.c.name))
        if email is not None:
            stmt = stmt.where(u.email == email)
            places = places.join(users, users.c.id == memberships.c.user_id).where(
                users.c.email == email)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
            where: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
            for place in conn.execute(places):
                where[place.user_id].append((place.name, str(place.role.value)))
        return [UserRow(r.id, r.email, r.name, r.created_at, bool(r.disabled), where[r.id])
                for r in rows]


def _plan(row: object) -> str:
    if row is None:
        return "free (2 chairs, the owner)"
    status, chairs, seats = row.status.value, row.paid_chairs, row.paid_seats  # type: ignore[attr-defined]
    end: datetime | None = row.period_end  # type: ignore[attr-defined]
    until = f" until {end:%Y-%m-%d}" if end else ""
    return f"{status}: {chairs} extra chair(s), {seats} seat(s){until}"
