"""The shared kernel: ids, money, domain errors and the event base."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
    """`str(Money(amount_minor, currency).to_decimal())` without Decimal: "2500.00", "-3.70",
    "150" (no minor unit). For lists of hundreds of prices on a hot path."""
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
