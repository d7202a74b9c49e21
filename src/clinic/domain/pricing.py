"""An appointment's price and length from the procedures picked for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class PricedItem:
    name: str
    price_minor: int
    duration_minutes: int


@dataclass(frozen=True)
class Quote:
    price_minor: int
    duration: timedelta


def quote(items: Sequence[PricedItem]) -> Quote:
    """The sum of prices and durations, exact in minor units; the same procedure twice counts
    twice (two fillings)."""
    return Quote(price_minor=sum(i.price_minor for i in items),
                 duration=timedelta(minutes=sum(i.duration_minutes for i in items)))
