"""`clinic tenants delete`: every row of one clinic in every clinic-owned table (found from the
schema), its files, and the accounts of people who belonged to no other clinic. Payments are
kept with the clinic's name only; partner-ledger entries it brought another clinic keep its
name. Other clinics are untouched. One transaction: all of it or none."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, delete, select, update

from clinic.adapters.sqlalchemy.ownership import KEPT_WITH_NAME_ONLY, clinic_owned_tables
from clinic.adapters.sqlalchemy.tables import (
    clinics,
    memberships,
    referral_entries,
    users,
)
from clinic.application.ports import FileStore
from clinic.domain.shared import NotFound


class ClinicRemoval:
    def __init__(self, engine: Engine, files: FileStore) -> None:
        self.engine, self.files = engine, files

    def name_of(self, clinic_id: uuid.UUID) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(clinics.c.name).where(clinics.c.id == clinic_id)).scalar()

    def remove(self, clinic_id: uuid.UUID) -> dict[str, int]:
        """Rows removed (or, for the kept tables, unlinked) per table."""
        counts: dict[str, int] = {}
        with self.engine.begin() as conn:
            if conn.execute(select(clinics.c.id).where(clinics.c.id == clinic_id)).first() is None:
                raise NotFound()
            if conn.dialect.name == "postgresql":  # the audit trail's trigger lets this through
                conn.exec_driver_sql("SET LOCAL chairside.erasing = 'on'")
            people = set(conn.execute(select(memberships.c.user_id)
                                      .where(memberships.c.clinic_id == clinic_id)).scalars())
            for table in clinic_owned_tables():
                if table.name in KEPT_WITH_NAME_ONLY:
                    counts[f"{table.name} (kept, name only)"] = conn.execute(
                        update(table).where(table.c.clinic_id == clinic_id)
                        .values(clinic_id=None)).rowcount
            conn.execute(update(referral_entries)  # its name stays on the referrer's entries
                         .where(referral_entries.c.source_clinic_id == clinic_id)
                         .values(source_clinic_id=None))
            conn.execute(update(clinics).where(clinics.c.referred_by == clinic_id)
                         .values(referred_by=None))
            for table in reversed(clinic_owned_tables()):  # children before their parents
                if table.name not in KEPT_WITH_NAME_ONLY:
                    counts[table.name] = conn.execute(
                        delete(table).where(table.c.clinic_id == clinic_id)).rowcount
            conn.execute(delete(clinics).where(clinics.c.id == clinic_id))
            still_members = set(conn.execute(
                select(memberships.c.user_id).where(memberships.c.user_id.in_(people)))
                .scalars()) if people else set()
            alone = people - still_members
            counts["users (no other clinic)"] = conn.execute(
                delete(users).where(users.c.id.in_(alone))).rowcount if alone else 0
        self.files.delete_prefix(f"{clinic_id}/")
        return counts
