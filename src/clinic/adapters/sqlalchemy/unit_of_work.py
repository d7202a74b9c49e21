"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

import hashlib
import uuid
from types import TracebackType
from typing import Self

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from clinic.adapters.sqlalchemy.conflicts import SERIALIZATION_FAILURE, as_conflict
from clinic.adapters.sqlalchemy.message_repository import SqlMessageRepository
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
from clinic.adapters.sqlalchemy.tenancy import TENANT_KEY, TenantNotSet
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
        self.messages = SqlMessageRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # close() rolls back anything uncommitted without expiring what was loaded, so the
        # objects a use case returns stay readable after the block.
        self.session.close()

    def lock_for_writing(self) -> None:
        # SQLite: the only writer until commit. PostgreSQL: one snapshot for every check, so a
        # race ends at a constraint or a serialization failure (a Conflict), not half-way
        # through the checks. Not for a transaction that takes locks: see write_in_turn.
        if self.session.get_bind().dialect.name == "sqlite":
            options: dict[str, object] = {"sqlite_immediate": True}
        else:
            options = {"isolation_level": "REPEATABLE READ"}
        self.session.connection(execution_options=options)

    def write_in_turn(self) -> None:
        if self.session.get_bind().dialect.name == "sqlite":
            self.lock_for_writing()
            return
        # Each statement its own snapshot, taken when it starts: a check that follows a lock
        # sees what the lock's previous holder committed. (Under REPEATABLE READ the snapshot
        # is taken by the statement that asks for the lock, before the lock is granted.) Said
        # here rather than left to the server's default, which is configurable.
        self.session.connection(execution_options={"isolation_level": "READ COMMITTED"})

    def lock_doctor(self, doctor_id: uuid.UUID) -> None:
        if not isinstance(self.tenant, uuid.UUID):
            raise TenantNotSet("a doctor is locked in a unit of work for their clinic")
        options = (self.session.connection().get_execution_options()
                   if self.session.in_transaction() else {})
        if self.session.get_bind().dialect.name == "sqlite":
            if not self.session.in_transaction():
                self.lock_for_writing()
            elif not options.get("sqlite_immediate"):
                raise RuntimeError("lock_doctor: the transaction did not begin with BEGIN "
                                   "IMMEDIATE; call write_in_turn() first")
            return
        if options.get("isolation_level") == "REPEATABLE READ":
            raise RuntimeError("lock_doctor under REPEATABLE READ would not see what the lock's "
                               "previous holder wrote; call write_in_turn(), not "
                               "lock_for_writing()")
        # Held until commit or rollback; keyed by the clinic and the doctor (64 bits of a hash:
        # two doctors that share a key only wait for each other, never see wrongly).
        self.session.execute(select(func.pg_advisory_xact_lock(_lock_key(
            b"doctor", self.tenant, doctor_id))))

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
            if getattr(error.orig, "sqlstate", None) == SERIALIZATION_FAILURE:
                raise Conflict(str(error.orig)) from error
            raise

    def commit(self) -> None:
        try:
            self.session.commit()
        except DBAPIError as error:
            self.session.rollback()
            conflict = as_conflict(error)  # a unique key, a constraint, a serialization failure
            if conflict is not None:
                raise conflict from error
            raise

    def rollback(self) -> None:
        self.session.rollback()


def _lock_key(kind: bytes, clinic_id: uuid.UUID, item_id: uuid.UUID) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit integer) for one thing of one clinic."""
    digest = hashlib.blake2b(kind + clinic_id.bytes + item_id.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
