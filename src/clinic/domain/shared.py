"""The shared kernel: ids, money, domain errors, the event base, and the rules every input
from outside obeys whichever door it comes through (text, days, pages)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# Currencies whose minor unit is not the cent (ISO 4217); every other one has two decimals.
_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "KWD": 3, "BHD": 3, "OMR": 3}


def new_id() -> uuid.UUID:
    """A random id: ids in URLs and the API are never counters."""
    return uuid.uuid4()


class DomainError(Exception):
    """A rule of the business was broken; `code` names which, for the doors to translate."""

    code = "domain_error"


class NotFound(DomainError):
    """The thing asked for does not exist (or belongs to another clinic, which is the same)."""

    code = "not_found"


class ValidationFailed(DomainError):
    """Input broke one or more field rules; `errors` maps each field to an error code."""

    code = "validation_failed"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def minor_digits(currency: str) -> int:
    """How many decimal places the currency's minor unit has."""
    return _MINOR_DIGITS.get(currency.upper(), 2)


def decimal_text(amount_minor: int, currency: str) -> str:
    """An amount in minor units as the plain decimal text the API and the files write (point,
    no grouping, every minor digit): "2500.00", "-3.70", "150" (no minor unit). The same text as
    `str(Money(...).to_decimal())`, by integer arithmetic (lists of hundreds of prices)."""
    digits = minor_digits(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, part = divmod(abs(amount_minor), 10 ** digits)
    return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount: integer minor units (cents, kopecks) and an ISO 4217 currency."""

    amount_minor: int
    currency: str

    @classmethod
    def from_decimal(cls, amount: Decimal, currency: str) -> Money:
        """Round half-up to the currency's minor unit."""
        digits = minor_digits(currency)
        scaled = (amount * (Decimal(10) ** digits)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(scaled), currency.upper())

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency.upper())

    def to_decimal(self) -> Decimal:
        digits = minor_digits(self.currency)
        return Decimal(self.amount_minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))

    @property
    def amount_text(self) -> str:
        """`decimal_text` of this amount: "2500.00"."""
        return decimal_text(self.amount_minor, self.currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")


@dataclass(frozen=True)
class Event:
    """Something that happened in the domain; names are in the past tense."""


# -- the rules every input obeys -----------------------------------------------------------------
# The doors (the API's parser, the pages' forms and query strings) apply these once, for every
# field, so that no view has to remember them.

# C0 control characters but tab, line feed and carriage return: PostgreSQL cannot store a NUL
# and the others are invisible garbage in a name or a note.
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f"  # a regular expression's class
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
# A lone surrogate (JSON's "\ud800") is not text: it cannot be written as UTF-8 later.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def characters_error(value: str) -> str | None:
    """The one text rule: what is wrong with the characters of a piece of text from outside,
    as an error code ("control_characters", "not_text"), or None when it may be kept. (How
    long or whether blank is each field's own rule, e.g. catalog.text_error.)"""
    if _CONTROL.search(value):
        return "control_characters"
    if _SURROGATE.search(value):
        return "not_text"
    return None


# Any day a person or a program asks about: a clinic's visits, reports and logs all fall in it,
# and a day far outside it (0001-01-01, 9999-12-31) overflows once a time zone is applied.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def day_error(day: date) -> str | None:
    """"date_out_of_range" for a day outside EARLIEST_DAY..LATEST_DAY, else None."""
    return None if EARLIEST_DAY <= day <= LATEST_DAY else "date_out_of_range"


def date_range_errors(first: date | None, last: date | None, *, max_days: int | None = None,
                      names: tuple[str, str] = ("from", "to")) -> dict[str, str]:
    """The one date-range rule: each day given within EARLIEST_DAY..LATEST_DAY, the last not
    before the first ("range_invalid"), at most `max_days` days counting both
    ("period_too_long"). Errors by field name; empty when the range may be used."""
    errors = {name: code for name, day in zip(names, (first, last), strict=True)
              if day is not None and (code := day_error(day))}
    if errors or first is None or last is None:
        return errors
    if last < first:
        return {names[1]: "range_invalid"}
    if max_days is not None and (last - first).days + 1 > max_days:
        return {names[1]: "period_too_long"}
    return {}


def check_date_range(first: date | None, last: date | None, *, max_days: int | None = None,
                     names: tuple[str, str] = ("from", "to")) -> None:
    """`date_range_errors`, raised as ValidationFailed."""
    errors = date_range_errors(first, last, max_days=max_days, names=names)
    if errors:
        raise ValidationFailed(errors)


# Far beyond any clinic's list, and inside a SQL integer once multiplied by a page's length.
MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class PageBounds:
    offset: int
    limit: int


def page_bounds(offset: int, limit: int, max_limit: int) -> PageBounds:
    """The one pagination rule: 0 <= offset <= MAX_OFFSET ("offset_out_of_range") and
    1 <= limit <= max_limit ("limit_out_of_range"); raises ValidationFailed."""
    errors = {}
    if not 0 <= offset <= MAX_OFFSET:
        errors["offset"] = "offset_out_of_range"
    if not 1 <= limit <= max_limit:
        errors["limit"] = "limit_out_of_range"
    if errors:
        raise ValidationFailed(errors)
    return PageBounds(offset, limit)


def page_offset(page: int, per_page: int) -> int:
    """The offset of a page numbered from 1 (the pages' `?page=`), by the same rule: a page
    before the first or past MAX_OFFSET raises ValidationFailed({"page": "page_out_of_range"})."""
    if page < 1 or (page - 1) * per_page > MAX_OFFSET:
        raise ValidationFailed({"page": "page_out_of_range"})
    return page_bounds((page - 1) * per_page, per_page, per_page).offset
