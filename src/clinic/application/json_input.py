"""The one rule for JSON from outside (the API's request bodies, the payment provider's
webhooks): a bounded size, a bounded depth, standard JSON only, and text that is text."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_JSON_BYTES = 64 * 1024  # the largest API body (a visit with a long note) is under 8 KiB
MAX_JSON_DEPTH = 32  # the API's bodies nest 2 levels, a provider's event about 10


class JsonRefused(ValueError):
    """The payload breaks the rule; `code` says how: too_large, too_deep, not_json, not_text."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _constant(name: str) -> Any:
    raise JsonRefused("not_json")  # NaN, Infinity: not JSON, and not a number to keep


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise JsonRefused("not_json")
    return value


def _depth(value: Any, limit: int) -> int:
    """How deep `value` nests (a scalar is 0), counted without recursion, stopping past `limit`."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            if depth > limit:
                return depth
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in
                         (item.values() if isinstance(item, dict) else item))
    return deepest


def load_json(payload: bytes, *, max_bytes: int = MAX_JSON_BYTES,
              max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The payload as Python values, or JsonRefused. The parser refuses what nests past the
    interpreter's recursion limit by itself (RecursionError); what it reads is then measured."""
    if len(payload) > max_bytes:
        raise JsonRefused("too_large")
    try:
        value = json.loads(payload.decode("utf-8"), parse_constant=_constant,
                           parse_float=_number)
    except RecursionError:
        raise JsonRefused("too_deep") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, an int of 5,000 digits
        if isinstance(error, JsonRefused):
            raise
        raise JsonRefused("not_json") from None
    if _depth(value, max_depth) > max_depth:
        raise JsonRefused("too_deep")
    try:  # a lone "\ud800" decodes to a surrogate, which no UTF-8 writer accepts later
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonRefused("not_text") from None
    return value
