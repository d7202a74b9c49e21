"""The words of patient messages (adapters/message_writer.py): in the clinic's language from the
compiled catalogs (no web request needed: jobs write them), every placeholder known, dates and
times as the language writes them, and a reminder with its real link within two SMS in
Cyrillic."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from clinic.adapters.message_writer import BabelMessageWriter
from clinic.adapters.visit_links import RandomVisitLinks
from clinic.application.messaging.ports import VisitFacts
from clinic.domain.messaging import Channel, MessageKind, sms_length, template_errors

MOSCOW = ZoneInfo("Europe/Moscow")
LINK = RandomVisitLinks("https://app.chairside.ru").link("Ab3dE6gH9kLm")
FACTS = VisitFacts(clinic="Стоматология «Улыбка»", starts=(datetime(2026, 12, 8, 7, 0,
                                                                   tzinfo=UTC),),
                   doctors=("Ковалёва Анна Игоревна",), address="ул. Ленина, 5", link=LINK,
                   zone=MOSCOW)


ENGLISH = VisitFacts(clinic="Bright Smile Dental", starts=FACTS.starts,
                     doctors=("Dr Anna Kovaleva",), address="5 Lenin St", link=LINK,
                     zone=MOSCOW)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_default_messages_are_in_the_clinics_language_and_fit_two_sms(language):
    writer = BabelMessageWriter()
    facts = FACTS if language == "ru" else ENGLISH
    sample = writer.values(language, facts)
    for kind in (MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.CHANGE,
                 MessageKind.CANCELLATION):
        template = writer.default_template(kind, language)
        assert template_errors(template, sample) == [], (kind, template)
    reminder = writer.write(MessageKind.REMINDER, Channel.SMS, language, None, facts)
    assert reminder.subject == ""  # an SMS has none
    if language == "ru":
        assert reminder.text == ("Стоматология «Улыбка»: ждём вас 8 декабря в 10:00, врач "
                                 f"Ковалёва Анна Игоревна. Ответить: {LINK}")
        assert sms_length(reminder.text).segments == 2
    else:
        assert reminder.text == ("Bright Smile Dental: we expect you December 8 at "
                                 f"10:00 AM, doctor Dr Anna Kovaleva. Reply: {LINK}")
        assert sms_length(reminder.text).encoding == "GSM-7"


def test_an_email_has_a_subject_and_two_visits_of_a_day_make_one_sentence():
    facts = VisitFacts(clinic="Улыбка", starts=(datetime(2026, 12, 8, 7, 0, tzinfo=UTC),
                                                datetime(2026, 12, 8, 8, 30, tzinfo=UTC)),
                       doctors=("Ковалёва А. И.", "Ковалёва А. И."), link=LINK, zone=MOSCOW)
    words = BabelMessageWriter().write(MessageKind.REMINDER, Channel.EMAIL, "ru", None, facts)
    assert words.subject == "Напоминание: Улыбка, 8 декабря в 10:00 и 11:30"
    assert "8 декабря в 10:00 и 11:30, врач Ковалёва А. И." in words.text


def test_the_clinics_own_template_is_filled_as_plain_text():
    template = "{clinic} {date} {time} {doctor.__class__} {link}"
    words = BabelMessageWriter().write(MessageKind.REMINDER, Channel.SMS, "ru", template, FACTS)
    assert words.text == f"Стоматология «Улыбка» 8 декабря 10:00 {{doctor.__class__}} {LINK}"
