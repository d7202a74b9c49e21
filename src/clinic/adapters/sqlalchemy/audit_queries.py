"""Reading the audit trail: a clinic's head and rows in chain order (for `clinic audit
verify`) and the filtered, paged log the owner reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import and_, func, select

from clinic.adapters.sqlalchemy.reads import Connects, streaming
from clinic.adapters.sqlalchemy.tables import audit_heads, audit_log, clinics, patients
from clinic.application.audit import AuditFilter, AuditRow
from clinic.domain.audit import AuditEntry, AuditHead


class SqlAuditQueries:
    def __init__(self, engine: Connects) -> None:
        self.engine = engine

    def clinic_ids(self) -> Sequence[uuid.UUID]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(clinics.c.id).order_by(clinics.c.created_at))
                        .scalars())

    @contextmanager
    def chain(self, clinic_id: uuid.UUID) -> Iterator[
            tuple[AuditHead | None, Iterator[AuditEntry]]]:
        a, h = audit_log.c, audit_heads.c
        stmt = select(audit_log).where(a.clinic_id == clinic_id).order_by(a.seq)
        # One transaction, one snapshot (REPEATABLE READ on PostgreSQL; a SQLite read
        # transaction is one already), so a row appended meanwhile is in neither the head nor
        # the rows; the rows read in batches, by a server-side cursor, which needs one too.
        with streaming(self.engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                head = conn.execute(select(h.seq, h.hash).where(h.clinic_id == clinic_id)).first()
                rows = conn.execution_options(yield_per=2000).execute(stmt)
                yield (AuditHead(head.seq, head.hash) if head else None,
                       (AuditEntry(r.clinic_id, r.seq, r.created_at, r.action, r.entity_type,
                                   r.entity_id, r.actor_user_id, r.actor_token_id, r.actor_name,
                                   r.ip, r.prev_hash, r.hash, id=r.id) for r in rows))

    def page(self, clinic_id: uuid.UUID, where: AuditFilter, limit: int,
             offset: int = 0) -> tuple[int, Sequence[AuditRow]]:
        a = audit_log.c
        conditions = [a.clinic_id == clinic_id]
        if where.actor_user_id:
            conditions.append(a.actor_user_id == where.actor_user_id)
        if where.action:
            conditions.append(a.action == where.action)
        if where.since:
            conditions.append(a.created_at >= where.since)
        if where.until:
            conditions.append(a.created_at < where.until)
        if where.entity_id:
            conditions.append(a.entity_id == where.entity_id)
        stmt = (select(a.created_at, a.actor_name, a.action, a.entity_type, a.entity_id, a.ip,
                       a.actor_token_id, patients.c.name.label("patient"))
                .select_from(audit_log.outerjoin(patients, and_(
                    patients.c.id == a.entity_id, patients.c.clinic_id == a.clinic_id)))
                .where(*conditions).order_by(a.seq.desc()).limit(limit).offset(offset))
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(audit_log)
                                 .where(*conditions)).scalar_one()
            rows = conn.execute(stmt).all()
        return int(total), [AuditRow(r.created_at, r.actor_name, str(r.action.value),
                                     r.entity_type, r.entity_id, r.patient or "", r.ip,
                                     r.actor_token_id is not None) for r in rows]
