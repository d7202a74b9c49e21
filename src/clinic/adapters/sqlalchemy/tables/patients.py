"""Patients' cards."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Index,
    String,
    Text,
)

from clinic.adapters.sqlalchemy.tables._base import clinic_owned
from clinic.adapters.sqlalchemy.types import UtcDateTime

patients = clinic_owned(
    "patients",
    Column("name", String(120), nullable=False),
    Column("phone", String(16), nullable=False),
    Column("email", String(254)),
    Column("note", Text),
    Column("name_folded", String(400), nullable=False),
    Column("phone_digits", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("erased_at", UtcDateTime),  # erased at the patient's request
    Column("preferred_channel", String(16)),  # telegram, sms, email; NULL: the clinic's order
    Column("refused_processing_on", Date),  # what the patient refused, and since when
    Column("refused_notifications_on", Date),
    Column("refused_advertising_on", Date),
    Column("telegram_chat_id", String(32)),
    Column("telegram_code", String(16)),
    Index("uq_patients_telegram_code", "telegram_code", unique=True),
    Index("ix_patients_clinic_created", "clinic_id", "created_at"),
    Index("ix_patients_clinic_phone", "clinic_id", "phone"),
    # On PostgreSQL: GIN over (clinic, trigrams) (btree_gin + pg_trgm), so a search reads only
    # its own clinic's matches however many clinics share the table.
    Index("ix_patients_name_trgm", "clinic_id", "name_folded", postgresql_using="gin",
          postgresql_ops={"name_folded": "gin_trgm_ops"}),
    Index("ix_patients_phone_trgm", "clinic_id", "phone_digits", postgresql_using="gin",
          postgresql_ops={"phone_digits": "gin_trgm_ops"}),
)
