"""The schema. Alembic migrations create it; `tests/integration` checks they agree."""

from __future__ import annotations

import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.schema import SchemaItem

from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.domain.accounts import ClinicStatus, Role
from clinic.domain.audit import AuditAction
from clinic.domain.licensing import PaymentKind, SubscriptionStatus
from clinic.domain.referrals import EntryKind
from clinic.domain.scheduling import AppointmentStatus
from clinic.domain.team import TeamAction

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def _enum(cls: type[enum.Enum], name: str, length: int = 16) -> Enum:
    return Enum(cls, name=name, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [m.value for m in members])


clinics = Table(
    "clinics", metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("country", String(2), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("status", _enum(ClinicStatus, "clinic_status"), nullable=False),
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
    Column("role", _enum(Role, "member_role"), nullable=False),
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


def _clinic_owned(name: str, *columns: SchemaItem) -> Table:
    """Every clinic-owned table: a random id, its clinic, and a (clinic_id, id) key that other
    clinic-owned rows point at, so no row can ever refer into another clinic."""
    return Table(
        name, metadata,
        Column("id", Uuid, primary_key=True),
        Column("clinic_id", Uuid, ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False),
        *columns,
        UniqueConstraint("clinic_id", "id", name=f"uq_{name}_clinic_id_id"),
    )


rooms = _clinic_owned(
    "rooms",
    Column("name", String(120), nullable=False),
    Column("address", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("archived_at", UtcDateTime),
    Index("uq_rooms_active_name", "clinic_id", "name", unique=True,
          sqlite_where=text("archived_at IS NULL"), postgresql_where=text("archived_at IS NULL")),
)

doctors = _clinic_owned(
    "doctors",
    Column("name", String(120), nullable=False),
    Column("color", String(7), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    Column("photo_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("archived_at", UtcDateTime),
)

procedures = _clinic_owned(
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

patients = _clinic_owned(
    "patients",
    Column("name", String(120), nullable=False),
    Column("phone", String(16), nullable=False),
    Column("email", String(254)),
    Column("note", Text),
    Column("name_folded", String(400), nullable=False),
    Column("phone_digits", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("erased_at", UtcDateTime),  # erased at the patient's request
    Index("ix_patients_clinic_created", "clinic_id", "created_at"),
    Index("ix_patients_clinic_phone", "clinic_id", "phone"),
    # On PostgreSQL: GIN over (clinic, trigrams) (btree_gin + pg_trgm), so a search reads only
    # its own clinic's matches however many clinics share the table.
    Index("ix_patients_name_trgm", "clinic_id", "name_folded", postgresql_using="gin",
          postgresql_ops={"name_folded": "gin_trgm_ops"}),
    Index("ix_patients_phone_trgm", "clinic_id", "phone_digits", postgresql_using="gin",
          postgresql_ops={"phone_digits": "gin_trgm_ops"}),
)


def _same_clinic(column: str, table: str) -> ForeignKeyConstraint:
    """A pointer into another clinic-owned table that cannot leave the clinic."""
    return ForeignKeyConstraint(["clinic_id", column], [f"{table}.clinic_id", f"{table}.id"],
                                name=f"fk_{column}_same_clinic_{table}")


appointments = _clinic_owned(
    "appointments",
    Column("patient_id", Uuid, nullable=False),
    Column("room_id", Uuid, nullable=False),
    Column("doctor_id", Uuid, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("status", _enum(AppointmentStatus, "appointment_status"), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("note", Text),
    Column("doctor_overlap_confirmed", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    Column("updated_at", UtcDateTime),
    Column("updated_by", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    _same_clinic("patient_id", "patients"),
    _same_clinic("room_id", "rooms"),
    _same_clinic("doctor_id", "doctors"),
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

appointment_lines = _clinic_owned(
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
    _same_clinic("procedure_id", "procedures"),
    Index("ix_appointment_lines_appointment", "appointment_id"),
)

idempotency_keys = _clinic_owned(
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

invitations = _clinic_owned(
    "invitations",
    Column("email", String(254), nullable=False),
    Column("role", _enum(Role, "member_role"), nullable=False),
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

membership_events = _clinic_owned(
    "membership_events",
    Column("action", _enum(TeamAction, "team_action"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("actor_id", Uuid, ForeignKey("users.id", ondelete="SET NULL")),
    Column("actor_name", String(120), nullable=False),
    Column("subject_email", String(254), nullable=False),
    Column("subject_name", String(120), nullable=False),
    Column("detail", String(200), nullable=False),
    Index("ix_membership_events_clinic_time", "clinic_id", "created_at"),
)

subscriptions = _clinic_owned(
    "subscriptions",
    Column("status", _enum(SubscriptionStatus, "subscription_status"), nullable=False),
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
    Column("kind", _enum(PaymentKind, "payment_kind"), nullable=False),
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
referral_entries = _clinic_owned(
    "referral_entries",
    Column("kind", _enum(EntryKind, "referral_entry_kind"), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source_ref", String(100), nullable=False, unique=True),
    Column("source_clinic_id", Uuid, ForeignKey("clinics.id", ondelete="SET NULL")),
    Column("source_clinic_name", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_referral_entries_clinic_time", "clinic_id", "created_at"),
)

# The audit trail: append-only (no update or delete path in the code; on PostgreSQL a trigger
# refuses both, except while `clinic tenants delete` removes a whole clinic). `seq` numbers a
# clinic's rows 1, 2, 3… and is unique, so two writers cannot both take the same place; each
# row keeps the previous row's hash. Actor ids are kept without a foreign key: the row outlives
# the account.
audit_log = _clinic_owned(
    "audit_log",
    Column("seq", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("action", _enum(AuditAction, "audit_action", 24), nullable=False),
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
audit_heads = _clinic_owned(
    "audit_heads",
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("clinic_id", name="uq_audit_heads_clinic"),
)
