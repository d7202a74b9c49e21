"""The send log and the clinic's messaging settings, in the unit of work's session."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from clinic.adapters.sqlalchemy import tables
from clinic.adapters.sqlalchemy.tenancy import TENANT_KEY
from clinic.domain.messaging import Channel
from clinic.domain.patient_messages import MessageStatus, MessagingSettings, PatientMessage

_log = tables.patient_messages


class SqlMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def settings(self) -> MessagingSettings | None:
        return self.session.scalars(select(MessagingSettings)).first()

    def add_settings(self, settings: MessagingSettings) -> None:
        self.session.add(settings)

    def settings_by_id(self, settings_id: uuid.UUID) -> MessagingSettings | None:
        return self.session.scalars(select(MessagingSettings).where(
            tables.messaging_settings.c.id == settings_id)).first()

    def clinics_with_reminders(self) -> Sequence[uuid.UUID]:
        table = tables.messaging_settings
        return list(self.session.scalars(select(table.c.clinic_id).where(
            table.c.reminders_on.is_(True))))

    def add(self, message: PatientMessage) -> None:
        self.session.add(message)

    def get(self, message_id: uuid.UUID) -> PatientMessage | None:
        return self.session.scalars(select(PatientMessage).where(
            _log.c.id == message_id)).first()

    def existing_keys(self, keys: Collection[str]) -> set[str]:
        if not keys:
            return set()
        return set(self.session.scalars(select(_log.c.key).select_from(_log).where(
            _log.c.key.in_(list(keys)), *self._scope())))

    def for_appointment(self, appointment_id: uuid.UUID) -> Sequence[PatientMessage]:
        return self.session.scalars(select(PatientMessage).where(
            _log.c.appointment_id == appointment_id).order_by(_log.c.created_at)).all()

    def awaiting_delivery(self, channel: Channel, since: datetime,
                          limit: int = 100) -> Sequence[PatientMessage]:
        return self.session.scalars(select(PatientMessage).where(
            _log.c.channel == channel.value, _log.c.status == MessageStatus.SENT.value,
            _log.c.sent_at >= since, _log.c.provider_ref.is_not(None),
            _log.c.provider_ref != "console").order_by(_log.c.sent_at).limit(limit)).all()

    def sms_spent(self, since: datetime) -> int:
        spent = self.session.scalar(select(func.coalesce(func.sum(_log.c.cost_minor), 0)).where(
            _log.c.channel == "sms", _log.c.sent_at >= since,
            _log.c.status.in_([MessageStatus.SENT.value, MessageStatus.DELIVERED.value]),
            *self._scope()))
        return int(spent or 0)

    def by_link_code(self, code: str) -> PatientMessage | None:
        return self.session.scalars(select(PatientMessage).where(
            _log.c.link_code == code)).first()

    def for_patient(self, patient_id: uuid.UUID) -> Sequence[PatientMessage]:
        return self.session.scalars(select(PatientMessage).where(
            _log.c.patient_id == patient_id)).all()

    def claim(self, message_id: uuid.UUID, now: datetime) -> bool:
        # one UPDATE with its condition: of two workers, one changes the row, the other none
        result = self.session.execute(
            update(_log).where(_log.c.id == message_id,
                               _log.c.status == MessageStatus.QUEUED.value)
            .values(status=MessageStatus.SENDING.value, claimed_at=now,
                    attempts=_log.c.attempts + 1)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def unfinished(self, before: datetime) -> Sequence[PatientMessage]:
        last_touched = func.coalesce(_log.c.claimed_at, _log.c.not_before, _log.c.created_at)
        return self.session.scalars(select(PatientMessage).where(
            _log.c.status.in_([MessageStatus.QUEUED.value, MessageStatus.SENDING.value]),
            last_touched < before).order_by(_log.c.created_at).limit(1000)).all()

    def _scope(self) -> list[ColumnElement[bool]]:
        """Core columns are outside the tenant guard: the clinic is named here."""
        tenant = self.session.info.get(TENANT_KEY)
        return [_log.c.clinic_id == tenant] if isinstance(tenant, uuid.UUID) else []
