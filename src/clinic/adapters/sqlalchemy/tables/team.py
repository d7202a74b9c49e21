"""The team: invitations and the record of every change to it."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    text,
)

from clinic.adapters.sqlalchemy.tables._base import clinic_owned, enum_type
from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.domain.accounts import Role
from clinic.domain.team import TeamAction

invitations = clinic_owned(
    "invitations",
    Column("email", String(254), nullable=False),
    Column("role", enum_type(Role, "member_role"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("invited_by", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("accepted_at", UtcDateTime),
    Column("accepted_by", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    Column("revoked_at", UtcDateTime),
    Column("sent_count", Integer, nullable=False),
    Index("ix_invitations_clinic_email", "clinic_id", "email"),
    # One open invitation per address and clinic, so a double click sends one, not two.
    Index("uq_invitations_open", "clinic_id", "email", unique=True,
          sqlite_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
          postgresql_where=text("accepted_at IS NULL AND revoked_at IS NULL")),
)

membership_events = clinic_owned(
    "membership_events",
    Column("action", enum_type(TeamAction, "team_action"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("actor_id", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    Column("actor_name", String(120), nullable=False),
    Column("subject_email", String(254), nullable=False),
    Column("subject_name", String(120), nullable=False),
    Column("detail", String(200), nullable=False),
    Index("ix_membership_events_clinic_time", "clinic_id", "created_at"),
)
