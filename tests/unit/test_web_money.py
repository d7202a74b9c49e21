"""The web writes money one way (`i18n.money`), and app.js writes the booking dialog's running
total by the attributes `money_data` gives it: the same minor digits in every case."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from clinic.entrypoints.web import i18n


@pytest.fixture
def language(monkeypatch):
    app = Flask(__name__)
    i18n.init_app(app)

    def use(code: str) -> None:
        monkeypatch.setattr(i18n, "current_language", lambda: code)

    with app.test_request_context():
        yield use


@pytest.mark.parametrize(("code", "minor", "currency", "text"), [
    ("ru", 250000, "RUB", "2\xa0500\xa0₽"), ("ru", 250050, "RUB", "2\xa0500,50\xa0₽"),
    ("en", 500, "USD", "$5.00"), ("en", 150, "JPY", "¥150"), ("en", 1500, "KWD", "KWD1.500"),
])
def test_whole_amounts_drop_the_minor_unit_but_where_people_write_cents(
        language, code, minor, currency, text):
    language(code)
    assert i18n.money_minor(minor, currency) == text


def _js_digits(data: str, minor: int) -> int:
    """What app.js's updateTotal does with the attributes: the fraction digits it writes."""
    digits = int(re.search(r'data-minor-digits="(\d)"', data).group(1))
    return 0 if minor % 10 ** digits == 0 and "data-whole-short" in data else digits


@pytest.mark.parametrize("currency", ["RUB", "USD", "EUR", "JPY", "KWD"])
@pytest.mark.parametrize("minor", [0, 5, 250000, 250050, 1234567])
def test_the_running_totals_attributes_follow_the_servers_rule(language, currency, minor):
    language("ru")
    data = str(i18n.money_data(currency))
    assert f'data-currency="{currency}" data-locale="ru"' in data
    written = i18n.money_minor(minor, currency)
    fraction = re.search(r",(\d+)", written)
    assert _js_digits(data, minor) == (len(fraction.group(1)) if fraction else 0), written
