"""The messages a clinic sends until it writes its own: in its language, every placeholder
known, and the reminder with its link within two SMS in Cyrillic."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from clinic.domain.messaging import MessageKind, fill_template, sms_length, template_errors
from clinic.entrypoints.web.message_templates import default_templates

SAMPLE = {"clinic": "Стоматология «Улыбка»", "date": "8 дек.", "time": "10:00",
          "doctor": "Ковалёва Анна Игоревна", "address": "ул. Ленина, 5",
          "link": "https://chairside.example/r/Ab3dE6gH"}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_default_messages_are_in_the_clinics_language_and_fit_two_sms(app, language):
    with app.test_request_context(), force_locale(language):
        templates = default_templates()
    assert set(templates) == {MessageKind.CONFIRMATION, MessageKind.REMINDER,
                              MessageKind.CHANGE, MessageKind.CANCELLATION}
    for kind, template in templates.items():
        assert template_errors(template, SAMPLE) == [], (kind, template)
    reminder = fill_template(templates[MessageKind.REMINDER], SAMPLE)
    if language == "ru":
        assert reminder == ("Стоматология «Улыбка»: ждём вас 8 дек. в 10:00, врач Ковалёва "
                            "Анна Игоревна. Ответить: https://chairside.example/r/Ab3dE6gH")
        assert sms_length(reminder).segments == 2  # 123 characters of UCS-2, 67 a part
    else:
        assert reminder.startswith("Стоматология «Улыбка»: we expect you 8 дек. at 10:00")
