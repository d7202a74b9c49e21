"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from clinic.adapters.sqlalchemy.repositories import (
    SqlApiTokenRepository,
    SqlClinicRepository,
    SqlDoctorRepository,
    SqlMembershipRepository,
    SqlOutboxRepository,
    SqlPasswordResetRepository,
    SqlPatientRepository,
    SqlProcedureRepository,
    SqlRoomRepository,
    SqlUserRepository,
)
from clinic.adapters.sqlalchemy.tenancy import TENANT_KEY
from clinic.application.ports import Conflict, Tenant


class SqlAlchemyUnitOfWork:
    def __init__(self, tenant: Tenant, session_factory: sessionmaker[Session]) -> None:
        self.tenant = tenant
        self.session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.session.info[TENANT_KEY] = self.tenant
        self.clinics = SqlClinicRepository(self.session)
        self.users = SqlUserRepository(self.session)
        self.memberships = SqlMembershipRepository(self.session)
        self.password_resets = SqlPasswordResetRepository(self.session)
        self.api_tokens = SqlApiTokenRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.rooms = SqlRoomRepository(self.session)
        self.doctors = SqlDoctorRepository(self.session)
        self.procedures = SqlProcedureRepository(self.session)
        self.patients = SqlPatientRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # close() rolls back anything uncommitted without expiring what was loaded, so the
        # objects a use case returns stay readable after the block.
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(str(error.orig)) from error

    def rollback(self) -> None:
        self.session.rollback()
