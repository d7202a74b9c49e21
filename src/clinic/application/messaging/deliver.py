"""Send one message of the send log: taken by one worker only, handed to its channel, and the
outcome written down. A worker that dies mid-send leaves it "sending"; the planner marks such
a message unknown after a while and never sends it again (at most once, by design: a second
reminder is worse than a lost one, and the desk's unconfirmed list catches the rest).

An SMS that would take the clinic past its monthly budget is not sent. A message that failed
for good (or was stopped by the budget) goes on by the patient's next channel, once."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from clinic.application.messaging.compose import recipient_of
from clinic.application.messaging.ports import (
    ChannelRefused,
    Channels,
    ChannelUnavailable,
    MessageWriter,
    Outgoing,
    VisitFacts,
    VisitLinks,
)
from clinic.application.ports import ANY_CLINIC, Clock, UnitOfWorkFactory
from clinic.domain.accounts import Clinic
from clinic.domain.messaging import Channel, SmsBudget, channel_order, preferred, reachable
from clinic.domain.patient_messages import FALLBACK_MARK, MessageStatus, PatientMessage, Reply

log = logging.getLogger(__name__)

SENT, SKIPPED, FAILED, RETRY = "sent", "skipped", "failed", "retry"
DELIVER_JOB = "deliver_patient_message"
BUDGET_REACHED = "sms_budget_reached"


class DeliverPatientMessage:
    def __init__(self, uow_factory: UnitOfWorkFactory, channels: Channels, clock: Clock,
                 writer: MessageWriter, links: VisitLinks) -> None:
        self.uow_factory, self.channels, self.clock = uow_factory, channels, clock
        self.writer, self.links = writer, links

    def __call__(self, message_id: uuid.UUID | str) -> str:
        """SENT; SKIPPED (unknown, not queued, another worker has it, or over the budget);
        RETRY (the provider is down: queued again for a later try); FAILED (refused, or the
        last try failed)."""
        if isinstance(message_id, str):
            message_id = uuid.UUID(message_id)
        with self.uow_factory(ANY_CLINIC) as uow:
            held = uow.messages.get(message_id)
            if held is not None and held.not_before and held.not_before > self.clock.now():
                return SKIPPED  # not yet: the planner hands it out when its time comes
            if not uow.messages.claim(message_id, self.clock.now()):
                return SKIPPED
            uow.commit()
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.get(message_id)
            if message is None or message.channel is None:
                return SKIPPED
            clinic_id, channel = message.clinic_id, message.channel
            outgoing = Outgoing(channel, message.recipient, message.subject, message.text)
        if channel is Channel.TELEGRAM:  # through the clinic's own bot, with the buttons
            outgoing = self._by_bot(clinic_id, outgoing, message.link_code)
        sender = self.channels.sender(channel)
        try:
            cost = sender.cost_minor(outgoing)
            if cost is not None and not self._within_budget(clinic_id, cost):
                return self._give_up(message_id, BUDGET_REACHED, skipped=True)
            ref = sender.send(outgoing)
        except ChannelRefused as error:
            return self._give_up(message_id, str(error) or type(error).__name__)
        except (ChannelUnavailable, OSError) as error:  # down, 5xx, a timeout, SMTP refusing
            log.warning("patient message %s: %s", message_id, error)
            return self._failed(message_id, f"{type(error).__name__}: {error}")
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.get(message_id)
            if message is not None:
                message.mark_sent(self.clock.now(), ref)
                message.cost_minor = cost
                uow.commit()
        return SENT

    def _by_bot(self, clinic_id: uuid.UUID, outgoing: Outgoing,
                code: str | None) -> Outgoing:
        with self.uow_factory(clinic_id) as uow:
            settings, clinic = uow.messages.settings(), uow.clinics.get(clinic_id)
        token = settings.telegram_token if settings else None
        buttons: tuple[tuple[str, str], ...] = ()
        if code and clinic is not None:
            labels = self.writer.reply_labels(clinic.locale)
            buttons = tuple((labels[reply], f"{code}:{reply.value}") for reply in Reply)
        return replace(outgoing, buttons=buttons, credentials=token)

    def _within_budget(self, clinic_id: uuid.UUID, cost: int) -> bool:
        with self.uow_factory(clinic_id) as uow:
            settings, clinic = uow.messages.settings(), uow.clinics.get(clinic_id)
            if settings is None or settings.sms_budget_minor is None or clinic is None:
                return True
            spent = uow.messages.sms_spent(_month_start(self.clock.now(), clinic))
        return SmsBudget(settings.sms_budget_minor, spent).allows(cost)

    def _failed(self, message_id: uuid.UUID, reason: str) -> str:
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.get(message_id)
            if message is None:
                return SKIPPED
            message.mark_failed(reason, final=False)
            uow.commit()
            if message.status is MessageStatus.QUEUED:
                return RETRY
        self.next_channel(message_id)
        return FAILED

    def _give_up(self, message_id: uuid.UUID, reason: str, skipped: bool = False) -> str:
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.get(message_id)
            if message is None:
                return SKIPPED
            if skipped:
                message.mark_skipped(reason)
            else:
                message.mark_failed(reason, final=True)
            uow.commit()
        self.next_channel(message_id)
        return SKIPPED if skipped else FAILED

    def next_channel(self, message_id: uuid.UUID) -> None:
        """The same message by the patient's next channel, if there is one not yet tried; its
        link moves with it (the patient never got the failed one)."""
        with self.uow_factory(ANY_CLINIC) as uow:
            failed = uow.messages.get(message_id)
            if failed is None or failed.appointment_id is None or failed.channel is None:
                return
            clinic_id = failed.clinic_id
        with self.uow_factory(clinic_id) as uow:
            failed = uow.messages.get(message_id)
            appointment = (uow.appointments.get(failed.appointment_id)
                           if failed and failed.appointment_id else None)
            patient = uow.patients.get(failed.patient_id) if failed else None
            clinic, settings = uow.clinics.get(clinic_id), uow.messages.settings()
            if (failed is None or appointment is None or patient is None or clinic is None
                    or settings is None or appointment.starts_at <= self.clock.now()):
                return
            tried = {m.channel for m in uow.messages.for_appointment(appointment.id)
                     if m.base_key == failed.base_key}
            enabled = set(settings.enabled_channels()) & self.channels.available()
            order = channel_order(preferred(patient.preferred_channel),
                                  reachable(patient.phone, patient.email,
                                            bool(patient.telegram_chat_id)), enabled)
            following = [c for c in order if c not in tried]
            if not following:
                return
            channel = following[0]
            doctor = uow.doctors.get(appointment.doctor_id)
            code, failed.link_code = failed.link_code, None
            facts = VisitFacts(clinic=clinic.name, starts=(appointment.starts_at,),
                               doctors=(doctor.name if doctor else "",),
                               zone=ZoneInfo(clinic.timezone),
                               link=self.links.link(code) if code else "")
            words = self.writer.write(failed.kind, channel, clinic.locale,
                                      settings.template(failed.kind), facts)
            following_message = PatientMessage(
                clinic_id=clinic_id, patient_id=patient.id, appointment_id=appointment.id,
                kind=failed.kind, key=f"{failed.base_key}{FALLBACK_MARK}{channel.value}",
                created_at=self.clock.now(), channel=channel,
                recipient=recipient_of(patient, channel),
                subject=words.subject, text=words.text, link_code=code)
            uow.messages.add(following_message)
            uow.commit()
        # queued: the planner's next round hands it out (within RETRY_AFTER), as any message
        # whose job is not running


def _month_start(now: datetime, clinic: Clinic) -> datetime:
    local = now.astimezone(ZoneInfo(clinic.timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
