"""The send log, the unconfirmed list and the settings, read with Core (each names its clinic:
Core is outside the ORM's tenant guard)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select

from clinic.adapters.sqlalchemy.reads import Connects
from clinic.adapters.sqlalchemy.tables import (
    appointments,
    doctors,
    messaging_settings,
    patient_messages,
    patients,
    rooms,
)
from clinic.application.messaging.queries import MessageRow, PatientReply, VisitToCall
from clinic.domain.patient_messages import MessageStatus, MessagingSettings, Reply
from clinic.domain.scheduling import AppointmentStatus, Confirmation

_m = patient_messages.c
_SETTINGS = [c for c in messaging_settings.c if c.name != "clinic_id"]


class SqlMessageQueries:
    def __init__(self, engine: Connects) -> None:
        self.engine = engine

    def settings(self, clinic_id: uuid.UUID) -> MessagingSettings:
        stmt = select(*_SETTINGS).where(messaging_settings.c.clinic_id == clinic_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return MessagingSettings(clinic_id=clinic_id)
        return MessagingSettings(clinic_id=clinic_id, **row._mapping)

    def for_appointment(self, clinic_id: uuid.UUID,
                        appointment_id: uuid.UUID) -> Sequence[MessageRow]:
        return self._rows(and_(_m.clinic_id == clinic_id, _m.appointment_id == appointment_id),
                          100)

    def for_patient(self, clinic_id: uuid.UUID, patient_id: uuid.UUID,
                    limit: int = 50) -> Sequence[MessageRow]:
        return self._rows(and_(_m.clinic_id == clinic_id, _m.patient_id == patient_id), limit)

    def _rows(self, where: Any, limit: int) -> list[MessageRow]:
        stmt = (select(_m.id, _m.appointment_id, _m.patient_id, _m.kind, _m.channel,
                       _m.recipient, _m.text, _m.status, _m.reason, _m.attempts,
                       _m.created_at, _m.sent_at, _m.provider_ref, _m.reply, _m.replied_at)
                .where(where).order_by(_m.created_at.desc(), _m.id).limit(limit))
        with self.engine.connect() as conn:
            return [MessageRow(**{**r._mapping, "kind": str(r.kind),
                                  "channel": str(r.channel) if r.channel else None,
                                  "status": str(r.status),
                                  "reply": str(r.reply) if r.reply else None})
                    for r in conn.execute(stmt)]

    def to_call(self, clinic_id: uuid.UUID, start: datetime,
                end: datetime) -> Sequence[VisitToCall]:
        a, p, d, r = appointments.c, patients.c, doctors.c, rooms.c
        last = (select(_m.status).where(_m.clinic_id == a.clinic_id,
                                        _m.appointment_id == a.id, _m.channel.is_not(None))
                .order_by(_m.created_at.desc()).limit(1).scalar_subquery())
        asked_to_move = case((a.confirmation == Confirmation.RESCHEDULE_REQUESTED.value, 0),
                             else_=1)
        stmt = (select(a.id, a.starts_at, a.patient_id, p.name.label("patient_name"), p.phone,
                       d.name.label("doctor_name"), r.name.label("room_name"), a.confirmation,
                       last.label("reminder_status"))
                .select_from(appointments
                             .join(patients, and_(p.clinic_id == a.clinic_id,
                                                  p.id == a.patient_id))
                             .join(doctors, and_(d.clinic_id == a.clinic_id,
                                                 d.id == a.doctor_id))
                             .join(rooms, and_(r.clinic_id == a.clinic_id, r.id == a.room_id)))
                .where(a.clinic_id == clinic_id, a.starts_at >= start, a.starts_at < end,
                       a.status == AppointmentStatus.SCHEDULED.value,
                       a.confirmation != Confirmation.CONFIRMED.value)
                .order_by(asked_to_move, a.starts_at, a.id))
        with self.engine.connect() as conn:
            return [VisitToCall(appointment_id=row.id, starts_at=row.starts_at,
                                patient_id=row.patient_id, patient_name=row.patient_name,
                                phone=row.phone, doctor_name=row.doctor_name,
                                room_name=row.room_name, confirmation=str(row.confirmation),
                                reminder_status=str(row.reminder_status)
                                if row.reminder_status else None)
                    for row in conn.execute(stmt)]

    def cancelled_by_patients(self, clinic_id: uuid.UUID,
                              since: datetime) -> Sequence[PatientReply]:
        a, p = appointments.c, patients.c
        stmt = (select(a.id, a.starts_at, p.name, p.phone, _m.replied_at)
                .select_from(patient_messages
                             .join(appointments, and_(a.clinic_id == _m.clinic_id,
                                                      a.id == _m.appointment_id))
                             .join(patients, and_(p.clinic_id == a.clinic_id,
                                                  p.id == a.patient_id)))
                .where(_m.clinic_id == clinic_id, _m.reply == Reply.CANCEL.value,
                       _m.replied_at >= since)
                .order_by(_m.replied_at.desc()).limit(100))
        with self.engine.connect() as conn:
            return [PatientReply(*row) for row in conn.execute(stmt)]

    def sms_spent(self, clinic_id: uuid.UUID, since: datetime) -> int:
        stmt = select(func.coalesce(func.sum(_m.cost_minor), 0)).where(
            _m.clinic_id == clinic_id, _m.channel == "sms", _m.sent_at >= since,
            _m.status.in_([MessageStatus.SENT.value, MessageStatus.DELIVERED.value]))
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one() or 0)

    def status_counts(self, clinic_id: uuid.UUID | None = None) -> Mapping[str, int]:
        stmt = select(_m.status, func.count()).group_by(_m.status)
        if clinic_id is not None:
            stmt = stmt.where(_m.clinic_id == clinic_id)
        with self.engine.connect() as conn:
            return {str(status): int(count) for status, count in conn.execute(stmt)}
