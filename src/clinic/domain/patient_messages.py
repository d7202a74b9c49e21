"""What the clinic says to its patients, kept: the clinic's messaging settings and the send log.

The rules (when a reminder is due, quiet hours, refusals, channel order, SMS length) are
`domain/messaging.py`; these are the two things that are stored."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from clinic.domain.messaging import (
    DEFAULT_ORDER,
    MAX_TEMPLATE,
    Channel,
    MessageKind,
    ReminderPolicy,
)
from clinic.domain.shared import new_id

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SAME_DAY_LEADS = (60, 120, 180, 240)  # minutes before a visit booked after the day-before time


def parse_hhmm(text: str) -> time | None:
    match = _HHMM.match(text)
    return time(int(match.group(1)), int(match.group(2))) if match else None


def settings_errors(day_before_at: str, quiet_from: str, quiet_to: str,
                    same_day_lead_minutes: int, channels: list[Channel],
                    templates: dict[MessageKind, str | None],
                    sms_budget_minor: int | None) -> dict[str, str]:
    """What is wrong with a clinic's messaging settings, by field (codes)."""
    errors: dict[str, str] = {}
    for name, value in (("day_before_at", day_before_at), ("quiet_from", quiet_from),
                        ("quiet_to", quiet_to)):
        if parse_hhmm(value) is None:
            errors[name] = "time_invalid"
    day_before, quiet_from_t, quiet_to_t = (parse_hhmm(day_before_at), parse_hhmm(quiet_from),
                                            parse_hhmm(quiet_to))
    if "day_before_at" not in errors and quiet_from_t and quiet_to_t and day_before:
        policy = ReminderPolicy(quiet_from=quiet_from_t, quiet_to=quiet_to_t)
        if _in_quiet(day_before, policy):
            errors["day_before_at"] = "reminder_in_quiet_hours"
    if same_day_lead_minutes not in SAME_DAY_LEADS:
        errors["same_day_lead_minutes"] = "choice_invalid"
    if not channels:
        errors["channels"] = "channels_empty"
    for kind, text in templates.items():
        if text is not None and (not text.strip() or len(text) > MAX_TEMPLATE):
            errors[f"template_{kind.value}"] = ("template_empty" if not text.strip()
                                                else "template_too_long")
    if sms_budget_minor is not None and sms_budget_minor < 0:
        errors["sms_budget"] = "amount_invalid"
    return errors


def _in_quiet(moment: time, policy: ReminderPolicy) -> bool:
    start, end = policy.quiet_from, policy.quiet_to
    if start == end:
        return False
    return start <= moment < end if start < end else moment >= start or moment < end


@dataclass(eq=False)
class MessagingSettings:
    """A clinic's reminders: off until someone turns them on; the defaults are good ones."""

    clinic_id: uuid.UUID
    reminders_on: bool = False
    confirm_on_booking: bool = False
    channels: str = ",".join(c.value for c in DEFAULT_ORDER)  # the ones switched on
    day_before_at: str = "10:00"
    same_day_lead_minutes: int = 120
    quiet_from: str = "21:00"
    quiet_to: str = "09:00"
    # the clinic's own texts (None: the default text in the clinic's language)
    reminder_template: str | None = None
    confirmation_template: str | None = None
    sms_budget_minor: int | None = None  # a month's cap on SMS spending (None: no cap)
    telegram_token: str | None = field(default=None, repr=False)  # the clinic's own bot
    telegram_bot: str | None = None  # its @name, for the patients' links
    telegram_secret: str | None = field(default=None, repr=False)  # sent back by Telegram
    updated_at: datetime | None = None
    updated_by: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def policy(self) -> ReminderPolicy:
        return ReminderPolicy(
            day_before_at=parse_hhmm(self.day_before_at) or time(10, 0),
            same_day_lead=timedelta(minutes=self.same_day_lead_minutes),
            quiet_from=parse_hhmm(self.quiet_from) or time(21, 0),
            quiet_to=parse_hhmm(self.quiet_to) or time(9, 0))

    def enabled_channels(self) -> list[Channel]:
        """The channels switched on (Telegram only with a connected bot)."""
        chosen = set(self.channels.split(","))
        return [c for c in DEFAULT_ORDER if c.value in chosen
                and (c is not Channel.TELEGRAM or self.telegram_token)]

    def template(self, kind: MessageKind) -> str | None:
        """The clinic's own text for this kind of message, if it wrote one."""
        return {MessageKind.REMINDER: self.reminder_template,
                MessageKind.CONFIRMATION: self.confirmation_template}.get(kind)


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its job (or its next try)
    SENDING = "sending"  # a worker took it: never taken twice
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider says it reached the phone
    FAILED = "failed"  # not delivered after the last try (the reason says why)
    SKIPPED = "skipped"  # never sent: a refusal, no way to reach the patient, the budget
    UNKNOWN = "unknown"  # a worker stopped mid-send: it may have gone out; not sent again

    @property
    def final(self) -> bool:
        return self not in (MessageStatus.QUEUED, MessageStatus.SENDING)


class Reply(enum.StrEnum):
    """The patient's answer to a reminder."""

    COMING = "coming"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"


MAX_TRIES = 4  # a provider that fails this many times: the message is failed
FALLBACK_MARK = ">"  # "<key>>email": the same message by the next channel after one failed


@dataclass(eq=False)
class PatientMessage:
    """One message to one patient about one visit (or several visits of one day), by one
    channel, kept with its unique key so that it goes out once."""

    clinic_id: uuid.UUID
    patient_id: uuid.UUID
    appointment_id: uuid.UUID | None
    kind: MessageKind
    key: str
    created_at: datetime
    channel: Channel | None = None  # None: skipped before a channel was chosen
    recipient: str = ""
    subject: str = ""
    text: str = ""
    status: MessageStatus = MessageStatus.QUEUED
    reason: str | None = None  # why it was skipped or failed (a code or the provider's words)
    attempts: int = 0
    claimed_at: datetime | None = None
    not_before: datetime | None = None  # held until then (a notice made in quiet hours)
    sent_at: datetime | None = None
    provider_ref: str | None = None
    cost_minor: int | None = None  # what the provider charged (SMS), in the currency's minor units
    link_code: str | None = None  # the code of the answer link in its text, if it has one
    reply: Reply | None = None
    replied_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def skipped(cls, clinic_id: uuid.UUID, patient_id: uuid.UUID,
                appointment_id: uuid.UUID | None, kind: MessageKind, key: str, now: datetime,
                reason: str) -> PatientMessage:
        return cls(clinic_id=clinic_id, patient_id=patient_id, appointment_id=appointment_id,
                   kind=kind, key=key, created_at=now, status=MessageStatus.SKIPPED,
                   reason=reason)

    def mark_sent(self, now: datetime, provider_ref: str | None) -> None:
        self.status, self.sent_at, self.provider_ref, self.reason = (
            MessageStatus.SENT, now, provider_ref, None)

    def mark_failed(self, reason: str, final: bool) -> None:
        """A try that did not go through: back in the queue for the next one, or failed."""
        self.reason = reason[:500]
        self.status = (MessageStatus.FAILED if final or self.attempts >= MAX_TRIES
                       else MessageStatus.QUEUED)

    def mark_skipped(self, reason: str) -> None:
        self.status, self.reason = MessageStatus.SKIPPED, reason

    @property
    def base_key(self) -> str:
        """The key of the reminder itself, whichever channel this try went by."""
        return self.key.split(FALLBACK_MARK, 1)[0]

    def record_reply(self, reply: Reply, now: datetime) -> None:
        self.reply, self.replied_at = reply, now
