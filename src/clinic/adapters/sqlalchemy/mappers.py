"""Imperative mapping: the domain classes stay plain; SQLAlchemy learns them here, once."""

from __future__ import annotations

from sqlalchemy import and_
from sqlalchemy.orm import foreign, registry, relationship

from clinic.adapters.sqlalchemy import tables
from clinic.application.outbox.message import OutboxMessage
from clinic.domain.accounts import (
    ApiToken,
    Clinic,
    Membership,
    PasswordReset,
    PendingSignUp,
    User,
    WebSession,
)
from clinic.domain.audit import AuditEntry
from clinic.domain.catalog import Doctor, Procedure, Room
from clinic.domain.licensing import Payment, Subscription
from clinic.domain.patient_messages import MessagingSettings, PatientMessage
from clinic.domain.patients import Patient
from clinic.domain.referrals import LedgerEntry
from clinic.domain.scheduling import Appointment, AppointmentLine, IdempotencyKey
from clinic.domain.team import Invitation, MembershipEvent

mapper_registry = registry(metadata=tables.metadata)
_started = False


def _parent(cls: type) -> object:
    return relationship(cls, lazy="raise")


def start_mappers() -> None:
    global _started
    if _started:
        return
    # calendar_version is the database's (calendar_version.py), never a domain attribute
    mapper_registry.map_imperatively(Clinic, tables.clinics,
                                     exclude_properties=["calendar_version"])
    mapper_registry.map_imperatively(User, tables.users)
    # The private relationships only tell the unit of work to insert parents first.
    mapper_registry.map_imperatively(Membership, tables.memberships, properties={
        "_clinic": _parent(Clinic), "_user": _parent(User)})
    mapper_registry.map_imperatively(PasswordReset, tables.password_resets,
                                     properties={"_user": _parent(User)})
    mapper_registry.map_imperatively(PendingSignUp, tables.pending_signups)
    mapper_registry.map_imperatively(WebSession, tables.web_sessions,
                                     properties={"_user": _parent(User)})
    mapper_registry.map_imperatively(ApiToken, tables.api_tokens, properties={
        "_clinic": _parent(Clinic),
        "_creator": relationship(User, lazy="raise", foreign_keys=[tables.api_tokens.c.created_by]),
    })
    mapper_registry.map_imperatively(OutboxMessage, tables.outbox, properties={
        "to": tables.outbox.c.recipient, "_clinic": _parent(Clinic)})
    mapper_registry.map_imperatively(Room, tables.rooms, properties={"_clinic": _parent(Clinic)})
    mapper_registry.map_imperatively(Doctor, tables.doctors, properties={
        "_clinic": _parent(Clinic),
        "_user": relationship(User, lazy="raise", foreign_keys=[tables.doctors.c.user_id])})
    mapper_registry.map_imperatively(Procedure, tables.procedures,
                                     properties={"_clinic": _parent(Clinic)})
    mapper_registry.map_imperatively(Patient, tables.patients,
                                     properties={"_clinic": _parent(Clinic)})
    lines = tables.appointment_lines
    mapper_registry.map_imperatively(AppointmentLine, lines, properties={
        "_procedure": relationship(Procedure, lazy="raise", primaryjoin=and_(
            lines.c.clinic_id == foreign(tables.procedures.c.clinic_id),
            lines.c.procedure_id == foreign(tables.procedures.c.id)), viewonly=True)})
    mapper_registry.map_imperatively(Appointment, tables.appointments, properties={
        "_clinic": _parent(Clinic),
        "lines": relationship(
            AppointmentLine, order_by=lines.c.position, cascade="all, delete-orphan",
            lazy="selectin", primaryjoin=and_(
                tables.appointments.c.clinic_id == lines.c.clinic_id,
                tables.appointments.c.id == foreign(lines.c.appointment_id))),
    })
    mapper_registry.map_imperatively(IdempotencyKey, tables.idempotency_keys,
                                     properties={"_clinic": _parent(Clinic)})
    mapper_registry.map_imperatively(Invitation, tables.invitations, properties={
        "_clinic": _parent(Clinic)})
    mapper_registry.map_imperatively(MembershipEvent, tables.membership_events, properties={
        "_clinic": _parent(Clinic)})
    mapper_registry.map_imperatively(Subscription, tables.subscriptions, properties={
        "_clinic": _parent(Clinic)})
    mapper_registry.map_imperatively(Payment, tables.payments)
    mapper_registry.map_imperatively(LedgerEntry, tables.referral_entries)
    mapper_registry.map_imperatively(AuditEntry, tables.audit_log)
    mapper_registry.map_imperatively(MessagingSettings, tables.messaging_settings,
                                     properties={"_clinic": _parent(Clinic)})
    mapper_registry.map_imperatively(PatientMessage, tables.patient_messages,
                                     properties={"_clinic": _parent(Clinic)})
    _started = True
