"""Languages: Flask-Babel set-up, how a request's language is chosen, and locale-aware filters."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.numbers import format_currency
from flask import Flask, request
from flask_babel import Babel, format_date, get_locale
from flask_login import current_user
from markupsafe import Markup

from clinic.domain.shared import Money, minor_digits
from clinic.domain.team import Permission
from clinic.entrypoints.web.messages import phone

LANGUAGES = {"ru": "Русский", "en": "English"}
LANGUAGE_COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def select_locale() -> str:
    """A signed-in person's choice, then this browser's cookie, then the browser's languages."""
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return str(request.accept_languages.best_match(list(LANGUAGES), default="en"))


def current_language() -> str:
    return str(get_locale() or "en")


CENTS_ALWAYS = {"USD", "EUR", "GBP"}  # people there write $5.00; elsewhere 2 500 ₽


def whole_without_minor(currency: str) -> bool:
    """Whether a whole amount is written without its minor unit: 2 500 ₽, but $5.00."""
    return currency not in CENTS_ALWAYS


def money(amount: Decimal | int | float, currency: str) -> str:
    """`2 500 ₽` for whole amounts (kopecks only when there are some), `$5.00` style otherwise.
    The one way the web writes money; app.js follows it through `money_data`."""
    locale = Locale.parse(current_language())
    value = Decimal(str(amount))
    if value == value.to_integral_value() and whole_without_minor(currency):
        pattern = locale.currency_formats["standard"].pattern.split(";")[0]
        whole = re.sub(r"0\.0+", "0", pattern)
        return str(format_currency(value, currency, format=whole, locale=locale,
                                   currency_digits=False))
    return str(format_currency(value, currency, locale=locale))


def money_minor(amount_minor: int, currency: str) -> str:
    """`money` for an amount kept in minor units (kopecks, cents)."""
    return money(Money(int(amount_minor), currency).to_decimal(), currency)


def money_data(currency: str) -> Markup:
    """The attributes by which app.js writes a sum of minor units as `money_minor` does (the
    booking dialogs' running total): the page's language, the currency, its minor digits, and
    `data-whole-short` when a whole amount drops them. The browser's Intl.NumberFormat does the
    writing; what is written is decided here."""
    attributes = Markup('data-currency="{}" data-locale="{}" data-minor-digits="{}"').format(
        currency, current_language(), minor_digits(currency))
    return attributes + Markup(" data-whole-short") if whole_without_minor(currency) \
        else attributes


def weekday_short(value: date) -> str:
    return weekday_abbr(value.isoweekday())


def weekday_abbr(isoweekday: int) -> str:
    """"Mon" or «пн» for 1, in the page's language."""
    return _weekday(isoweekday, current_language())


@lru_cache(maxsize=32)
def _weekday(isoweekday: int, language: str) -> str:
    names = Locale.parse(language).days["format"]["abbreviated"]
    return str(names[isoweekday - 1])


def local_time(value: datetime) -> str:
    """HH:MM in the clinic's time zone."""
    zone = ZoneInfo(current_user.clinic_timezone or "UTC")
    return value.astimezone(zone).strftime("%H:%M")


def short_datetime(value: datetime) -> str:
    """"24 Nov 2026, 09:05" in the clinic's time zone."""
    local = value.astimezone(ZoneInfo(current_user.clinic_timezone or "UTC"))
    return f"{format_date(local.date(), format='medium')}, {local:%H:%M}"


def long_date(value: date | datetime) -> str:
    return day_text(value, "full")


def short_date(value: date | datetime) -> str:
    return day_text(value, "medium")


def day_text(value: date | datetime, form: str) -> str:
    """A date in the page's language; a plain date's text is remembered (the calendar shows
    the same days on every page, and formatting one took half a millisecond)."""
    if type(value) is date:
        return _day_text(value, form, str(get_locale() or "en"))
    return str(format_date(value, format=form))


@lru_cache(maxsize=4096)
def _day_text(value: date, form: str, locale: str) -> str:
    return str(babel_format_date(value, format=form, locale=locale))


def day_month(value: date) -> str:
    """"3 дек." or "Dec 3": the phone calendar's title."""
    return _day_month(value, str(get_locale() or "en"))


@lru_cache(maxsize=1024)
def _day_month(value: date, locale: str) -> str:
    return str(format_skeleton("MMMd", value, locale=locale))


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["phone"] = phone
    app.jinja_env.filters["weekday_short"] = weekday_short
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["short_datetime"] = short_datetime
    app.jinja_env.filters["money_minor"] = money_minor
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.filters["day_month"] = day_month
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["money_data"] = money_data
    app.jinja_env.globals["Permission"] = Permission
