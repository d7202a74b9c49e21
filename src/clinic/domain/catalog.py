"""The clinic's own records for booking: rooms (chairs), doctors and the procedure catalog."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from clinic.domain.shared import Money, ValidationFailed, minor_digits, new_id

MAX_NAME = 120
MAX_ADDRESS = 200
MIN_DURATION, MAX_DURATION, DURATION_STEP = 5, 480, 5
MAX_PRICE_MAJOR = Decimal("100000000")  # a hundred million of anything is a typo

# Soft, distinct tints; dark text (#1f2933) on each passes WCAG AA by a wide margin.
DOCTOR_COLORS = (
    "#cfe3ff", "#d5f2dc", "#ffe0c2", "#ecd9ff", "#fff0b0",
    "#ffd5dc", "#cdf0ee", "#e3e0ff", "#e6f4c4", "#f3dfcd",
)
_COLOR_RE = re.compile(r"^#[0-9a-f]{6}$")

# The starter catalog every new clinic gets: key, minutes, price per currency in major units.
# Names come from the caller, in the clinic's language.
STARTER_PROCEDURES: tuple[tuple[str, int, dict[str, int]], ...] = (
    ("consultation", 30, {"RUB": 1000, "USD": 60}),
    ("xray", 15, {"RUB": 500, "USD": 35}),
    ("hygiene", 60, {"RUB": 6000, "USD": 120}),
    ("caries", 60, {"RUB": 5500, "USD": 180}),
    ("filling", 45, {"RUB": 4500, "USD": 150}),
    ("root_canal", 90, {"RUB": 9000, "USD": 700}),
    ("extraction", 45, {"RUB": 4000, "USD": 200}),
    ("whitening", 60, {"RUB": 15000, "USD": 400}),
)


def text_error(raw: str, limit: int = MAX_NAME, required: bool = True) -> str | None:
    value = raw.strip()
    if required and not value:
        return "required"
    if len(value) > limit:
        return "too_long"
    return None


_CURRENCY_MARK = re.compile(
    r"^\s*[$€£₽]|(?:[$€£₽]|руб\.?|р\.?|rub|usd|eur|dollars?)\s*$", re.IGNORECASE)


def _normalise_separators(text: str, currency: str) -> str:
    """`2,500.50` and `2.500,50` and `2 500,50` all mean the same; the last mark decides."""
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return text.replace(thousands, "").replace(decimal, ".")
    for mark in (",", "."):
        if mark in text:
            groups = text.split(mark)
            grouped = (1 <= len(groups[0].lstrip("-")) <= 3 and minor_digits(currency) != 3
                       and all(len(g) == 3 for g in groups[1:]))
            if len(groups) > 2 or grouped:  # 2,500 or 1.250.000: thousands
                return text.replace(mark, "") if grouped else text
            return text.replace(mark, ".")
    return text


def parse_price(raw: str, currency: str) -> Money:
    """Money as people type it: `2500`, `2 500`, `2500,50`, `2500.50`, `2 500 ₽`, `$2,500`."""
    cleaned = _CURRENCY_MARK.sub("", raw.strip())
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", cleaned)
    if not cleaned:
        raise ValidationFailed({"price": "required"})
    cleaned = _normalise_separators(cleaned, currency)
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cleaned):
        raise ValidationFailed({"price": "price_invalid"})
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationFailed({"price": "price_invalid"}) from None
    if amount < 0:
        raise ValidationFailed({"price": "price_negative"})
    if amount >= MAX_PRICE_MAJOR:
        raise ValidationFailed({"price": "price_too_large"})
    if amount != amount.quantize(Decimal(1).scaleb(-minor_digits(currency))):
        raise ValidationFailed({"price": "price_too_precise"})
    return Money.from_decimal(amount, currency)


def duration_error(minutes: int | None) -> str | None:
    if minutes is None:
        return "required"
    if not MIN_DURATION <= minutes <= MAX_DURATION or minutes % DURATION_STEP:
        return "duration_invalid"
    return None


def parse_duration(raw: str) -> int:
    value = raw.strip()
    if not value:
        raise ValidationFailed({"duration_minutes": "required"})
    if not re.fullmatch(r"[0-9]{1,4}", value):
        raise ValidationFailed({"duration_minutes": "duration_invalid"})
    minutes = int(value)
    code = duration_error(minutes)
    if code:
        raise ValidationFailed({"duration_minutes": code})
    return minutes


def pick_color(used: list[str]) -> str:
    """The first palette colour no active doctor has; when all are taken, the least used."""
    for color in DOCTOR_COLORS:
        if color not in used:
            return color
    return min(DOCTOR_COLORS, key=used.count)


def color_error(color: str) -> str | None:
    return None if _COLOR_RE.match(color) else "color_invalid"


class _Archivable:
    """Records are archived, never deleted: history keeps pointing at them."""

    archived_at: datetime | None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def archive(self, now: datetime) -> None:
        if self.archived_at is None:
            self.archived_at = now

    def restore(self) -> None:
        self.archived_at = None


@dataclass(eq=False)
class Room(_Archivable):
    """A room with one chair: the unit appointments are booked into and chairs are billed by."""

    clinic_id: uuid.UUID
    name: str
    address: str | None
    created_at: datetime
    archived_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)


@dataclass(eq=False)
class Doctor(_Archivable):
    """A doctor of the clinic, drawn in the calendar in their colour."""

    clinic_id: uuid.UUID
    name: str
    color: str
    created_at: datetime
    user_id: uuid.UUID | None = None
    photo_version: int = 0
    archived_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @property
    def has_photo(self) -> bool:
        return self.photo_version > 0


@dataclass(eq=False)
class Procedure(_Archivable):
    """A line of the price list: what is done, for how much, and how long it takes."""

    clinic_id: uuid.UUID
    name: str
    price_minor: int
    currency: str
    duration_minutes: int
    created_at: datetime
    archived_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)

    @price.setter
    def price(self, money: Money) -> None:
        self.price_minor, self.currency = money.amount_minor, money.currency


def check_room(name: str, address: str) -> None:
    errors = {k: v for k, v in (("name", text_error(name)),
                                ("address", text_error(address, MAX_ADDRESS, False))) if v}
    if errors:
        raise ValidationFailed(errors)
