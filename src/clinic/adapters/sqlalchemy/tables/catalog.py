"""The catalog: rooms (chairs), doctors, procedures."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    text,
)

from clinic.adapters.sqlalchemy.tables._base import clinic_owned
from clinic.adapters.sqlalchemy.types import UtcDateTime

rooms = clinic_owned(
    "rooms",
    Column("name", String(120), nullable=False),
    Column("address", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("archived_at", UtcDateTime),
    Index("uq_rooms_active_name", "clinic_id", "name", unique=True,
          sqlite_where=text("archived_at IS NULL"), postgresql_where=text("archived_at IS NULL")),
)

doctors = clinic_owned(
    "doctors",
    Column("name", String(120), nullable=False),
    Column("color", String(7), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    Column("photo_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("archived_at", UtcDateTime),
)

procedures = clinic_owned(
    "procedures",
    Column("name", String(120), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("archived_at", UtcDateTime),
    CheckConstraint("price_minor >= 0", name="price_not_negative"),
    CheckConstraint("duration_minutes BETWEEN 5 AND 480 AND duration_minutes % 5 = 0",
                    name="duration_in_steps"),
)
