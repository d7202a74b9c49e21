"""The audit trail and each clinic's head of it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    String,
    UniqueConstraint,
    Uuid,
)

from clinic.adapters.sqlalchemy.tables._base import clinic_owned, enum_type
from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.domain.audit import AuditAction

# The audit trail: append-only (no update or delete path in the code; on PostgreSQL a trigger
# refuses both, except while `clinic tenants delete` removes a whole clinic). `seq` numbers a
# clinic's rows 1, 2, 3… and is unique, so two writers cannot both take the same place; each
# row keeps the previous row's hash. Actor ids are kept without a foreign key: the row outlives
# the account.
audit_log = clinic_owned(
    "audit_log",
    Column("seq", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("action", enum_type(AuditAction, "audit_action", 24), nullable=False),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", Uuid),
    Column("actor_user_id", Uuid),
    Column("actor_token_id", Uuid),
    Column("actor_name", String(120), nullable=False),
    Column("ip", String(45)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("clinic_id", "seq", name="uq_audit_log_clinic_seq"),
    Index("ix_audit_log_clinic_entity", "clinic_id", "entity_id"),
    Index("ix_audit_log_clinic_time", "clinic_id", "created_at"),
)

# Each clinic's newest audit row (its number and hash), moved in the same transaction as every
# append: `clinic audit verify` holds the chain's end to it, so the newest rows removed (or a
# whole chain) show; and appends take turns at it (the row is locked until commit). One per
# clinic. On PostgreSQL a trigger refuses DELETE (but while a clinic is deleted) and any UPDATE
# that moves it back.
audit_heads = clinic_owned(
    "audit_heads",
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("clinic_id", name="uq_audit_heads_clinic"),
)
