"""SMS through SMS.ru's HTTP API (https://sms.ru/api): `sms/send` to send, `sms/cost` for what a
message will cost (the clinic's monthly budget), `sms/status` for whether it reached the phone.
Always POST with `json=1` (a GET is answered 210); the answer has a request-level status and a
status per number. What cannot succeed later (a wrong number, the stop-list) is refused; what
may (the service down, 5xx, no money on the account) is tried again."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from clinic.application.messaging.ports import (
    ChannelRefused,
    ChannelUnavailable,
    Delivery,
    Outgoing,
)

log = logging.getLogger("clinic.smsru")

# Per number: the number or the route is wrong, or the recipient must not be written to.
_REFUSED = frozenset({202, 203, 205, 207, 209, 214, 215, 216, 217, 221, 550})
# Delivery states of `sms/status`
QUEUED_STATES = frozenset({100, 101, 102})
DELIVERED = 103
NOT_DELIVERED = frozenset({104, 105, 106, 107, 108, 150})
STATE_WORDS = {104: "not delivered: its time ran out", 105: "deleted by the operator",
               106: "the phone failed", 107: "not delivered, reason unknown",
               108: "rejected", 150: "no route to this number"}


class SmsRu:
    def __init__(self, api_id: str, sender: str | None = None,
                 base_url: str = "https://sms.ru", timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.api_id, self.sender = api_id, sender
        self.client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout,
                                   transport=transport)

    def send(self, message: Outgoing) -> str | None:
        number = _digits(message.to)
        form = {"to": number, "msg": message.text}
        if self.sender:
            form["from"] = self.sender
        result = self._number(self._call("sms/send", form), number)
        return str(result.get("sms_id") or "") or None

    def cost_minor(self, message: Outgoing) -> int:
        """What sending it would cost, in kopecks."""
        number = _digits(message.to)
        result = self._number(self._call("sms/cost", {"to": number, "msg": message.text}),
                              number)
        try:
            return int((Decimal(str(result.get("cost", "0"))) * 100).to_integral_value())
        except InvalidOperation:
            raise ChannelUnavailable(f"SMS.ru gave no readable cost: {result!r}") from None

    def deliveries(self, sms_ids: Sequence[str]) -> dict[str, Delivery]:
        """The state of up to 100 sent messages by their ids (unknown ids are left out)."""
        ids = list(sms_ids)[:100]
        if not ids:
            return {}
        answer = self._call("sms/status", {"sms_id": ",".join(ids)})
        found: dict[str, Delivery] = {}
        for sms_id, state in (answer.get("sms") or {}).items():
            code = _code(state)
            if code == DELIVERED:
                found[sms_id] = Delivery(True, None)
            elif code in NOT_DELIVERED:
                found[sms_id] = Delivery(False, STATE_WORDS[code])
        return found

    def _call(self, method: str, form: Mapping[str, str]) -> dict[str, Any]:
        try:
            response = self.client.post(f"/{method}",
                                        data={"api_id": self.api_id, "json": "1", **form})
        except httpx.HTTPError as error:  # refused, reset, timed out
            raise ChannelUnavailable(f"SMS.ru unreachable: {type(error).__name__}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise ChannelUnavailable(f"SMS.ru answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise ChannelUnavailable(f"SMS.ru answered HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise ChannelUnavailable("SMS.ru answered something that is not JSON") from None
        if not isinstance(answer, dict):
            raise ChannelUnavailable("SMS.ru answered JSON of an unexpected shape")
        if answer.get("status") != "OK":
            code = _code(answer)
            words = f"SMS.ru error {code}: {answer.get('status_text') or 'no text'}"
            log.warning(words)
            raise ChannelUnavailable(words)  # a wrong key, no money, the service down: later
        return answer

    @staticmethod
    def _number(answer: Mapping[str, Any], number: str) -> dict[str, Any]:
        result = (answer.get("sms") or {}).get(number)
        if not isinstance(result, dict):
            raise ChannelUnavailable(f"SMS.ru said nothing of {number}")
        if result.get("status") != "OK":
            code = _code(result)
            words = f"SMS.ru {code}: {result.get('status_text') or 'refused'}"
            if code in _REFUSED:
                raise ChannelRefused(words)
            raise ChannelUnavailable(words)
        return result


def _digits(phone: str) -> str:
    """SMS.ru wants the number as digits, country code first, no "+"."""
    return "".join(ch for ch in phone if ch.isdigit())


def _code(part: Mapping[str, Any]) -> int:
    try:
        return int(part.get("status_code", -1))
    except (TypeError, ValueError):
        return -1
