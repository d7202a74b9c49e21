"""The catalog's reads (rooms, doctors, procedures): one statement each, rows made into views."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, select

from clinic.adapters.sqlalchemy.reads import Connects
from clinic.adapters.sqlalchemy.tables import doctors, procedures, rooms
from clinic.application.catalog.queries import (
    CatalogItem,
    CatalogKind,
    DoctorView,
    ProcedureView,
    RoomView,
)


def _room(r: Any) -> RoomView:
    return RoomView(r.id, r.name, r.address, r.archived_at is not None)


def _doctor(r: Any) -> DoctorView:
    return DoctorView(r.id, r.name, r.color, r.photo_version, r.archived_at is not None,
                      r.user_id)


def _procedure(r: Any) -> ProcedureView:
    return ProcedureView(r.id, r.name, r.price_minor, r.currency, r.duration_minutes,
                         r.archived_at is not None)


_KINDS: dict[str, tuple[Table, tuple[str, ...], Callable[[Any], CatalogItem]]] = {
    "rooms": (rooms, ("id", "name", "address", "archived_at"), _room),
    "doctors": (doctors, ("id", "name", "color", "photo_version", "archived_at", "user_id"),
                _doctor),
    "procedures": (procedures, ("id", "name", "price_minor", "currency", "duration_minutes",
                                "archived_at"), _procedure),
}


class SqlCatalogQueries:
    def __init__(self, engine: Connects) -> None:
        self.engine = engine

    @staticmethod
    def _select(kind: CatalogKind, clinic_id: uuid.UUID) -> tuple[Any, Table,
                                                                  Callable[[Any], CatalogItem]]:
        table, columns, make = _KINDS[kind]
        stmt = select(*(table.c[name] for name in columns)).where(table.c.clinic_id == clinic_id)
        return stmt, table, make

    def items(self, clinic_id: uuid.UUID, kind: CatalogKind,
              include_archived: bool = False) -> Sequence[CatalogItem]:
        stmt, table, make = self._select(kind, clinic_id)
        stmt = stmt.order_by(table.c.name, table.c.created_at)
        if not include_archived:
            stmt = stmt.where(table.c.archived_at.is_(None))
        with self.engine.connect() as conn:
            return [make(r) for r in conn.execute(stmt)]

    def item(self, clinic_id: uuid.UUID, kind: CatalogKind,
             item_id: uuid.UUID) -> CatalogItem | None:
        stmt, table, make = self._select(kind, clinic_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt.where(table.c.id == item_id)).first()
        return make(row) if row is not None else None
