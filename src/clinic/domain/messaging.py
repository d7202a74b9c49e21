"""Talking to patients: when a visit's reminder is due, quiet hours, which channel to try, what a
patient refused, how many SMS segments a text takes, the clinic's monthly SMS budget, and the key
that makes a message go out once.

Pure rules, no I/O: the sending jobs and the settings page ask these (issue 19)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class Channel(enum.StrEnum):
    TELEGRAM = "telegram"
    SMS = "sms"
    EMAIL = "email"


# Tried in this order unless the patient prefers another first.
DEFAULT_ORDER: tuple[Channel, ...] = (Channel.TELEGRAM, Channel.SMS, Channel.EMAIL)


class MessageKind(enum.StrEnum):
    CONFIRMATION = "confirmation"  # on booking
    REMINDER = "reminder"  # before the visit, with "I'll come / move / cancel"
    CHANGE = "change"  # moved by more than 15 minutes, or another doctor
    CANCELLATION = "cancellation"  # cancelled by the clinic
    ADVERTISING = "advertising"  # promotions: only with no refusal of advertising


@dataclass(frozen=True)
class ReminderPolicy:
    """A clinic's choices, with the defaults a clinic gets by turning reminders on."""

    day_before_at: time = time(10, 0)  # the day before the visit, local time
    same_day_lead: timedelta = timedelta(hours=2)  # booked after that moment: this long before
    quiet_from: time = time(21, 0)  # nothing is sent from here ...
    quiet_to: time = time(9, 0)  # ... to here, in the clinic's zone
    min_notice: timedelta = timedelta(minutes=30)  # a reminder later than this before is useless


