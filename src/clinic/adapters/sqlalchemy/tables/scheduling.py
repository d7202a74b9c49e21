"""Appointments, their procedure lines, and the API's idempotency keys for booking."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)

from clinic.adapters.sqlalchemy.tables._base import clinic_owned, enum_type, same_clinic
from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.domain.scheduling import AppointmentStatus, Confirmation

appointments = clinic_owned(
    "appointments",
    Column("patient_id", Uuid, nullable=False),
    Column("room_id", Uuid, nullable=False),
    Column("doctor_id", Uuid, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("status", enum_type(AppointmentStatus, "appointment_status"), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("note", Text),
    Column("doctor_overlap_confirmed", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    Column("updated_at", UtcDateTime),
    Column("updated_by", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    # the patient's answer to a reminder (issue 19)
    Column("confirmation", enum_type(Confirmation, "appointment_confirmation", 24),
           nullable=False, server_default="none"),
    Column("answered_at", UtcDateTime),
    same_clinic("patient_id", "patients"),
    same_clinic("room_id", "rooms"),
    same_clinic("doctor_id", "doctors"),
    CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    CheckConstraint("price_minor >= 0", name="price_not_negative"),
    Index("ix_appointments_room_time", "clinic_id", "room_id", "starts_at"),
    Index("ix_appointments_doctor_time", "clinic_id", "doctor_id", "starts_at"),
    Index("ix_appointments_patient_time", "clinic_id", "patient_id", "starts_at"),
    # Reports and the API list scan a clinic's period; on PostgreSQL the figures they sum are
    # in the index too, so the summary never visits the table.
    Index("ix_appointments_clinic_time", "clinic_id", "starts_at",
          postgresql_include=["status", "price_minor", "doctor_id", "room_id"]),
    # On PostgreSQL the migration adds an exclusion constraint (btree_gist) so that two
    # non-cancelled appointments can never overlap in one room, whatever races happen.
)

appointment_lines = clinic_owned(
    "appointment_lines",
    Column("appointment_id", Uuid, nullable=False),
    Column("procedure_id", Uuid, nullable=False),
    Column("name", String(120), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    ForeignKeyConstraint(["clinic_id", "appointment_id"],
                         ["appointments.clinic_id", "appointments.id"],
                         name="fk_appointment_same_clinic_appointments", ondelete="CASCADE"),
    same_clinic("procedure_id", "procedures"),
    Index("ix_appointment_lines_appointment", "appointment_id"),
)

idempotency_keys = clinic_owned(
    "idempotency_keys",
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("appointment_id", Uuid, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["clinic_id", "appointment_id"],
                         ["appointments.clinic_id", "appointments.id"],
                         name="fk_idempotency_key_same_clinic_appointments", ondelete="CASCADE"),
    UniqueConstraint("clinic_id", "key", name="uq_idempotency_keys_clinic_key"),
    Index("ix_idempotency_keys_created", "clinic_id", "created_at"),
)
