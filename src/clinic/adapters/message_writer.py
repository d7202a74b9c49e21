"""The words of a patient message, in the clinic's language: the default texts (translated
through the project's Babel catalogs, so a job outside any web request writes them too), dates
and times as the language writes them, and the clinic's own template filled in by the domain's
`fill_template` (plain text, never `str.format` on what a person typed)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.dates import format_skeleton, format_time
from babel.lists import format_list
from babel.support import NullTranslations, Translations

from clinic.application.messaging.ports import VisitFacts, Words
from clinic.domain.messaging import Channel, MessageKind, fill_template
from clinic.domain.patient_messages import Reply

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def _l(text: str) -> str:
    """Marks a text for the catalog; translated when a message is written."""
    return text


# Short on purpose: a reminder with its link must fit two SMS in Cyrillic (134 characters).
DEFAULTS: dict[MessageKind, str] = {
    MessageKind.CONFIRMATION: _l("{clinic}: you are booked for {date} at {time}, doctor "
                                 "{doctor}. {address}"),
    MessageKind.REMINDER: _l("{clinic}: we expect you {date} at {time}, doctor {doctor}. "
                             "Reply: {link}"),
    MessageKind.CHANGE: _l("{clinic}: your visit is now {date} at {time}, doctor {doctor}. "
                           "{link}"),
    MessageKind.CANCELLATION: _l("{clinic}: your visit on {date} at {time} is cancelled. Call "
                                 "us to choose another time."),
}
SUBJECTS: dict[MessageKind, str] = {
    MessageKind.CONFIRMATION: _l("You are booked: {clinic}, {date} at {time}"),
    MessageKind.REMINDER: _l("Reminder: {clinic}, {date} at {time}"),
    MessageKind.CHANGE: _l("Your visit has moved: {clinic}, {date} at {time}"),
    MessageKind.CANCELLATION: _l("Your visit is cancelled: {clinic}, {date}"),
}


_DOUBLE_DOT = re.compile(r"(?<!\.)\.\.(?!\.)")  # two dots, not an ellipsis


REPLY_LABELS: dict[Reply, str] = {Reply.COMING: _l("I will come"),
                                  Reply.RESCHEDULE: _l("Another time"),
                                  Reply.CANCEL: _l("Cancel the visit")}


@lru_cache(maxsize=8)
def _translations(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [locale], domain="messages")


def _plain(text: str) -> str:
    """Babel's narrow no-break spaces ("10:00\u202fAM") as plain ones: one such character
    would make a whole SMS UCS-2, 70 characters a part instead of 160."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


class BabelMessageWriter:
    def default_template(self, kind: MessageKind, locale: str) -> str:
        return str(_translations(locale).gettext(DEFAULTS[kind]))

    def reply_labels(self, locale: str) -> dict[Reply, str]:
        words = _translations(locale)
        return {reply: str(words.gettext(label)) for reply, label in REPLY_LABELS.items()}

    def values(self, locale: str, facts: VisitFacts) -> dict[str, str]:
        local = [start.astimezone(facts.zone) for start in facts.starts]
        days = list(dict.fromkeys(_plain(format_skeleton("MMMMd", moment, locale=locale))
                                  for moment in local))
        times = [_plain(format_time(moment.time(), "short", locale=locale)) for moment in local]
        doctors = [name for name in dict.fromkeys(facts.doctors) if name]
        return {"clinic": facts.clinic, "date": format_list(days, locale=locale),
                "time": format_list(times, locale=locale),
                "doctor": format_list(doctors, locale=locale) if doctors else "",
                "address": facts.address, "link": facts.link}

    def write(self, kind: MessageKind, channel: Channel, locale: str, template: str | None,
              facts: VisitFacts) -> Words:
        values = self.values(locale, facts)
        text = fill_template(template or self.default_template(kind, locale), values)
        text = " ".join(text.split(" ")).strip()  # an empty placeholder leaves no dangling space
        text = _DOUBLE_DOT.sub(".", text)  # "врач Ковалёва А. И.." from "{doctor}."
        subject = ""
        if channel is Channel.EMAIL:
            subject = fill_template(str(_translations(locale).gettext(SUBJECTS[kind])), values)
        return Words(subject=subject, text=text)


class BabelTelegramWords:
    """What the clinic's bot says back, in the clinic's language."""

    def linked(self, locale: str, clinic: str) -> str:
        return str(_translations(locale).gettext(_l(
            "Done: reminders of your visits to %(clinic)s will come here."))) % {
                "clinic": clinic}

    def unknown_code(self, locale: str) -> str:
        return str(_translations(locale).gettext(_l(
            "This link is not known. Ask the clinic for a new one.")))

    def answered(self, locale: str, reply: Reply, outcome: str) -> str:
        words = _translations(locale)
        if outcome != "open":
            return str(words.gettext(_l("This visit can no longer be answered here. Please "
                                        "call the clinic.")))
        return str(words.gettext({
            Reply.COMING: _l("Thank you! The clinic knows you are coming."),
            Reply.RESCHEDULE: _l("The clinic will call you to choose another time."),
            Reply.CANCEL: _l("The visit is cancelled."),
        }[reply]))
