"""What each domain error code says to a person, in their language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from clinic.domain.accounts import MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

_FIELD_ERRORS = {
    "required": _l("Please fill this in."),
    "too_long": _l("Please keep it under %(n)s characters.", n=MAX_NAME_LENGTH),
    "email_invalid": _l("This does not look like an email address. Example: anna@example.com"),
    "email_taken": _l("This email already has an account. Sign in instead, or use another email."),
    "password_too_short": _l("The password needs at least %(n)s characters.",
                             n=MIN_PASSWORD_LENGTH),
    "password_too_long": _l("The password can have at most %(n)s characters.",
                            n=MAX_PASSWORD_LENGTH),
}


def field_error(code: str) -> str:
    message = _FIELD_ERRORS.get(code)
    return str(message) if message is not None else str(_l("Please check this field."))


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    return {field: field_error(code) for field, code in errors.items()}
