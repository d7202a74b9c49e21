"""The catalog's read side: rooms, doctors and procedures as the pages and the API show them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from clinic.domain.shared import Money

CatalogKind = Literal["rooms", "doctors", "procedures"]


@dataclass(frozen=True)
class RoomView:
    id: uuid.UUID
    name: str
    address: str | None
    archived: bool


@dataclass(frozen=True)
class DoctorView:
    id: uuid.UUID
    name: str
    color: str
    photo_version: int
    archived: bool
    user_id: uuid.UUID | None = None  # the member who is this doctor, if any

    @property
    def has_photo(self) -> bool:
        return self.photo_version > 0


@dataclass(frozen=True)
class ProcedureView:
    id: uuid.UUID
    name: str
    price_minor: int
    currency: str
    duration_minutes: int
    archived: bool

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)


CatalogItem = RoomView | DoctorView | ProcedureView


class CatalogQueries(Protocol):
    """One statement each; lists by name (then age), archived ones only when asked."""

    def items(self, clinic_id: uuid.UUID, kind: CatalogKind,
              include_archived: bool = False) -> Sequence[CatalogItem]: ...

    def item(self, clinic_id: uuid.UUID, kind: CatalogKind,
             item_id: uuid.UUID) -> CatalogItem | None: ...

    def procedures_by_use(self, clinic_id: uuid.UUID,
                          since: datetime) -> Sequence[ProcedureView]:
        """The procedures in use, the most booked since then first (the booking dialog)."""
        ...
