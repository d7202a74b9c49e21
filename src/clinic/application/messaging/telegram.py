"""The clinic's own Telegram bot: connected in Settings with the token from @BotFather; a
patient links their chat by pressing Start on `t.me/<bot>?start=<code>` (from the card, as a
link or a QR code); the buttons under a reminder answer it. Telegram's updates come to
`/webhooks/telegram/<clinic's settings id>` with the secret it was given, checked before
anything is read; an update can only touch its own clinic's patients and visits."""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from clinic.application.authorization import authorize
from clinic.application.messaging.answer import AnswerVisit
from clinic.application.ports import ANY_CLINIC, Clock, UnitOfWorkFactory
from clinic.domain.patient_messages import MessagingSettings, Reply
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.domain.team import Permission

_TOKEN = re.compile(r"^[0-9]{5,16}:[A-Za-z0-9_-]{30,60}$")  # BotFather's "123456:AAE..."
_START = re.compile(r"^/start(?:@\w+)?\s+([A-Za-z0-9]{12})\s*$")
_ANSWER = re.compile(r"^([A-Za-z0-9]{12}):(coming|reschedule|cancel)$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


class BotFailed(Exception):
    """Telegram refused the token, or could not be reached."""

    def __init__(self, unreachable: bool) -> None:
        super().__init__("telegram_unreachable" if unreachable else "telegram_token_invalid")
        self.unreachable = unreachable


class TelegramBots(Protocol):
    def check(self, token: str) -> str:
        """The bot's @name for this token; BotFailed if the token is wrong or Telegram is
        unreachable."""
        ...

    def point_at(self, token: str, url: str, secret: str) -> None:
        """Send the bot's updates to `url` with `secret` (BotFailed as above)."""
        ...

    def forget(self, token: str) -> None:
        """Stop sending the bot's updates to us (best effort)."""
        ...

    def say(self, token: str, chat_id: str, text: str) -> None:
        """A plain message to a chat (best effort)."""
        ...

    def acknowledge(self, token: str, callback_id: str, text: str) -> None:
        """Answer a button press with a short note (best effort)."""
        ...


class TelegramWords(Protocol):
    def linked(self, locale: str, clinic: str) -> str: ...

    def unknown_code(self, locale: str) -> str: ...

    def answered(self, locale: str, reply: Reply, outcome: str) -> str: ...


class ConnectTelegram:
    requires = Permission.SETTINGS

    def __init__(self, uow_factory: UnitOfWorkFactory, bots: TelegramBots, clock: Clock,
                 base_url: str) -> None:
        self.uow_factory, self.bots, self.clock = uow_factory, bots, clock
        self.base_url = base_url.rstrip("/")

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID, token: str) -> str:
        """The bot's @name once it is connected."""
        token = token.strip()
        if not _TOKEN.match(token):
            raise ValidationFailed({"telegram_token": "telegram_token_invalid"})
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            settings = uow.messages.settings()
            if settings is None:
                settings = MessagingSettings(clinic_id=clinic_id)
                uow.messages.add_settings(settings)
                uow.commit()
            hook = f"{self.base_url}/webhooks/telegram/{settings.id}"
        secret = secrets.token_urlsafe(32)
        try:
            name = self.bots.check(token)
            self.bots.point_at(token, hook, secret)
        except BotFailed as failed:
            raise ValidationFailed({"telegram_token": str(failed)}) from None
        with self.uow_factory(clinic_id) as uow:
            settings = uow.messages.settings()
            assert settings is not None
            settings.telegram_token, settings.telegram_bot = token, name
            settings.telegram_secret = secret
            if "telegram" not in settings.channels.split(","):
                settings.channels = ",".join(["telegram", *settings.channels.split(",")])
            settings.updated_at, settings.updated_by = self.clock.now(), actor_id
            uow.commit()
        return name

    def disconnect(self, clinic_id: uuid.UUID, actor_id: uuid.UUID) -> None:
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            settings = uow.messages.settings()
            if settings is None or not settings.telegram_token:
                return
            token = settings.telegram_token
            settings.telegram_token = settings.telegram_bot = settings.telegram_secret = None
            settings.updated_at, settings.updated_by = self.clock.now(), actor_id
            uow.commit()
        self.bots.forget(token)


