"""The channels a patient message goes by. Email through the app's mailer (SMTP, or the console
without it); SMS and Telegram by their providers' adapters when configured, else the console,
so `make run` shows every message as it would go out (the send log keeps it too)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping

from clinic.adapters.smsru import SmsRu
from clinic.adapters.telegram import TelegramChannel
from clinic.application.messaging.ports import (
    ChannelRefused,
    ChannelSender,
    DeliveryTracker,
    Outgoing,
)
from clinic.application.outbox.message import EmailMessage
from clinic.application.ports import Mailer
from clinic.domain.messaging import Channel

log = logging.getLogger("clinic.messages")


class EmailChannel:
    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def send(self, message: Outgoing) -> str | None:
        try:
            self.mailer.send(EmailMessage(to=message.to, subject=message.subject,
                                          text=message.text + "\n", html=message.html))
        except smtplib.SMTPRecipientsRefused as error:  # this address will never take it
            raise ChannelRefused(f"email address refused: {error.recipients}") from error
        return None

    def cost_minor(self, message: Outgoing) -> int | None:
        return None


class ConsoleChannel:
    """Stands in for a provider that is not configured: prints what would be sent."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def send(self, message: Outgoing) -> str | None:
        log.info("%s to %s: %s", self.channel.value, message.to, message.text)
        print(f"\n--- {self.channel.value} to {message.to} (no provider configured: not sent) "
              f"---\n{message.text}\n", flush=True)
        return "console"  # the send log shows it was printed, not sent

    def cost_minor(self, message: Outgoing) -> int | None:
        return None


class InstalledChannels:
    def __init__(self, senders: Mapping[Channel, ChannelSender]) -> None:
        self.senders = dict(senders)

    def available(self) -> frozenset[Channel]:
        return frozenset(self.senders)

    def sender(self, channel: Channel) -> ChannelSender:
        return self.senders[channel]

    def tracker(self, channel: Channel) -> DeliveryTracker | None:
        sender = self.senders.get(channel)
        return sender if isinstance(sender, SmsRu) else None


def installed_channels(mailer: Mailer, smsru_api_id: str | None = None,
                       smsru_from: str | None = None, smsru_api_base: str = "https://sms.ru",
                       telegram_api_base: str = "https://api.telegram.org"
                       ) -> InstalledChannels:
    """Email by the mailer; SMS through SMS.ru with its key, else on the console; Telegram
    through each clinic's own bot (to the patients who linked their chat)."""
    sms: ChannelSender = (SmsRu(smsru_api_id, smsru_from, smsru_api_base) if smsru_api_id
                          else ConsoleChannel(Channel.SMS))
    return InstalledChannels({Channel.EMAIL: EmailChannel(mailer), Channel.SMS: sms,
                              Channel.TELEGRAM: TelegramChannel(telegram_api_base)})
