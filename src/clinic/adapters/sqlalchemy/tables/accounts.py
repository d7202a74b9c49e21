"""Clinics, their people and how they sign in: accounts, memberships, sessions, sign-ups,
password resets, API tokens, and the outbox of the emails they are sent."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from clinic.adapters.sqlalchemy.tables._base import enum_type, metadata
from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.domain.accounts import ClinicStatus, Role

clinics = Table(
    "clinics", metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("country", String(2), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("status", enum_type(ClinicStatus, "clinic_status"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("working_days", String(7), nullable=False, server_default="123456"),
    Column("opens_at", String(5), nullable=False, server_default="08:00"),
    Column("closes_at", String(5), nullable=False, server_default="20:00"),
    # The partner programme: its own code (upper case, unique) and who referred it (set at
    # sign-up only; kept NULL if that clinic is deleted).
    Column("promo_code", String(24)),
    Column("referred_by", Uuid, ForeignKey("clinics.id", ondelete="SET NULL"), index=True),
    Column("suspended_at", UtcDateTime),  # by the operator (`clinic tenants suspend`)
    Column("suspended_reason", String(200)),
    Column("booking_step_minutes", Integer, nullable=False, server_default="15"),
    # Moved by every change the calendar shows, in that change's transaction
    # (calendar_version.py): open calendars ask for it and reload their grid when it moves.
    Column("calendar_version", BigInteger, nullable=False, server_default="0"),
    Index("uq_clinics_promo_code", "promo_code", unique=True),
)

users = Table(
    "users", metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("locale", String(8)),
    Column("session_version", Integer, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

memberships = Table(
    "memberships", metadata,
    Column("id", Uuid, primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("role", enum_type(Role, "member_role"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # What this person's calendar last showed: "week|room:<id>", "day|doctor:<id>"...
    Column("calendar_view", String(60)),
    UniqueConstraint("clinic_id", "user_id", name="uq_memberships_clinic_user"),
)

password_resets = Table(
    "password_resets", metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

# A sign-up waiting for the emailed link to be opened (nothing else is created before).
pending_signups = Table(
    "pending_signups", metadata,
    Column("id", Uuid, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(254), nullable=False, index=True),
    Column("clinic_name", String(120), nullable=False),
    Column("owner_name", String(120), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("treats_patients", Boolean, nullable=False),
    Column("promo_code", String(24), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

# One row per signed-in browser; the cookie holds the secret, this its sha256 (signing out
# deletes the row, so a copied cookie stops working at once).
web_sessions = Table(
    "web_sessions", metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Uuid, primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("name", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # CASCADE: a person's token never outlives them as an ownerless (operator's) token
    Column("created_by", Uuid, ForeignKey("users.id", ondelete="CASCADE")),
    Column("revoked_at", UtcDateTime),
    Column("last_used_at", UtcDateTime),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Uuid, primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id", ondelete="CASCADE")),
    Column("kind", String(32), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(500)),
    Index("ix_outbox_pending", "sent_at", "created_at"),
)
