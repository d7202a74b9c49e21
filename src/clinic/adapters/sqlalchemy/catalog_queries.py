"""The catalog's reads (rooms, doctors, procedures): one statement each, rows made into views."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select

from clinic.adapters.sqlalchemy.reads import Connects
from clinic.adapters.sqlalchemy.tables import (
    appointment_lines,
    appointments,
    doctors,
    procedures,
    rooms,
)
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

    def procedures_by_use(self, clinic_id: uuid.UUID,
                          since: datetime) -> Sequence[ProcedureView]:
        """The clinic's procedures in use, the most booked since `since` first, then by name
        (one statement: the lines of visits since then, counted per procedure)."""
        a, lines = appointments.c, appointment_lines.c
        uses = (select(lines.procedure_id, func.count().label("uses"))
                .join(appointments, (a.clinic_id == lines.clinic_id)
                      & (a.id == lines.appointment_id))
                .where(lines.clinic_id == clinic_id, a.starts_at >= since)
                .group_by(lines.procedure_id).subquery())
        stmt, table, _make = self._select("procedures", clinic_id)
        stmt = (stmt.outerjoin(uses, uses.c.procedure_id == table.c.id)
                .where(table.c.archived_at.is_(None))
                .order_by(func.coalesce(uses.c.uses, 0).desc(), table.c.name, table.c.created_at))
        with self.engine.connect() as conn:
            return [_procedure(r) for r in conn.execute(stmt)]

    def item(self, clinic_id: uuid.UUID, kind: CatalogKind,
             item_id: uuid.UUID) -> CatalogItem | None:
        stmt, table, make = self._select(kind, clinic_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt.where(table.c.id == item_id)).first()
        return make(row) if row is not None else None
