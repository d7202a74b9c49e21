"""What messaging needs from the outside: the send log and settings in the database, the
channels that carry a message, the words of a message, and the signed link in it."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from clinic.domain.messaging import Channel, MessageKind
from clinic.domain.patient_messages import MessagingSettings, PatientMessage, Reply


class MessageRepository(Protocol):
    def settings(self) -> MessagingSettings | None:
        """The unit of work's clinic's settings (None: never saved, i.e. reminders off)."""
        ...

    def add_settings(self, settings: MessagingSettings) -> None: ...

    def settings_by_id(self, settings_id: uuid.UUID) -> MessagingSettings | None:
        """A clinic's settings by their id (the Telegram webhook's address; ANY_CLINIC)."""
        ...

    def clinics_with_reminders(self) -> Sequence[uuid.UUID]:
        """Every clinic that has reminders on (asked with ANY_CLINIC)."""
        ...

    def add(self, message: PatientMessage) -> None: ...

    def get(self, message_id: uuid.UUID) -> PatientMessage | None: ...

    def existing_keys(self, keys: Collection[str]) -> set[str]:
        """Which of these keys the clinic's send log already holds."""
        ...

    def for_appointment(self, appointment_id: uuid.UUID) -> Sequence[PatientMessage]: ...

    def for_patient(self, patient_id: uuid.UUID) -> Sequence[PatientMessage]: ...

    def awaiting_delivery(self, channel: Channel, since: datetime,
                          limit: int = 100) -> Sequence[PatientMessage]:
        """Every clinic's messages sent by this channel since then, with a provider's id,
        not yet known to be delivered (asked with ANY_CLINIC)."""
        ...

    def sms_spent(self, since: datetime) -> int:
        """What the unit of work's clinic's SMS sent since that moment cost, in minor units."""
        ...

    def by_link_code(self, code: str) -> PatientMessage | None:
        """The message whose link carries this code (asked with ANY_CLINIC)."""
        ...

    def claim(self, message_id: uuid.UUID, now: datetime) -> bool:
        """Take a queued message for sending, atomically: True for one caller only."""
        ...

    def unfinished(self, before: datetime) -> Sequence[PatientMessage]:
        """Every clinic's messages still queued since before that moment (their job never ran,
        or a try failed then, or they were held until then), and those a worker took then and
        never finished."""
        ...


@dataclass(frozen=True)
class Outgoing:
    """A finished message for one channel."""

    channel: Channel
    to: str
    subject: str
    text: str
    html: str | None = None
    buttons: tuple[tuple[str, str], ...] = ()  # (label, answer), where the channel has buttons
    credentials: str | None = field(default=None, repr=False)  # the clinic's own (its bot)


class ChannelRefused(Exception):
    """The provider will never take this message (a wrong number, a blocked bot): not retried."""


class ChannelUnavailable(Exception):
    """The provider is down or answered 5xx: tried again later."""


class ChannelSender(Protocol):
    def send(self, message: Outgoing) -> str | None:
        """Hand the message over; the provider's id for it, if it gives one."""
        ...

    def cost_minor(self, message: Outgoing) -> int | None:
        """What sending it would cost, in minor units (None: nothing to count)."""
        ...


@dataclass(frozen=True)
class Delivery:
    """What a provider says of one sent message."""

    delivered: bool
    failed_reason: str | None  # None while it is still on its way or once delivered


class DeliveryTracker(Protocol):
    def deliveries(self, refs: Sequence[str]) -> dict[str, Delivery]:
        """The known outcome of up to 100 sent messages by the provider's ids (those still
        on their way are left out)."""
        ...


class Channels(Protocol):
    def available(self) -> frozenset[Channel]:
        """The channels this installation can carry (a console stands in without keys)."""
        ...

    def sender(self, channel: Channel) -> ChannelSender: ...

    def tracker(self, channel: Channel) -> DeliveryTracker | None:
        """Who can say whether this channel's messages arrived (None: nobody)."""
        ...


@dataclass(frozen=True)
class VisitFacts:
    """What a message about a visit (or two visits of one day) says."""

    clinic: str
    starts: tuple[datetime, ...]
    doctors: tuple[str, ...]
    address: str = ""
    link: str = ""
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))


@dataclass(frozen=True)
class Words:
    subject: str
    text: str
    html: str | None = None
    buttons: tuple[tuple[str, str], ...] = ()


class MessageWriter(Protocol):
    def default_template(self, kind: MessageKind, locale: str) -> str: ...

    def write(self, kind: MessageKind, channel: Channel, locale: str, template: str | None,
              facts: VisitFacts) -> Words:
        """The message in the clinic's language: its own template or the default one."""
        ...

    def reply_labels(self, locale: str) -> dict[Reply, str]:
        """The answer buttons' words ("I will come", "Another time", "Cancel")."""
        ...

    def values(self, locale: str, facts: VisitFacts) -> dict[str, str]:
        """The placeholders' values (for a template's preview and length check)."""
        ...


class VisitLinks(Protocol):
    def new_code(self) -> str:
        """A new unguessable code for one message's link."""
        ...

    def link(self, code: str) -> str:
        """The short link to the answer page of the message with this code."""
        ...

    def well_formed(self, code: str) -> bool:
        """Whether it could be a code at all (checked before any lookup)."""
        ...
