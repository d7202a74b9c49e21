"""The team page's reads in one statement each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, case, select

from clinic.adapters.sqlalchemy.reads import Connects
from clinic.adapters.sqlalchemy.tables import (
    clinics,
    doctors,
    invitations,
    membership_events,
    memberships,
    users,
)
from clinic.application.team.queries import ClinicChoice, EventRow, InvitationRow, MemberRow
from clinic.domain.accounts import ClinicStatus, Role


class SqlTeamQueries:
    def __init__(self, engine: Connects) -> None:
        self.engine = engine

    def members(self, clinic_id: uuid.UUID) -> Sequence[MemberRow]:
        m, u, d = memberships.c, users.c, doctors.c
        owner_first = case((m.role == Role.OWNER, 0), (m.role == Role.ADMIN, 1), else_=2)
        stmt = (
            select(u.id, u.name, u.email, m.role, m.created_at, d.id.label("doctor_id"),
                   d.name.label("doctor_name"))
            .select_from(memberships.join(users, u.id == m.user_id).outerjoin(
                doctors, and_(d.clinic_id == m.clinic_id, d.user_id == m.user_id,
                              d.archived_at.is_(None))))
            .where(m.clinic_id == clinic_id).order_by(owner_first, u.name, u.id))
        with self.engine.connect() as conn:
            seen: dict[uuid.UUID, MemberRow] = {}
            for r in conn.execute(stmt):
                seen.setdefault(r.id, MemberRow(r.id, r.name, r.email, str(r.role.value),
                                                r.created_at, r.doctor_id, r.doctor_name))
        return list(seen.values())

    def pending_invitations(self, clinic_id: uuid.UUID,
                            now: datetime) -> Sequence[InvitationRow]:
        i, u = invitations.c, users.c
        stmt = (
            select(i.id, i.email, i.role, i.created_at, i.expires_at, u.name, i.sent_count)
            .select_from(invitations.outerjoin(users, u.id == i.invited_by))
            .where(i.clinic_id == clinic_id, i.accepted_at.is_(None), i.revoked_at.is_(None),
                   i.expires_at > now)
            .order_by(i.created_at.desc()))
        with self.engine.connect() as conn:
            return [InvitationRow(r.id, r.email, str(r.role.value), r.created_at, r.expires_at,
                                  r.name, r.sent_count) for r in conn.execute(stmt)]

    def events(self, clinic_id: uuid.UUID, limit: int = 50) -> Sequence[EventRow]:
        e = membership_events.c
        stmt = (select(e.created_at, e.action, e.actor_name, e.subject_email, e.subject_name,
                       e.detail)
                .where(e.clinic_id == clinic_id).order_by(e.created_at.desc(), e.id)
                .limit(limit))
        with self.engine.connect() as conn:
            return [EventRow(r.created_at, str(r.action.value), r.actor_name, r.subject_email,
                             r.subject_name, r.detail) for r in conn.execute(stmt)]

    def clinics_of(self, user_id: uuid.UUID) -> Sequence[ClinicChoice]:
        m, c = memberships.c, clinics.c
        stmt = (select(c.id, c.name, m.role)
                .select_from(memberships.join(clinics, c.id == m.clinic_id))
                .where(m.user_id == user_id, c.status == ClinicStatus.ACTIVE)
                .order_by(c.name, c.id))
        with self.engine.connect() as conn:
            return [ClinicChoice(r.id, r.name, str(r.role.value)) for r in conn.execute(stmt)]
