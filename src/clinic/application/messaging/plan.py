"""Find the reminders that are due and put them in the send log, once each; hand them to jobs.

Run every minute by the scheduler (one at a time across servers) and by
`clinic reminders run --due`; safe to run twice at once: a clinic's round is one transaction
that first takes the clinic's turn, and each message's key is unique."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.application.messaging.compose import Composer
from clinic.application.messaging.deliver import DELIVER_JOB
from clinic.application.messaging.ports import Channels, MessageWriter, VisitLinks
from clinic.application.ports import (
    ANY_CLINIC,
    Clock,
    Conflict,
    JobQueue,
    UnitOfWork,
    UnitOfWorkFactory,
)
from clinic.domain.accounts import Clinic, ClinicStatus
from clinic.domain.messaging import (
    MessageKind,
    Refusals,
    VisitToRemind,
    in_quiet_hours,
    merge_by_day,
    message_key,
    refusal_reason,
    reminder_due,
)
from clinic.domain.patient_messages import MessageStatus, MessagingSettings, PatientMessage
from clinic.domain.patients import Patient
from clinic.domain.scheduling import Appointment

log = logging.getLogger(__name__)

HORIZON = timedelta(hours=48)  # a reminder the day before at any hour is due within this
RETRY_AFTER = timedelta(minutes=5)  # a message that failed a try is handed out again after this
GIVE_UP_AFTER = timedelta(minutes=10)  # a worker that took a message and said nothing since


def visit_version(starts_at: datetime) -> int:
    """A visit's reminder belongs to its start: moved, it is a new reminder (minutes since the
    epoch; the signed link carries the same number)."""
    return int(starts_at.timestamp()) // 60


@dataclass(frozen=True)
class PlanResult:
    queued: int = 0  # new messages handed to the jobs
    skipped: int = 0  # due, but not to be sent (a refusal, no way to reach the patient)
    retried: int = 0  # failed tries handed out again
    abandoned: int = 0  # taken by a worker that stopped mid-send: marked unknown, not resent


class PlanReminders:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, channels: Channels,
                 writer: MessageWriter, links: VisitLinks, queue: JobQueue) -> None:
        self.uow_factory, self.clock, self.queue = uow_factory, clock, queue
        self.composer = Composer(channels, writer, links)

    def __call__(self, now: datetime | None = None,
                 clinic_id: uuid.UUID | None = None) -> PlanResult:
        now = now or self.clock.now()
        with self.uow_factory(ANY_CLINIC) as uow:
            clinic_ids = list(uow.messages.clinics_with_reminders())
            retry, abandoned = self._unfinished(uow, now)
            uow.commit()
        if clinic_id is not None:
            clinic_ids = [c for c in clinic_ids if c == clinic_id]
        queued: list[uuid.UUID] = []
        skipped = 0
        for one in clinic_ids:
            try:
                new, skips = self._plan_clinic(one, now)
            except Conflict:  # another scheduler's round for this clinic won; it sends them
                continue
            queued += new
            skipped += skips
        for message_id in [*queued, *retry]:
            try:
                self.queue.enqueue(DELIVER_JOB, message_id=str(message_id))
            except Exception:  # the row is safe: the next round hands it out again
                log.warning("could not enqueue patient message %s", message_id, exc_info=True)
        return PlanResult(len(queued), skipped, len(retry), abandoned)

    def _unfinished(self, uow: UnitOfWork, now: datetime) -> tuple[list[uuid.UUID], int]:
        """Queued messages whose job did not run or whose try failed a while ago (handed out
        again: the claim lets one worker send each), and messages a worker took and never
        finished (it may have sent them: marked unknown, never sent twice)."""
        retry, abandoned = [], 0
        for message in uow.messages.unfinished(now - min(RETRY_AFTER, GIVE_UP_AFTER)):
            if message.status is MessageStatus.QUEUED:
                retry.append(message.id)
            elif message.claimed_at is not None and message.claimed_at < now - GIVE_UP_AFTER:
                message.status = MessageStatus.UNKNOWN
                message.reason = "worker_stopped"
                abandoned += 1
        return retry, abandoned

    def _plan_clinic(self, clinic_id: uuid.UUID, now: datetime) -> tuple[list[uuid.UUID], int]:
        with self.uow_factory(clinic_id) as uow:
            uow.claim_clinic()  # two rounds for one clinic take turns
            settings, clinic = uow.messages.settings(), uow.clinics.get(clinic_id)
            if (settings is None or not settings.reminders_on or clinic is None
                    or clinic.status is not ClinicStatus.ACTIVE):
                return [], 0
            zone, policy = ZoneInfo(clinic.timezone), settings.policy()
            if in_quiet_hours(now, policy, zone):
                return [], 0
            window = uow.appointments.scheduled_between(now + policy.min_notice,
                                                        now + HORIZON)
            keys = {v.id: message_key(str(v.id), MessageKind.REMINDER,
                                      visit_version(v.starts_at)) for v in window}
            done = uow.messages.existing_keys(list(keys.values()))
            waiting = [v for v in window if keys[v.id] not in done]
            due = [v for v in waiting
                   if (at := reminder_due(v.starts_at, v.created_at, zone, policy)) is not None
                   and at <= now]
            if not due:
                return [], 0
            # the same day's other visits go in the same message (one phone, one day)
            days = {v.starts_at.astimezone(zone).date() for v in due}
            companions = [v for v in waiting if v not in due
                          and v.starts_at.astimezone(zone).date() in days]
            patients = {v.patient_id: uow.patients.get(v.patient_id)
                        for v in [*due, *companions]}
            fresh = due + _same_phone_same_day(due, companions, patients, zone)
            messages = self._messages(uow, clinic, settings, fresh, patients, keys, zone, now)
            for message in messages:
                uow.messages.add(message)
            uow.commit()
        return ([m.id for m in messages if m.status is MessageStatus.QUEUED],
                sum(1 for m in messages if m.status is MessageStatus.SKIPPED
                    and m.reason != "merged"))

    def _messages(self, uow: UnitOfWork, clinic: Clinic, settings: MessagingSettings,
                  visits: list[Appointment], patients: dict[uuid.UUID, Patient | None],
                  keys: dict[uuid.UUID, str], zone: ZoneInfo,
                  now: datetime) -> list[PatientMessage]:
        out: list[PatientMessage] = []
        by_id = {str(v.id): v for v in visits}
        to_remind: list[VisitToRemind] = []
        for visit in visits:
            patient = patients[visit.patient_id]
            if self.composer.why_not(patient, MessageKind.REMINDER) is not None or not patient:
                out.append(self.composer.message(uow, clinic, settings, MessageKind.REMINDER,
                                                 patient, [visit], keys[visit.id], now))
                continue
            to_remind.append(VisitToRemind(str(visit.id), patient.phone or str(patient.id),
                                           visit.starts_at))
        for group in merge_by_day(to_remind, zone):
            first = by_id[group[0].visit_id]
            out.append(self.composer.message(
                uow, clinic, settings, MessageKind.REMINDER, patients[first.patient_id],
                [by_id[v.visit_id] for v in group], keys[first.id], now))
            for other in group[1:]:  # said in the first one's message
                visit = by_id[other.visit_id]
                out.append(PatientMessage.skipped(clinic.id, visit.patient_id, visit.id,
                                                  MessageKind.REMINDER, keys[visit.id], now,
                                                  "merged"))
        return out


def _same_phone_same_day(due: list[Appointment], others: list[Appointment],
                         patients: dict[uuid.UUID, Patient | None],
                         zone: ZoneInfo) -> list[Appointment]:
    """The visits not yet due that share a due visit's phone and local day."""
    def key(visit: Appointment) -> tuple[str, object] | None:
        patient = patients[visit.patient_id]
        if patient is None or not patient.phone:
            return None
        return patient.phone, visit.starts_at.astimezone(zone).date()
    wanted = {k for v in due if (k := key(v)) is not None}
    return [v for v in others if key(v) in wanted]


def _why_not(patient: Patient | None) -> str | None:
    if patient is None or patient.erased_at is not None:
        return "patient_erased"
    return refusal_reason(Refusals(processing=patient.refused_processing_on,
                                   notifications=patient.refused_notifications_on,
                                   advertising=patient.refused_advertising_on),
                          MessageKind.REMINDER)
