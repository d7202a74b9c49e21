"""`clinic tenants delete`: every row of one clinic in every clinic-owned table (found from the
schema), its files, and the accounts of people who belonged to no other clinic. Payments are
kept with the clinic's name only; partner-ledger entries it brought another clinic keep its
name. Other clinics are untouched. One transaction: all of it or none."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Engine, delete, select, update

from clinic.adapters.files import LocalFileStore
from clinic.adapters.sqlalchemy.ownership import KEPT_WITH_NAME_ONLY, clinic_owned_tables
from clinic.adapters.sqlalchemy.tables import (
    api_tokens,
    clinics,
    doctors,
    memberships,
    password_resets,
    referral_entries,
    users,
)
from clinic.domain.accounts import OwnsClinics, Role
from clinic.domain.shared import NotFound


class ClinicRemoval:
    def __init__(self, engine: Engine, files: LocalFileStore) -> None:
        self.engine, self.files = engine, files

    def erase_user(self, email: str, now: datetime) -> uuid.UUID | None:
        return erase_user(self.engine, email, now)

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


def erase_user(engine: Engine, email: str, now: datetime) -> uuid.UUID | None:
    """A person's account erased at their request: out of every clinic, API tokens revoked,
    unlinked from doctor records, name and email wiped, no sign-in ever again. What they did
    stays (visits booked, the audit trail) under their id. None if there is no such account."""
    with engine.begin() as conn:
        user_id: uuid.UUID | None = conn.execute(
            select(users.c.id).where(users.c.email == email)).scalar()
        if user_id is None:
            return None
        owned = conn.execute(
            select(clinics.c.name).join(memberships, memberships.c.clinic_id == clinics.c.id)
            .where(memberships.c.user_id == user_id, memberships.c.role == Role.OWNER)
        ).scalars().all()
        if owned:
            raise OwnsClinics(list(owned))
        conn.execute(delete(memberships).where(memberships.c.user_id == user_id))
        conn.execute(delete(password_resets).where(password_resets.c.user_id == user_id))
        conn.execute(update(api_tokens).where(api_tokens.c.created_by == user_id,
                                              api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=now))
        conn.execute(update(doctors).where(doctors.c.user_id == user_id).values(user_id=None))
        conn.execute(update(users).where(users.c.id == user_id).values(
            name="Deleted user", email=f"erased-{user_id.hex}@erased.invalid",
            password_hash="!erased",  # noqa: S106 - not a hash: no password can match it
            locale=None, disabled=True,
            session_version=users.c.session_version + 1))
    return user_id
