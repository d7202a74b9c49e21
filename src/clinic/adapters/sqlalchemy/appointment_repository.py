"""The appointments repository (in its own module, re-exported by `repositories`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from clinic.adapters.sqlalchemy import tables
from clinic.adapters.sqlalchemy.tenancy import TENANT_KEY, TenantNotSet
from clinic.domain.scheduling import (
    MAX_VISIT,
    Appointment,
    AppointmentStatus,
    IdempotencyKey,
    TimeRange,
)


class SqlAppointmentRepository:
    """Visits, the times they hold, and the idempotency keys that booked them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, appointment: Appointment) -> None:
        self.session.add(appointment)

    def get(self, appointment_id: uuid.UUID, *, lock: bool = False) -> Appointment | None:
        stmt = select(Appointment).where(tables.appointments.c.id == appointment_id)
        if lock:  # PostgreSQL: FOR UPDATE OF appointments (SQLite: BEGIN IMMEDIATE holds all)
            stmt = stmt.with_for_update(of=tables.appointments)
        return self.session.scalars(stmt).first()

    def busy(self, *, room_id: uuid.UUID | None = None, doctor_id: uuid.UUID | None = None,
             within: TimeRange, excluding: uuid.UUID | None = None) -> Sequence[TimeRange]:
        a = tables.appointments.c
        stmt = self._holding(within, excluding)
        if room_id is not None:
            stmt = stmt.where(a.room_id == room_id)
        if doctor_id is not None:
            stmt = stmt.where(a.doctor_id == doctor_id)
        return [TimeRange(row[0], row[1]) for row in self.session.execute(stmt)]

    def taken(self, *, room_id: uuid.UUID, doctor_id: uuid.UUID, within: TimeRange,
              excluding: uuid.UUID | None = None
              ) -> tuple[Sequence[TimeRange], Sequence[TimeRange]]:
        a = tables.appointments.c
        stmt = self._holding(within, excluding).where(
            or_(a.room_id == room_id, a.doctor_id == doctor_id))
        room: list[TimeRange] = []
        doctor: list[TimeRange] = []
        for start, end, in_room, with_doctor in self.session.execute(stmt):
            span = TimeRange(start, end)
            if in_room == room_id:
                room.append(span)
            if with_doctor == doctor_id:
                doctor.append(span)
        return sorted(room), sorted(doctor)

    def _holding(self, within: TimeRange, excluding: uuid.UUID | None) -> Any:
        """(start, end, room, doctor) of the clinic's visits that hold their time in `within`."""
        a = tables.appointments.c
        # Core columns, so the guard's criteria do not apply: filter the clinic here.
        tenant = self.session.info.get(TENANT_KEY)
        if not isinstance(tenant, uuid.UUID):
            raise TenantNotSet("busy times are always asked for one clinic")
        stmt = select(a.starts_at, a.ends_at, a.room_id, a.doctor_id).where(
            a.clinic_id == tenant, a.status != AppointmentStatus.CANCELLED,
            a.starts_at < within.end,
            a.starts_at > within.start - MAX_VISIT,  # bounded: the index stops early
            a.ends_at > within.start)
        return stmt if excluding is None else stmt.where(a.id != excluding)

    def scheduled_between(self, start: datetime, end: datetime) -> Sequence[Appointment]:
        a = tables.appointments.c
        return self.session.scalars(select(Appointment).where(
            a.status == AppointmentStatus.SCHEDULED.value, a.starts_at >= start,
            a.starts_at < end).order_by(a.starts_at)).all()

    def idempotency_key(self, key: str) -> IdempotencyKey | None:
        return self.session.scalars(
            select(IdempotencyKey).where(tables.idempotency_keys.c.key == key)).first()

    def add_idempotency_key(self, record: IdempotencyKey) -> None:
        self.session.add(record)

    def forget_idempotency_keys(self, before: datetime) -> None:
        k = tables.idempotency_keys.c
        tenant = self.session.info.get(TENANT_KEY)
        if not isinstance(tenant, uuid.UUID):
            raise TenantNotSet("idempotency keys are always forgotten for one clinic")
        self.session.execute(delete(tables.idempotency_keys).where(
            k.clinic_id == tenant, k.created_at < before))