@dataclass(frozen=True)
class TelegramLink:
    bot: str  # without the "@"
    code: str
    linked: bool  # the patient has pressed Start already

    @property
    def url(self) -> str:
        return f"https://t.me/{self.bot}?start={self.code}"


class LinkTelegram:
    """The card's "Connect Telegram": the patient's start code, made once and kept."""

    requires = Permission.PATIENTS

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self, clinic_id: uuid.UUID, actor_id: uuid.UUID,
                 patient_id: uuid.UUID) -> TelegramLink | None:
        """None while the clinic has no bot."""
        with self.uow_factory(clinic_id) as uow:
            authorize(uow, clinic_id, actor_id, self.requires)
            settings = uow.messages.settings()
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound()
            if settings is None or not settings.telegram_bot:
                return None
            if patient.telegram_code is None:
                patient.telegram_code = "".join(secrets.choice(CODE_ALPHABET)
                                                for _ in range(12))
                uow.commit()
            return TelegramLink(settings.telegram_bot, patient.telegram_code,
                                patient.telegram_chat_id is not None)


class HandleTelegramUpdate:
    """One update of a clinic's bot: "/start <code>" links a patient's chat; a button answers
    a reminder. Anything else is ignored. Safe to receive twice."""

    def __init__(self, uow_factory: UnitOfWorkFactory, bots: TelegramBots,
                 words: TelegramWords, answer: AnswerVisit) -> None:
        self.uow_factory, self.bots, self.words, self.answer = uow_factory, bots, words, answer

    def __call__(self, hook_id: str, secret: str, update: Mapping[str, Any]) -> bool:
        """False when the hook or its secret is not ours (nothing is read)."""
        try:
            settings_id = uuid.UUID(hook_id)
        except ValueError:
            return False
        with self.uow_factory(ANY_CLINIC) as uow:
            settings = uow.messages.settings_by_id(settings_id)
            if (settings is None or not settings.telegram_secret or not settings.telegram_token
                    or not hmac.compare_digest(settings.telegram_secret.encode(),
                                               secret.encode())):
                return False
            clinic_id, token = settings.clinic_id, settings.telegram_token
        message, callback = update.get("message"), update.get("callback_query")
        if isinstance(message, Mapping):
            self._start(clinic_id, token, message)
        elif isinstance(callback, Mapping):
            self._button(clinic_id, token, callback)
        return True

    def _start(self, clinic_id: uuid.UUID, token: str, message: Mapping[str, Any]) -> None:
        text, chat = message.get("text"), message.get("chat")
        if not isinstance(text, str) or not isinstance(chat, Mapping) or "id" not in chat:
            return
        match = _START.match(text.strip())
        if match is None:
            return
        chat_id = str(chat["id"])[:32]
        with self.uow_factory(clinic_id) as uow:
            clinic = uow.clinics.get(clinic_id)
            patient = uow.patients.with_telegram_code(match.group(1))
            locale = clinic.locale if clinic else "ru"
            if patient is None or clinic is None:
                reply = self.words.unknown_code(locale)
            else:
                patient.telegram_chat_id = chat_id
                uow.commit()
                reply = self.words.linked(locale, clinic.name)
        self.bots.say(token, chat_id, reply)

    def _button(self, clinic_id: uuid.UUID, token: str, callback: Mapping[str, Any]) -> None:
        data, callback_id = callback.get("data"), callback.get("id")
        if not isinstance(data, str) or not isinstance(callback_id, str):
            return
        match = _ANSWER.match(data)
        if match is None:
            return
        code, reply = match.group(1), Reply(match.group(2))
        with self.uow_factory(ANY_CLINIC) as uow:
            message = uow.messages.by_link_code(code)
            if message is None or message.clinic_id != clinic_id:  # never another clinic's
                return
            clinic = uow.clinics.get(clinic_id)
        outcome = self.answer(code, reply)
        self.bots.acknowledge(token, callback_id, self.words.answered(
            clinic.locale if clinic else "ru", reply, outcome))

