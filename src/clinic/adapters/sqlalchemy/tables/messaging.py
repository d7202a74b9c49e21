"""Talking to patients: a clinic's messaging settings and the send log (one row per message,
unique by its key, so a message goes out once whatever the workers do)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from clinic.adapters.sqlalchemy.tables._base import clinic_owned, enum_type, metadata, same_clinic
from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.domain.messaging import Channel, MessageKind
from clinic.domain.patient_messages import MessageStatus, Reply

messaging_settings = clinic_owned(
    "messaging_settings",
    Column("reminders_on", Boolean, nullable=False),
    Column("confirm_on_booking", Boolean, nullable=False),
    Column("channels", String(40), nullable=False),
    Column("day_before_at", String(5), nullable=False),
    Column("same_day_lead_minutes", Integer, nullable=False),
    Column("quiet_from", String(5), nullable=False),
    Column("quiet_to", String(5), nullable=False),
    Column("reminder_template", Text),
    Column("confirmation_template", Text),
    Column("sms_budget_minor", BigInteger),
    # the clinic's own Telegram bot: its token (from @BotFather), its name, and the secret
    # Telegram sends back with each update (X-Telegram-Bot-Api-Secret-Token)
    Column("telegram_token", String(100)),
    Column("telegram_bot", String(64)),
    Column("telegram_secret", String(64)),
    Column("updated_at", UtcDateTime),
    Column("updated_by", Uuid),
    UniqueConstraint("clinic_id", name="uq_messaging_settings_clinic"),
)

patient_messages = clinic_owned(
    "patient_messages",
    Column("patient_id", Uuid, nullable=False),
    Column("appointment_id", Uuid),
    Column("kind", enum_type(MessageKind, "message_kind"), nullable=False),
    Column("key", String(120), nullable=False),
    Column("channel", enum_type(Channel, "message_channel")),
    Column("recipient", String(254), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", enum_type(MessageStatus, "message_status"), nullable=False),
    Column("reason", String(500)),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime),
    Column("not_before", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("provider_ref", String(120)),
    Column("cost_minor", BigInteger),
    Column("link_code", String(16)),  # unique: the short link names this message
    Column("reply", enum_type(Reply, "message_reply")),
    Column("replied_at", UtcDateTime),
    same_clinic("patient_id", "patients"),
    ForeignKeyConstraint(["clinic_id", "appointment_id"],
                         ["appointments.clinic_id", "appointments.id"],
                         name="fk_patient_message_same_clinic_appointments",
                         ondelete="CASCADE"),
    UniqueConstraint("clinic_id", "key", name="uq_patient_messages_clinic_key"),
    Index("ix_patient_messages_appointment", "clinic_id", "appointment_id"),
    Index("ix_patient_messages_patient", "clinic_id", "patient_id", "created_at"),
    Index("ix_patient_messages_status", "status", "created_at"),
    Index("uq_patient_messages_link_code", "link_code", unique=True),
)

# Who runs a singleton background task (the reminder scheduler): one row per task; a holder
# renews its lease before it ends, and another process takes it only once it has lapsed.
leases = Table(
    "leases", metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(80), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)
