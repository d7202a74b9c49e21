"""The input rules of `domain/shared.py` at the pages' door, each applied in one place.

- Text: every query-string and form value (and name) a page receives obeys the text rule (no
  control characters: a NUL cannot be stored by PostgreSQL and was a 500 on any form, search,
  /signin and /signup). Checked before any view runs.
- Days and pages in the query string: `day_arg` and `page_arg`, used by every page that takes
  a `?date=`, `?from=`/`?to=` or `?page=`.
A refusal raises ValidationFailed; `errors.py` answers it with a 422 page in the person's
language that says what to fix, and a way back to what they typed. (The API applies the same
rules in its own parser, `api/errors.py`.)"""

from __future__ import annotations

import uuid
from datetime import date

from flask import Flask, request

from clinic.domain.shared import (
    ValidationFailed,
    characters_error,
    date_range_errors,
    day_error,
    page_offset,
)


def _refuse_control_characters() -> None:
    if request.path.startswith("/api/"):
        return  # the API's parser says the same as problem+json, naming the JSON field
    errors: dict[str, str] = {}
    for source in (request.args, request.form):
        for name, values in source.lists():
            if characters_error(name):
                errors["field"] = "control_characters"
                continue
            for value in values:
                code = characters_error(value)
                if code:
                    errors[name] = code
    if errors:
        raise ValidationFailed(errors)


def day_arg(name: str, default: date | None = None) -> date | None:
    """A day from the query string: absent or unreadable gives `default` (a link from an old
    bookmark still opens), a day outside the years the clinic can use is refused."""
    return day_of(request.args.get(name, ""), name) or default


def day_of(text: str, name: str) -> date | None:
    """The day a query value starts with ("2026-12-03", "2026-12-03T10:00"), by the same rule;
    None when there is none to read."""
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return None
    code = day_error(day)
    if code:
        raise ValidationFailed({name: code})
    return day


def days_arg(first: str = "from", last: str = "to") -> tuple[date | None, date | None]:
    """Two days bounding a period, by the one date-range rule."""
    since, until = day_arg(first), day_arg(last)
    errors = date_range_errors(since, until, names=(first, last))
    if errors:
        raise ValidationFailed(errors)
    return since, until


def page_arg(per_page: int) -> tuple[int, int]:
    """`?page=` (from 1) and the offset of its first row, by the one pagination rule."""
    page = request.args.get("page", 1, type=int) or 1
    return page, page_offset(page, per_page)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_control_characters)


def uuid_or_none(raw: str | None) -> uuid.UUID | None:
    """An id from a query string or a form field, or None when it is absent or not an id."""
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None
