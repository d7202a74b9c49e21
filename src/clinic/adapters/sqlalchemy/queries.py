"""Read queries for pages, the API and the CLI: SQL Core, one round trip each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.exc import DBAPIError

from clinic.adapters.sqlalchemy.reads import Connects
from clinic.adapters.sqlalchemy.tables import (
    api_tokens,
    clinics,
    memberships,
    outbox,
    patients,
    subscriptions,
    users,
    web_sessions,
)
from clinic.application.accounts.queries import (
    ClinicDetails,
    OutboxStatus,
    PollSession,
    SessionUser,
    TenantRow,
    TokenRow,
)
from clinic.application.patients.queries import (
    COUNT_CAP,
    PatientCardView,
    PatientPage,
    PatientRow,
    PatientSearch,
)
from clinic.domain.accounts import ClinicStatus, Role
from clinic.domain.licensing import Licence, SubscriptionStatus


@cache
def _clinic_details() -> Select[Any]:
    c = clinics.c
    return select(c.id, c.name, c.timezone, c.currency, c.country, c.locale, c.working_days,
                  c.opens_at, c.closes_at, c.booking_step_minutes).where(
        c.id == bindparam("clinic_id"))


@cache
def _api_token() -> Select[Any]:
    t = api_tokens.c
    owner = (select(memberships.c.user_id).where(memberships.c.clinic_id == t.clinic_id,
                                                 memberships.c.role == Role.OWNER)
             .limit(1).scalar_subquery())
    return (select(t.id, t.clinic_id, t.created_by, t.revoked_at, clinics.c.status,
                   owner.label("owner_id"))
            .join(clinics, clinics.c.id == t.clinic_id)
            .where(t.token_hash == bindparam("token_hash")))


@cache
def _session_user() -> Select[Any]:
    """Built once (with bound parameters): it runs on every request."""
    # For the licence: the people besides the owner who joined before this one, and what
    # the clinic pays for; past the paid seats (after a lapse) a person only reads.
    earlier = memberships.alias("earlier")
    joined_before = (
        select(func.count()).select_from(earlier)
        .where(earlier.c.clinic_id == memberships.c.clinic_id,
               earlier.c.role != Role.OWNER,
               or_(earlier.c.created_at < memberships.c.created_at,
                   and_(earlier.c.created_at == memberships.c.created_at,
                        earlier.c.user_id < memberships.c.user_id)))
        .scalar_subquery())
    return (
        select(users.c.id, users.c.email, users.c.name, users.c.locale,
               users.c.session_version, memberships.c.role, clinics.c.id.label("clinic_id"),
               clinics.c.name.label("clinic_name"), clinics.c.status, clinics.c.country,
               clinics.c.currency, clinics.c.timezone, memberships.c.calendar_view,
               joined_before.label("joined_before"),
               subscriptions.c.status.label("subscription_status"),
               subscriptions.c.paid_seats, clinics.c.calendar_version)
        .select_from(
            users.outerjoin(memberships, and_(memberships.c.user_id == users.c.id,
                                              memberships.c.clinic_id == bindparam("clinic_id")))
            .outerjoin(clinics, clinics.c.id == memberships.c.clinic_id)
            .outerjoin(subscriptions, subscriptions.c.clinic_id == clinics.c.id))
        .where(users.c.id == bindparam("user_id"), users.c.disabled.is_(False))
    )


@cache
def _web_session_user() -> Select[Any]:
    s = web_sessions.c
    return _session_user().where(
        select(s.id).where(s.user_id == users.c.id, s.token_hash == bindparam("session_hash"),
                           s.expires_at > bindparam("now")).exists())


@cache
def _poll_session() -> Select[Any]:
    """The calendar poll's session check: the session record by its unique hash, the user by
    key, the membership by (clinic, user), the clinic by key; no licence arithmetic."""
    s, u, m, c = web_sessions.c, users.c, memberships.c, clinics.c
    return (
        select(u.session_version, m.role, c.status, c.calendar_version)
        .select_from(
            web_sessions.join(users, u.id == s.user_id)
            .outerjoin(memberships, and_(m.user_id == u.id,
                                         m.clinic_id == bindparam("clinic_id")))
            .outerjoin(clinics, c.id == m.clinic_id))
        .where(s.token_hash == bindparam("session_hash"), s.expires_at > bindparam("now"),
               s.user_id == bindparam("user_id"), u.disabled.is_(False))
    )


class SqlAccountQueries:
    def __init__(self, engine: Connects, poll_engine: Engine | None = None) -> None:
        self.engine = engine
        # The calendar's poll (every 2 s from every open calendar) checks out from a pool
        # without the pre-ping: a connection the database dropped fails once and is retried.
        self.poll_engine = poll_engine

    def session_user(self, user_id: uuid.UUID, clinic_id: uuid.UUID | None) -> SessionUser | None:
        with self.engine.connect() as conn:
            row = conn.execute(_session_user(), {"user_id": user_id,
                                                 "clinic_id": clinic_id}).first()
        return self._person(row)

    def web_session_user(self, user_id: uuid.UUID, clinic_id: uuid.UUID | None,
                         session_hash: str, now: datetime) -> SessionUser | None:
        with self.engine.connect() as conn:
            row = conn.execute(_web_session_user(), {
                "user_id": user_id, "clinic_id": clinic_id, "session_hash": session_hash,
                "now": now}).first()
        return self._person(row)

    def poll_session(self, user_id: uuid.UUID, clinic_id: uuid.UUID | None, session_hash: str,
                     now: datetime) -> PollSession | None:
        values = {"user_id": user_id, "clinic_id": clinic_id, "session_hash": session_hash,
                  "now": now}
        engine = self.poll_engine or self.engine
        try:
            with engine.connect() as conn:
                row = conn.execute(_poll_session(), values).first()
        except DBAPIError as error:
            if not error.connection_invalidated:  # only a dropped connection is asked again
                raise
            with engine.connect() as conn:  # the pool has let its old connections go
                row = conn.execute(_poll_session(), values).first()
        if row is None:
            return None
        return PollSession(row.session_version, row.role and str(row.role.value),
                           row.status and str(row.status.value), row.calendar_version or 0)

    @staticmethod
    def _person(row: Any) -> SessionUser | None:
        if row is None:
            return None
        return SessionUser(
            user_id=row.id, email=row.email, name=row.name, locale=row.locale,
            session_version=row.session_version, clinic_id=row.clinic_id,
            clinic_name=row.clinic_name, clinic_status=row.status and str(row.status.value),
            role=row.role and str(row.role.value), clinic_country=row.country,
            clinic_currency=row.currency, clinic_timezone=row.timezone,
            calendar_view=row.calendar_view,
            read_only=row.role is not None and row.role is not Role.OWNER
            and row.joined_before >= Licence(row.subscription_status or SubscriptionStatus.NONE,
                                             0, row.paid_seats or 0).allowed_seats,
            calendar_version=row.calendar_version or 0,
        )

    def clinic_details(self, clinic_id: uuid.UUID) -> ClinicDetails | None:
        with self.engine.connect() as conn:
            row = conn.execute(_clinic_details(), {"clinic_id": clinic_id}).first()
        if row is None:
            return None
        return ClinicDetails(row.id, row.name, row.timezone, row.currency, row.country,
                             row.locale, working_days=[int(d) for d in row.working_days],
                             opens_at=row.opens_at, closes_at=row.closes_at,
                             booking_step_minutes=row.booking_step_minutes)

    def api_token(self, token_hash: str) -> TokenRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(_api_token(), {"token_hash": token_hash}).first()
        if row is None:
            return None
        return TokenRow(row.id, row.clinic_id, row.created_by, row.revoked_at is None,
                        str(row.status.value), row.owner_id)

    def tenants(self, status: str | None = None) -> Sequence[TenantRow]:
        owner = (
            select(users.c.email).select_from(memberships.join(users))
            .where(memberships.c.clinic_id == clinics.c.id, memberships.c.role == Role.OWNER)
            .limit(1).scalar_subquery()
        )
        stmt = select(clinics.c.id, clinics.c.name, clinics.c.created_at, owner.label("owner"),
                      clinics.c.status).order_by(clinics.c.created_at)
        if status:
            stmt = stmt.where(clinics.c.status == ClinicStatus(status))
        with self.engine.connect() as conn:
            return [TenantRow(r.id, r.name, r.created_at, r.owner, str(r.status.value))
                    for r in conn.execute(stmt)]

    def outbox_status(self) -> OutboxStatus:
        pending = and_(outbox.c.sent_at.is_(None), outbox.c.attempts == 0)
        failed = and_(outbox.c.sent_at.is_(None), outbox.c.attempts > 0)
        stmt = select(
            func.coalesce(func.sum(case((pending, 1), else_=0)), 0),
            func.coalesce(func.sum(case((failed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((outbox.c.sent_at.is_not(None), 1), else_=0)), 0),
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).one()
        return OutboxStatus(pending=int(row[0]), failed=int(row[1]), sent=int(row[2]))


class SqlPatientQueries:
    def __init__(self, engine: Connects) -> None:
        self.engine = engine

    def find(self, clinic_id: uuid.UUID, query: str, offset: int = 0,
             limit: int = 20) -> PatientPage:
        search = PatientSearch.of(query)
        p = patients.c
        where = [p.clinic_id == clinic_id, p.erased_at.is_(None)]
        if search.text or search.digits:
            matches = []
            if search.text:
                matches.append(p.name_folded.contains(search.text, autoescape=True))
            if search.digits:
                matches.append(p.phone_digits.contains(search.digits, autoescape=True))
            where.append(or_(*matches))
        rows_stmt = (select(p.id, p.name, p.phone, p.email, p.created_at).where(*where)
                     .order_by(p.created_at.desc(), p.id).offset(offset).limit(limit))
        capped = select(p.id).where(*where).limit(COUNT_CAP + 1).subquery()
        count_stmt = select(func.count()).select_from(capped)
        with self.engine.connect() as conn:
            rows = [PatientRow(*row) for row in conn.execute(rows_stmt)]
            if len(rows) < limit and (rows or not offset):
                total = offset + len(rows)  # the last page: no need to count
            else:
                total = conn.execute(count_stmt).scalar_one()
        return PatientPage(rows=rows, total=total, offset=offset, limit=limit)

    def get(self, clinic_id: uuid.UUID, patient_id: uuid.UUID) -> PatientRow | None:
        p = patients.c
        stmt = select(p.id, p.name, p.phone, p.email, p.created_at).where(
            p.clinic_id == clinic_id, p.id == patient_id, p.erased_at.is_(None))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return PatientRow(*row) if row is not None else None

    def card(self, clinic_id: uuid.UUID, patient_id: uuid.UUID) -> PatientCardView | None:
        p = patients.c
        stmt = select(p.id, p.name, p.phone, p.email, p.note, p.created_at,
                      p.phone_digits, p.preferred_channel, p.refused_processing_on,
                      p.refused_notifications_on, p.refused_advertising_on,
                      p.telegram_chat_id.is_not(None).label("telegram_linked")).where(
                          p.clinic_id == clinic_id, p.id == patient_id,
                                            p.erased_at.is_(None))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        return PatientCardView(**{**row._mapping, "telegram_linked": bool(row.telegram_linked)})
