"""One message to one patient about one visit (or a day's visits): who may not be written to
and why, which channel, the words and the answer link. The planner's reminders and the notices
of a booking, a move or a cancellation are all made here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from clinic.application.messaging.ports import Channels, MessageWriter, VisitFacts, VisitLinks
from clinic.application.ports import UnitOfWork
from clinic.domain.accounts import Clinic
from clinic.domain.messaging import (
    Channel,
    MessageKind,
    Refusals,
    channel_order,
    preferred,
    reachable,
    refusal_reason,
)
from clinic.domain.patient_messages import MessagingSettings, PatientMessage
from clinic.domain.patients import Patient
from clinic.domain.scheduling import Appointment

# Kinds whose message carries the answer link (I will come / another time / cancel)
WITH_LINK = frozenset({MessageKind.REMINDER, MessageKind.CHANGE})


class Composer:
    def __init__(self, channels: Channels, writer: MessageWriter, links: VisitLinks) -> None:
        self.channels, self.writer, self.links = channels, writer, links

    @staticmethod
    def why_not(patient: Patient | None, kind: MessageKind) -> str | None:
        """Why this patient gets no message of this kind (the send log's reason), or None."""
        if patient is None or patient.erased_at is not None:
            return "patient_erased"
        return refusal_reason(Refusals(processing=patient.refused_processing_on,
                                       notifications=patient.refused_notifications_on,
                                       advertising=patient.refused_advertising_on), kind)

    def message(self, uow: UnitOfWork, clinic: Clinic, settings: MessagingSettings,
                kind: MessageKind, patient: Patient | None, visits: list[Appointment],
                key: str, now: datetime) -> PatientMessage:
        """The message, queued; or skipped with the reason (a refusal, no channel)."""
        first = visits[0]
        reason = self.why_not(patient, kind)
        if reason is not None or patient is None:
            return PatientMessage.skipped(clinic.id, first.patient_id, first.id, kind, key,
                                          now, reason or "patient_erased")
        enabled = set(settings.enabled_channels()) & self.channels.available()
        order = channel_order(preferred(patient.preferred_channel),
                              reachable(patient.phone, patient.email,
                                        bool(patient.telegram_chat_id)), enabled)
        if not order:
            return PatientMessage.skipped(clinic.id, patient.id, first.id, kind, key, now,
                                          "no_channel")
        channel = order[0]
        doctors = []
        for visit in visits:
            doctor = uow.doctors.get(visit.doctor_id)
            doctors.append(doctor.name if doctor is not None else "")
        code = self.links.new_code() if kind in WITH_LINK else None
        facts = VisitFacts(clinic=clinic.name, starts=tuple(v.starts_at for v in visits),
                           doctors=tuple(doctors), zone=ZoneInfo(clinic.timezone),
                           link=self.links.link(code) if code else "")
        words = self.writer.write(kind, channel, clinic.locale, settings.template(kind), facts)
        return PatientMessage(clinic_id=clinic.id, patient_id=patient.id,
                              appointment_id=first.id, kind=kind, key=key, created_at=now,
                              channel=channel, recipient=recipient_of(patient, channel),
                              subject=words.subject, text=words.text, link_code=code)


def recipient_of(patient: Patient, channel: Channel) -> str:
    """Where a message by this channel goes: the email, the Telegram chat, the phone."""
    if channel is Channel.EMAIL:
        return patient.email or ""
    if channel is Channel.TELEGRAM:
        return patient.telegram_chat_id or ""
    return patient.phone or ""
