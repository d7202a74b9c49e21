"""The audit trail's rows and each clinic's head (in its own module, re-exported by
`repositories`). The head row is also the lock appends take turns at: claiming it is an upsert
that waits for another transaction holding it and returns what that one left."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from clinic.adapters.sqlalchemy.conflicts import as_conflict
from clinic.adapters.sqlalchemy.tables import audit_heads
from clinic.adapters.sqlalchemy.tenancy import TENANT_KEY, TenantNotSet
from clinic.application.ports import ANY_CLINIC, Conflict
from clinic.domain.audit import GENESIS, AuditEntry, AuditHead


class SqlAuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim_head(self, clinic_id: uuid.UUID) -> AuditHead:
        tenant = self.session.info.get(TENANT_KEY)
        if tenant is not ANY_CLINIC and tenant != clinic_id:
            raise TenantNotSet("a clinic's audit trail is written from a unit of work for it")
        try:
            # The change the row records is written first, so a wait at one of its constraints
            # (another booking of the room) never happens while this clinic's head is held.
            self.session.flush()
            row = self.session.execute(_claim(self.session, clinic_id)).one()
        except DBAPIError as error:
            conflict = as_conflict(error)
            if conflict is None:
                raise
            self.session.rollback()
            raise conflict from error
        return AuditHead(row.seq, row.hash)

    def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)
        h = audit_heads.c
        moved = self.session.connection().execute(
            update(audit_heads).where(h.clinic_id == entry.clinic_id, h.seq == entry.seq - 1)
            .values(seq=entry.seq, hash=entry.hash)).rowcount
        if moved != 1:  # chained after a head this unit of work did not claim
            raise Conflict(f"the audit trail's head of {entry.clinic_id} is not row "
                           f"{entry.seq - 1}")


def _claim(session: Session, clinic_id: uuid.UUID) -> Any:
    """INSERT the clinic's first head (row 0) or, if it has one, lock it; either way RETURNING
    it. On PostgreSQL, under READ COMMITTED, a second claim waits for the first transaction and
    then returns the head it left."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    h = audit_heads.c
    return (insert(audit_heads)
            .values(id=uuid.uuid4(), clinic_id=clinic_id, seq=0, hash=GENESIS)
            .on_conflict_do_update(index_elements=[h.clinic_id], set_={"seq": h.seq})
            .returning(h.seq, h.hash))
