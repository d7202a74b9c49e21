"""The schema, one module per part of the clinic (`_base.py`: the metadata and how a
clinic-owned table is made). Alembic migrations create it; `tests/integration/test_migrations.py`
checks they agree. Import `metadata` and every table from here, not from the modules."""

from __future__ import annotations

from clinic.adapters.sqlalchemy.tables._base import metadata
from clinic.adapters.sqlalchemy.tables.accounts import (
    api_tokens,
    clinics,
    memberships,
    outbox,
    password_resets,
    pending_signups,
    users,
    web_sessions,
)
from clinic.adapters.sqlalchemy.tables.audit import audit_heads, audit_log
from clinic.adapters.sqlalchemy.tables.billing import (
    payments,
    processed_events,
    referral_entries,
    subscriptions,
)
from clinic.adapters.sqlalchemy.tables.catalog import doctors, procedures, rooms
from clinic.adapters.sqlalchemy.tables.messaging import (
    leases,
    messaging_settings,
    patient_messages,
)
from clinic.adapters.sqlalchemy.tables.patients import patients
from clinic.adapters.sqlalchemy.tables.scheduling import (
    appointment_lines,
    appointments,
    idempotency_keys,
)
from clinic.adapters.sqlalchemy.tables.team import invitations, membership_events

__all__ = [
    "api_tokens",
    "appointment_lines",
    "appointments",
    "audit_heads",
    "audit_log",
    "clinics",
    "doctors",
    "idempotency_keys",
    "invitations",
    "leases",
    "membership_events",
    "memberships",
    "messaging_settings",
    "metadata",
    "outbox",
    "password_resets",
    "patient_messages",
    "patients",
    "payments",
    "pending_signups",
    "procedures",
    "processed_events",
    "referral_entries",
    "rooms",
    "subscriptions",
    "users",
    "web_sessions",
]
