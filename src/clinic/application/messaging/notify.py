"""The notices of a visit, heard from the booking and change use cases after their commit: a
confirmation on booking (if the clinic wants one), one notice of a move by more than 15 minutes
or to another doctor, one of a cancellation by the clinic. Each has its key, so it goes out
once; one made in quiet hours waits for their end."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from clinic.application.messaging.compose import Composer
from clinic.application.messaging.deliver import DELIVER_JOB
from clinic.application.messaging.plan import visit_version
from clinic.application.ports import Clock, Conflict, JobQueue, UnitOfWorkFactory
from clinic.domain.accounts import ClinicStatus
from clinic.domain.messaging import (
    MessageKind,
    change_worth_a_notice,
    message_key,
    quiet_hours_end,
)
from clinic.domain.patient_messages import MessageStatus
from clinic.domain.visit_events import VisitBooked, VisitCancelled, VisitMoved

log = logging.getLogger(__name__)

VisitEvent = VisitBooked | VisitMoved | VisitCancelled


class NotifyPatient:
    listens_to = (VisitBooked, VisitMoved, VisitCancelled)

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, composer: Composer,
                 queue: JobQueue) -> None:
        self.uow_factory, self.clock, self.composer, self.queue = (uow_factory, clock,
                                                                   composer, queue)

    def __call__(self, event: VisitEvent) -> str | None:
        """The queued or skipped message's status, or None when nothing is said."""
        now = self.clock.now()
        with self.uow_factory(event.clinic_id) as uow:
            settings = uow.messages.settings()
            if settings is None or not settings.reminders_on:  # one statement when off
                return None
            clinic = uow.clinics.get(event.clinic_id)
            visit = uow.appointments.get(event.appointment_id)
            if (clinic is None or clinic.status is not ClinicStatus.ACTIVE or visit is None
                    or visit.starts_at <= now):
                return None
            kind = _kind(event, settings.confirm_on_booking)
            if kind is None:
                return None
            key = message_key(str(visit.id), kind, visit_version(visit.starts_at))
            if uow.messages.existing_keys([key]):
                return None
            message = self.composer.message(uow, clinic, settings, kind,
                                            uow.patients.get(visit.patient_id), [visit], key,
                                            now)
            held_until = quiet_hours_end(now, settings.policy(), ZoneInfo(clinic.timezone))
            if held_until > now:
                message.not_before = held_until
            uow.messages.add(message)
            try:
                uow.commit()
            except Conflict:  # the same notice made at the same moment elsewhere
                return None
        if message.status is MessageStatus.QUEUED and message.not_before is None:
            try:
                self.queue.enqueue(DELIVER_JOB, message_id=str(message.id))
            except Exception:  # the planner's next round hands it out
                log.warning("could not enqueue patient message %s", message.id, exc_info=True)
        return message.status.value


def _kind(event: VisitEvent, confirm_on_booking: bool) -> MessageKind | None:
    if isinstance(event, VisitBooked):
        return MessageKind.CONFIRMATION if confirm_on_booking else None
    if isinstance(event, VisitCancelled):
        return MessageKind.CANCELLATION
    if change_worth_a_notice(event.old_start, event.new_start, str(event.old_doctor_id),
                             str(event.new_doctor_id)):
        return MessageKind.CHANGE
    return None


