"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Self

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from clinic.adapters.sqlalchemy.reads import ScopedReads
from clinic.adapters.sqlalchemy.repositories import (
    SqlApiTokenRepository,
    SqlAppointmentRepository,
    SqlAuditRepository,
    SqlBillingRepository,
    SqlClinicRepository,
    SqlDoctorRepository,
    SqlMembershipRepository,
    SqlOutboxRepository,
    SqlPasswordResetRepository,
    SqlPatientRepository,
    SqlPendingSignUpRepository,
    SqlProcedureRepository,
    SqlReferralRepository,
    SqlRoomRepository,
    SqlTeamRepository,
    SqlUserRepository,
    SqlWebSessionRepository,
)
from clinic.adapters.sqlalchemy.tables import clinics
from clinic.adapters.sqlalchemy.tenancy import TENANT_KEY
from clinic.application.ports import Conflict, Tenant


class SqlAlchemyUnitOfWork:
    def __init__(self, tenant: Tenant, session_factory: sessionmaker[Session],
                 reads: ScopedReads | None = None) -> None:
        self.tenant = tenant
        self.session_factory = session_factory
        self.reads = reads

    def __enter__(self) -> Self:
        if self.reads is not None:
            # a request holds at most one connection at a time: under load, requests that
            # each held a read connection while waiting for a write one could empty the pool
            self.reads.release()
        self.session = self.session_factory()
        self.session.info[TENANT_KEY] = self.tenant
        self.clinics = SqlClinicRepository(self.session)
        self.users = SqlUserRepository(self.session)
        self.memberships = SqlMembershipRepository(self.session)
        self.password_resets = SqlPasswordResetRepository(self.session)
        self.web_sessions = SqlWebSessionRepository(self.session)
        self.pending_signups = SqlPendingSignUpRepository(self.session)
        self.api_tokens = SqlApiTokenRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.rooms = SqlRoomRepository(self.session)
        self.doctors = SqlDoctorRepository(self.session)
        self.procedures = SqlProcedureRepository(self.session)
        self.patients = SqlPatientRepository(self.session)
        self.appointments = SqlAppointmentRepository(self.session)
        self.team = SqlTeamRepository(self.session)
        self.billing = SqlBillingRepository(self.session)
        self.referrals = SqlReferralRepository(self.session)
        self.audit = SqlAuditRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # close() rolls back anything uncommitted without expiring what was loaded, so the
        # objects a use case returns stay readable after the block.
        self.session.close()

    def lock_for_writing(self) -> None:
        # SQLite: the only writer until commit. PostgreSQL: one snapshot for every check, so a
        # race ends at the exclusion constraint (a Conflict), not half-way through the checks.
        if self.session.get_bind().dialect.name == "sqlite":
            options: dict[str, object] = {"sqlite_immediate": True}
        else:
            options = {"isolation_level": "REPEATABLE READ"}
        self.session.connection(execution_options=options)

    def claim_clinic(self) -> None:
        if self.session.get_bind().dialect.name == "sqlite":
            # One writer at a time: BEGIN IMMEDIATE, when this is the transaction's start.
            if not self.session.in_transaction():
                self.lock_for_writing()
            return
        # PostgreSQL: writing the clinic's row (to the same value) orders two such units of
        # work. Under READ COMMITTED the later one waits for the row and its next statements
        # see what the first one added; under lock_for_writing's REPEATABLE READ it fails to
        # serialize instead (a Conflict), and its caller tries again.
        if not isinstance(self.tenant, uuid.UUID):
            return
        try:
            self.session.execute(update(clinics).where(clinics.c.id == self.tenant)
                                 .values(id=clinics.c.id))
        except OperationalError as error:
            self.session.rollback()
            if getattr(error.orig, "sqlstate", None) == "40001":
                raise Conflict(str(error.orig)) from error
            raise

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(str(error.orig)) from error
        except OperationalError as error:
            self.session.rollback()
            if getattr(error.orig, "sqlstate", None) == "40001":  # serialization failure
                raise Conflict(str(error.orig)) from error
            raise

    def rollback(self) -> None:
        self.session.rollback()
