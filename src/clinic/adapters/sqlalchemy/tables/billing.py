"""Billing and the partner ledger: subscriptions, payments, provider events once, referral
entries."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from clinic.adapters.sqlalchemy.tables._base import clinic_owned, enum_type, metadata
from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.domain.licensing import PaymentKind, SubscriptionStatus
from clinic.domain.referrals import EntryKind

subscriptions = clinic_owned(
    "subscriptions",
    Column("status", enum_type(SubscriptionStatus, "subscription_status"), nullable=False),
    Column("paid_chairs", Integer, nullable=False),
    Column("paid_seats", Integer, nullable=False),
    Column("period_end", UtcDateTime),
    Column("customer_ref", String(255)),
    Column("subscription_ref", String(255)),
    Column("next_chairs", Integer),  # lower numbers from the next period on
    Column("next_seats", Integer),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("clinic_id", name="uq_subscriptions_clinic"),
    CheckConstraint("paid_chairs >= 0 AND paid_seats >= 0", name="quantities_not_negative"),
)

# Not clinic-owned: a payment outlives its clinic (kept with the clinic's name).
payments = Table(
    "payments", metadata,
    Column("id", Uuid, primary_key=True),
    Column("clinic_id", Uuid, ForeignKey("clinics.id", ondelete="SET NULL"), index=True),
    Column("clinic_name", String(120), nullable=False),
    Column("kind", enum_type(PaymentKind, "payment_kind"), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("external_ref", String(255), nullable=False, unique=True),
    Column("invoice_url", String(1000)),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
)

# Each provider event once: the id is the key, inserted with the change it causes.
processed_events = Table(
    "processed_events", metadata,
    Column("id", String(255), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

# The partner ledger: append-only (the code has no update or delete path). `clinic_id` is the
# referrer whose balance it is; the source clinic's name is kept, so an entry outlives it;
# `source_ref` ("payment:<id>" or "refund:<id>") is unique, so a replay adds nothing.
referral_entries = clinic_owned(
    "referral_entries",
    Column("kind", enum_type(EntryKind, "referral_entry_kind"), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source_ref", String(100), nullable=False, unique=True),
    Column("source_clinic_id", Uuid, ForeignKey("clinics.id", ondelete="SET NULL")),
    Column("source_clinic_name", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_referral_entries_clinic_time", "clinic_id", "created_at"),
)
