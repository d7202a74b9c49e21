"""A clinic's own Telegram bot through the Bot API (https://core.telegram.org/bots/api), with
httpx: `getMe` checks a token, `setWebhook` points the bot's updates at us with a secret token
Telegram sends back in a header, `sendMessage` writes to a patient who pressed Start (with
inline buttons), `answerCallbackQuery` acknowledges a button. Every answer is `{"ok": true,
"result": ...}` or `{"ok": false, "error_code", "description"}`; 403 (the patient blocked the
bot) and 400 (no such chat) will not change by retrying, 429 and 5xx will."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from clinic.application.messaging.ports import ChannelRefused, ChannelUnavailable, Outgoing
from clinic.application.messaging.telegram import BotFailed


class TelegramError(Exception):
    """The Bot API refused a call (a wrong token: 401/404)."""


class TelegramBotApi:
    def __init__(self, token: str, base_url: str = "https://api.telegram.org",
                 timeout: float = 10.0) -> None:
        self.token = token
        self.client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def get_me(self) -> dict[str, Any]:
        """The bot itself ({"id", "username", ...}); TelegramError for a wrong token."""
        found: dict[str, Any] = self._call("getMe", {}, refuse=True)
        return found

    def set_webhook(self, url: str, secret_token: str) -> None:
        self._call("setWebhook", {"url": url, "secret_token": secret_token,
                                  "allowed_updates": ["message", "callback_query"],
                                  "drop_pending_updates": True}, refuse=True)

    def delete_webhook(self) -> None:
        self._call("deleteWebhook", {}, refuse=True)

    def send_message(self, chat_id: str, text: str,
                     buttons: tuple[tuple[str, str], ...] = ()) -> str:
        body: dict[str, Any] = {"chat_id": chat_id, "text": text,
                                "link_preview_options": {"is_disabled": True}}
        if buttons:
            body["reply_markup"] = {"inline_keyboard": [[
                {"text": label, "callback_data": data} for label, data in buttons]]}
        result = self._call("sendMessage", body)
        return str(result.get("message_id", ""))

    def answer_callback(self, callback_id: str, text: str) -> None:
        self._call("answerCallbackQuery", {"callback_query_id": callback_id, "text": text})

    def _call(self, method: str, body: dict[str, Any], refuse: bool = False) -> Any:
        try:
            response = self.client.post(f"/bot{self.token}/{method}", json=body)
        except httpx.HTTPError as error:
            raise ChannelUnavailable(f"Telegram unreachable: {type(error).__name__}") from error
        try:
            answer = response.json()
        except ValueError:
            raise ChannelUnavailable(f"Telegram answered HTTP {response.status_code}, "
                                     "not JSON") from None
        if isinstance(answer, dict) and answer.get("ok") is True:
            return answer.get("result") or {}
        if not isinstance(answer, dict):
            answer = {}
        code = answer.get("error_code", response.status_code)
        words = f"Telegram {code}: {answer.get('description', '')}"
        if refuse and code in (401, 404):
            raise TelegramError(words)
        if code in (400, 403):
            raise ChannelRefused(words)
        raise ChannelUnavailable(words)


class TelegramChannel:
    """Sends through the clinic's own bot: its token comes with each message."""

    def __init__(self, base_url: str = "https://api.telegram.org") -> None:
        self.base_url = base_url

    def send(self, message: Outgoing) -> str | None:
        if not message.credentials:
            raise ChannelRefused("the clinic's Telegram bot is not connected")
        return TelegramBotApi(message.credentials, self.base_url).send_message(
            message.to, message.text, message.buttons) or None

    def cost_minor(self, message: Outgoing) -> int | None:
        return None


class TelegramBots:
    """The application's `TelegramBots` port over the Bot API."""

    def __init__(self, base_url: str = "https://api.telegram.org") -> None:
        self.base_url = base_url

    def _api(self, token: str) -> TelegramBotApi:
        return TelegramBotApi(token, self.base_url)

    def check(self, token: str) -> str:
        try:
            return str(self._api(token).get_me().get("username") or "")
        except TelegramError:
            raise BotFailed(unreachable=False) from None
        except (ChannelUnavailable, ChannelRefused):
            raise BotFailed(unreachable=True) from None

    def point_at(self, token: str, url: str, secret: str) -> None:
        try:
            self._api(token).set_webhook(url, secret)
        except TelegramError:
            raise BotFailed(unreachable=False) from None
        except (ChannelUnavailable, ChannelRefused):
            raise BotFailed(unreachable=True) from None

    def forget(self, token: str) -> None:
        with contextlib.suppress(TelegramError, ChannelUnavailable, ChannelRefused):
            self._api(token).delete_webhook()

    def say(self, token: str, chat_id: str, text: str) -> None:
        with contextlib.suppress(ChannelUnavailable, ChannelRefused):
            self._api(token).send_message(chat_id, text)

    def acknowledge(self, token: str, callback_id: str, text: str) -> None:
        with contextlib.suppress(ChannelUnavailable, ChannelRefused):
            self._api(token).answer_callback(callback_id, text[:200])
