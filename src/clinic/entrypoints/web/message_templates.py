"""The messages a clinic sends its patients until it writes its own, in the clinic's language
(issue 19). Placeholders: domain.messaging.PLACEHOLDERS."""

from __future__ import annotations

from flask_babel import gettext as _

from clinic.domain.messaging import MessageKind


def default_templates() -> dict[MessageKind, str]:
    """Short on purpose: a reminder with a link must fit two SMS in Cyrillic (134 characters)."""
    return {
        MessageKind.CONFIRMATION: _("{clinic}: you are booked for {date} at {time}, doctor "
                                    "{doctor}. {address}"),
        MessageKind.REMINDER: _("{clinic}: we expect you {date} at {time}, doctor {doctor}. "
                                "Reply: {link}"),
        MessageKind.CHANGE: _("{clinic}: your visit is now {date} at {time}, doctor {doctor}. "
                              "{link}"),
        MessageKind.CANCELLATION: _("{clinic}: your visit on {date} at {time} is cancelled. Call "
                                    "us to choose another time."),
    }