def in_quiet_hours(moment: datetime, policy: ReminderPolicy, zone: ZoneInfo) -> bool:
    """Whether `moment` falls in the clinic's quiet hours (which may span midnight)."""
    local = moment.astimezone(zone).time()
    start, end = policy.quiet_from, policy.quiet_to
    if start == end:
        return False  # no quiet hours
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(moment: datetime, policy: ReminderPolicy, zone: ZoneInfo) -> datetime:
    """`moment` if it is outside quiet hours, else the end of the quiet stretch it is in: when
    a notice made in the evening goes out. In UTC."""
    if not in_quiet_hours(moment, policy, zone):
        return moment.astimezone(UTC)
    local = moment.astimezone(zone)
    end_day = local.date() if local.time() < policy.quiet_to else local.date() + timedelta(1)
    return _local(end_day, policy.quiet_to, zone)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` on `day` in `zone` as an instant (PEP 495's fold=0): a wall time the clock skips
    (spring forward) comes out as the same distance past the jump, a repeated one (fall back)
    as its first occurrence. In UTC: arithmetic and comparisons on instants, not on wall
    times (an aware datetime minus an hour is wall-clock arithmetic in its own zone)."""
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)


def _leave_quiet_hours(moment: datetime, policy: ReminderPolicy, zone: ZoneInfo,
                       not_before: datetime, not_after: datetime) -> datetime | None:
    """`moment` if it is not in quiet hours; else the end of those quiet hours if still early
    enough, else their start (the evening before) if not too early; else None."""
    if not in_quiet_hours(moment, policy, zone):
        return moment
    local = moment.astimezone(zone)
    # the quiet stretch `moment` is in: it ends at quiet_to on this day or the next
    end_day = local.date() if local.time() < policy.quiet_to else local.date() + timedelta(1)
    end = _local(end_day, policy.quiet_to, zone)
    if end <= not_after:
        return end
    start_day = end_day if policy.quiet_from < policy.quiet_to else end_day - timedelta(1)
    start = _local(start_day, policy.quiet_from, zone) - timedelta(minutes=1)
    if not_before <= start <= not_after and not in_quiet_hours(start, policy, zone):
        return start
    return None


def reminder_due(starts_at: datetime, booked_at: datetime, zone: ZoneInfo,
                 policy: ReminderPolicy) -> datetime | None:
    """When the visit's reminder goes out, or None when there is no good moment for one.

    The day before at `day_before_at` (local); a visit booked after that moment gets it
    `same_day_lead` before its start; never in quiet hours (moved to their end if that is still
    `min_notice` before the visit, else to just before they began, if that is after the
    booking); never before the booking nor later than `min_notice` before the start. In UTC."""
    starts_at, booked_at = starts_at.astimezone(UTC), booked_at.astimezone(UTC)
    latest = starts_at - policy.min_notice
    local_start = starts_at.astimezone(zone)
    planned = _local(local_start.date() - timedelta(days=1), policy.day_before_at, zone)
    if planned <= booked_at:
        planned = starts_at - policy.same_day_lead
    planned = max(planned, booked_at)
    if planned > latest:
        return None
    return _leave_quiet_hours(planned, policy, zone, booked_at, latest)


@dataclass(frozen=True)
class Refusals:
    """What a patient refused, each with the day it was said (152-ФЗ practice); None: not
    refused."""

    processing: date | None = None  # no processing of personal data at all
    notifications: date | None = None  # no reminders, confirmations, notices
    advertising: date | None = None  # no promotions


def refusal_reason(refusals: Refusals, kind: MessageKind) -> str | None:
    """Why this patient gets no message of this kind (the send log says so), or None."""
    if refusals.processing is not None:
        return "refused_processing"
    if kind is MessageKind.ADVERTISING:
        return "refused_advertising" if refusals.advertising is not None else None
    if refusals.notifications is not None:
        return "refused_notifications"
    return None


def channel_order(preferred: Channel | None, reachable: Iterable[Channel],
                  enabled: Iterable[Channel]) -> list[Channel]:
    """The channels to try, in order: the patient's preferred one first, then Telegram, SMS,
    email; only those the patient can be reached by (linked Telegram, a phone, an email) and
    the clinic has switched on."""
    usable = set(reachable) & set(enabled)
    order = [preferred] if preferred is not None else []
    order += [c for c in DEFAULT_ORDER if c != preferred]
    return [c for c in order if c in usable]


def reachable(phone: str | None, email: str | None,
              telegram_linked: bool = False) -> set[Channel]:
    """How a patient can be reached: a phone takes SMS, an email address email, a linked
    Telegram chat Telegram."""
    reach = set()
    if telegram_linked:
        reach.add(Channel.TELEGRAM)
    if phone:
        reach.add(Channel.SMS)
    if email:
        reach.add(Channel.EMAIL)
    return reach


def preferred(value: str | None) -> Channel | None:
    """The channel a patient's card prefers (None: none, or one no longer known)."""
    try:
        return Channel(value) if value else None
    except ValueError:
        return None


# GSM 03.38: the basic set, one septet each; the extension set costs two (an escape first).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def sms_length(text: str) -> SmsLength:
    """How many SMS a text takes: GSM-7 fits 160 septets in one, 153 a part when split; any
    other character (Cyrillic, emoji) makes the whole text UCS-2: 70 in one, 67 a part (an
    emoji takes two UTF-16 units)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    if units == 0:
        return SmsLength(encoding, 0, 0)
    segments = 1 if units <= single else -(-units // part)
    return SmsLength(encoding, units, segments)


MAX_SMS_SEGMENTS = 2  # a template longer than this is flagged with its length


@dataclass(frozen=True)
class SmsBudget:
    """A clinic's monthly SMS budget, in minor units of its currency (None: no cap)."""

    cap_minor: int | None
    spent_minor: int

    def allows(self, cost_minor: int) -> bool:
        return self.cap_minor is None or self.spent_minor + cost_minor <= self.cap_minor

    @property
    def reached(self) -> bool:
        return self.cap_minor is not None and self.spent_minor >= self.cap_minor


@dataclass(frozen=True)
class VisitToRemind:
    visit_id: str
    patient_key: str  # who the message goes to: the phone in E.164 (else the patient's id)
    starts_at: datetime


def merge_by_day(visits: Sequence[VisitToRemind],
                 zone: ZoneInfo) -> list[list[VisitToRemind]]:
    """Visits of one patient (one phone) on one local day make one message: groups in time
    order, each in time order."""
    groups: dict[tuple[str, date], list[VisitToRemind]] = {}
    for visit in sorted(visits, key=lambda v: v.starts_at):
        groups.setdefault((visit.patient_key, visit.starts_at.astimezone(zone).date()),
                          []).append(visit)
    return sorted(groups.values(), key=lambda group: group[0].starts_at)


def message_key(visit_id: str, kind: MessageKind, version: int) -> str:
    """One message per visit, kind and version of the visit (a second reminder after a move is
    a new version): stored unique, so two workers or a retry after a crash send it once."""
    return f"{visit_id}:{kind.value}:{version}"


def key_version(key: str) -> int | None:
    """The visit version a message key was made for (None: not a key of `message_key`)."""
    _, _, version = key.rpartition(":")
    return int(version) if version.isdigit() else None


MOVE_NOTICE_THRESHOLD = timedelta(minutes=15)


def change_worth_a_notice(old_start: datetime, new_start: datetime, old_doctor: str,
                          new_doctor: str) -> bool:
    """A move of more than 15 minutes, or another doctor, is worth telling the patient."""
    return abs(new_start - old_start) > MOVE_NOTICE_THRESHOLD or old_doctor != new_doctor


# What a clinic's message templates may say; anything else in braces is a mistake to point out.
PLACEHOLDERS = ("clinic", "date", "time", "doctor", "address", "link")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MAX_TEMPLATE = 1000


def fill_template(template: str, values: dict[str, str]) -> str:
    """The template with its placeholders filled in. Only `{name}` of `PLACEHOLDERS` is
    replaced, by plain text (not `str.format`: a template typed by a person must not reach
    attributes or format specs); an unknown one is left as typed."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return values.get(name, match.group(0)) if name in PLACEHOLDERS else match.group(0)
    return _PLACEHOLDER.sub(value, template)


def template_errors(template: str, sample: dict[str, str]) -> list[str]:
    """What is wrong with a template, as codes: empty, too long, a placeholder that does not
    exist, or more than `MAX_SMS_SEGMENTS` SMS once filled in with `sample` (a real upcoming
    visit's values)."""
    errors = []
    if not template.strip():
        errors.append("template_empty")
    if len(template) > MAX_TEMPLATE:
        errors.append("template_too_long")
    if any(name not in PLACEHOLDERS for name in _PLACEHOLDER.findall(template)):
        errors.append("template_unknown_placeholder")
    if sms_length(fill_template(template, sample)).segments > MAX_SMS_SEGMENTS:
        errors.append("template_over_two_sms")
    return errors
