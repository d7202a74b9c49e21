"""A URL with `{id}` where each row's id goes: `url_for` once a page, not once a row (for a
busy day's ~100 rows that was a quarter of the page's time)."""

from __future__ import annotations

import uuid

from flask import url_for

_ZERO = uuid.UUID(int=0)


def url_pattern(endpoint: str, key: str = "appointment_id") -> str:
    values: dict[str, object] = {key: _ZERO}
    return url_for(endpoint, **values).replace(str(_ZERO), "{id}")  # type: ignore[arg-type]
