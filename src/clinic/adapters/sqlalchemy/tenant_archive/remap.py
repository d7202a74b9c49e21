"""An import's rows: every id mapped to a new one (or kept, with `same_ids`), people matched by
email, and what a copy next to its original must leave out or change (see the package's notes)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Connection, Table, Uuid, func, select

from clinic.adapters.sqlalchemy.ownership import clinic_owned_tables
from clinic.adapters.sqlalchemy.tables import audit_log, clinics, users
from clinic.adapters.sqlalchemy.tenant_archive.format import ArchiveRefused, Progress
from clinic.domain.audit import GENESIS, AuditEntry, AuditHead, entry_hash, verify_chain
from clinic.domain.referrals import new_promo_code

_CHUNK = 500

# Not imported as a copy with new ids (see the package's notes); restored with `same_ids`.
NOT_COPIED = frozenset({"api_tokens", "invitations", "idempotency_keys", "outbox"})
# Unique provider references: a copy skips the rows whose reference is already here.
UNIQUE_REFS = {"payments": "external_ref", "referral_entries": "source_ref"}
# Free text that names this clinic's rows ("week|room:<id>").
TEXT_WITH_IDS = {("memberships", "calendar_view"), ("patient_messages", "key")}
# What a copy next to its original must not share with it: the reminders' answer links and the
# Telegram bot (one bot, one clinic: its secret, its patients' chats and start codes); and the
# copy sends no reminders until someone turns them on there (else patients hear twice).
CLEARED_IN_A_COPY: dict[str, dict[str, Any]] = {
    "patient_messages": {"link_code": None},
    "patients": {"telegram_code": None, "telegram_chat_id": None},
    "messaging_settings": {"telegram_token": None, "telegram_bot": None,
                           "telegram_secret": None, "reminders_on": False},
}

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class RowCopy:
    """One import's id maps and choices (see the package's notes): the rows written, table by
    table, in the import's transaction."""

    def __init__(self, documents: dict[str, list[dict[str, Any]]], same_ids: bool,
                 progress: Progress | None) -> None:
        self.documents, self.same_ids, self.progress = documents, same_ids, progress
        self.ids: dict[uuid.UUID, uuid.UUID] = {}
        self.people: dict[uuid.UUID, uuid.UUID] = {}  # archive user id -> account here
        self.known: dict[tuple[str, uuid.UUID], bool] = {}  # (table, id) -> there already?
        self.audit: tuple[list[dict[str, Any]], str] | None = None  # a copy's rows, last hash

    def file_key(self, key: str) -> str:
        """The stored file's key with every id segment renamed through the id map."""
        return "/".join(self._renamed(part) for part in key.split("/"))

    def _renamed(self, segment: str) -> str:
        try:
            old = uuid.UUID(segment) if _UUID_RE.fullmatch(segment) else None
        except ValueError:
            old = None
        return str(self.ids.get(old, old)) if old is not None else segment

    def _report(self, table: str, written: int, skipped: int) -> None:
        if self.progress:
            self.progress(table, written, skipped)

    def run(self, conn: Connection, old_clinic: uuid.UUID, new_clinic: uuid.UUID) -> None:
        self.ids[old_clinic] = new_clinic
        for table in clinic_owned_tables():
            for row in self.documents[table.name]:
                self.ids[row["id"]] = row["id"] if self.same_ids else uuid.uuid4()
        self._users(conn)
        self._clinic(conn, old_clinic, new_clinic)
        for table in clinic_owned_tables():
            self._owned(conn, table)

    def check_empty(self, conn: Connection) -> None:
        if conn.execute(select(func.count()).select_from(clinics)).scalar():
            raise ArchiveRefused("--same-ids needs a database with no clinics; this one has "
                                 "some (import without --same-ids to make a copy)")
        emails = [row["email"] for row in self.documents["users"]]
        taken = _existing(conn, users.c.email, emails)
        if taken:
            raise ArchiveRefused(f"--same-ids needs an empty database; it already has an "
                                 f"account for {sorted(taken)[0]}")

    def _users(self, conn: Connection) -> None:
        rows = self.documents["users"]
        here = {email: user_id for email, user_id in conn.execute(
            select(users.c.email, users.c.id).where(users.c.email.in_([r["email"] for r in rows])))
        } if rows else {}
        fresh = []
        for row in rows:
            if row["email"] in here:  # the same person: their account here, not a second one
                self.people[row["id"]] = here[row["email"]]
                continue
            new_id = row["id"] if self.same_ids else uuid.uuid4()
            self.people[row["id"]] = new_id
            fresh.append({**row, "id": new_id})
        _insert(conn, users, fresh)
        self._report("users", len(fresh), len(rows) - len(fresh))

    def _clinic(self, conn: Connection, old_clinic: uuid.UUID, new_clinic: uuid.UUID) -> None:
        row = dict(self.documents["clinics"][0])
        row["id"] = new_clinic
        referrer = row["referred_by"]
        if referrer is not None and not self._here(conn, clinics, referrer):
            row["referred_by"] = None
        code = row["promo_code"]
        while code is not None and _existing(conn, clinics.c.promo_code, [code]):
            code = new_promo_code(row["name"])
        row["promo_code"] = code
        _insert(conn, clinics, [row])
        self._report("clinics", 1, 0)

    def _owned(self, conn: Connection, table: Table) -> None:
        rows = self.documents[table.name]
        if not self.same_ids and table.name in NOT_COPIED:
            self._report(table.name, 0, len(rows))
            return
        if not self.same_ids and table.name in UNIQUE_REFS:
            column = table.c[UNIQUE_REFS[table.name]]
            taken = _existing(conn, column, [r[column.name] for r in rows])
            rows = [r for r in rows if r[column.name] not in taken]
        if not self.same_ids and table.name == "audit_log":
            out = self._audit_copy(conn)[0]
        else:
            out = [self._mapped(conn, table, row) for row in rows]
        if not self.same_ids and table.name == "audit_heads":
            out = [{**row, "hash": self._audit_copy(conn)[1]} for row in out]
        if not self.same_ids and table.name in CLEARED_IN_A_COPY:
            out = [{**row, **CLEARED_IN_A_COPY[table.name]} for row in out]
        if not self.same_ids and table.name == "subscriptions":
            for row in out:
                for ref in ("customer_ref", "subscription_ref"):
                    if row[ref] is not None and _existing(conn, table.c[ref], [row[ref]]):
                        row[ref] = None
        _insert(conn, table, out)
        self._report(table.name, len(out), len(self.documents[table.name]) - len(out))

    def _mapped(self, conn: Connection, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        out = dict(row)
        for column in table.columns:
            value = out[column.name]
            if value is None:
                continue
            if (table.name, column.name) in TEXT_WITH_IDS:
                out[column.name] = _UUID_RE.sub(lambda m: self._renamed(m.group(0)), value)
                continue
            if not isinstance(column.type, Uuid):
                continue
            targets = {fk.column.table.name for fk in column.foreign_keys}
            if column.name == "id" or column.name == "clinic_id" or value in self.ids:
                out[column.name] = self.ids.get(value, value)
            elif value in self.people:  # also ids kept without a foreign key (audit actors)
                out[column.name] = self.people[value]
            elif "users" in targets:  # someone not among its people: kept only if here
                out[column.name] = value if self._here(conn, users, value) else None
            elif "clinics" in targets:  # another clinic: kept only if it is here
                out[column.name] = value if self._here(conn, clinics, value) else None
        return out

    def _audit_copy(self, conn: Connection) -> tuple[list[dict[str, Any]], str]:
        """The copy's audit rows chained again over the new ids, and the last one's hash (its
        head's); worked out once, for whichever of the two tables comes first."""
        if self.audit is None:
            rows = self.documents["audit_log"]
            self.audit = _rechained(rows, [self._mapped(conn, audit_log, row) for row in rows],
                                    self.documents["audit_heads"])
        return self.audit

    def _here(self, conn: Connection, table: Table, value: uuid.UUID) -> bool:
        key = (table.name, value)
        if key not in self.known:
            self.known[key] = bool(_existing(conn, table.c.id, [value]))
        return self.known[key]


def _rechained(original: list[dict[str, Any]], renamed: list[dict[str, Any]],
               heads: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """A copy's audit trail: the same entries in the same order, each hash computed again over
    the new ids (the hash covers them), and the new last hash, for its head. Only an intact
    chain that ends at its head is re-chained, so a copy never launders a trail that was
    tampered with or cut short."""
    names = [f.name for f in fields(AuditEntry)]

    def entries(rows: list[dict[str, Any]]) -> list[AuditEntry]:
        return sorted((AuditEntry(**{n: row[n] for n in names}) for row in rows),
                      key=lambda e: (str(e.clinic_id), e.seq))

    head = AuditHead(heads[0]["seq"], heads[0]["hash"]) if heads else None
    broken = verify_chain(entries(original), head)
    if broken is not None:
        raise ArchiveRefused(f"the archive's audit trail does not hold ({broken.reason}); "
                             "import it with --same-ids to keep it as it is")
    previous: AuditEntry | None = None
    by_id = {row["id"]: row for row in renamed}
    for entry in entries(renamed):
        entry.prev_hash = previous.hash if previous else GENESIS
        entry.hash = entry_hash(entry)
        by_id[entry.id].update(prev_hash=entry.prev_hash, hash=entry.hash)
        previous = entry
    return renamed, previous.hash if previous else GENESIS


def _existing(conn: Connection, column: Any, values: Sequence[Any]) -> set[Any]:
    """Which of the values the column already holds."""
    found: set[Any] = set()
    wanted = sorted({v for v in values if v is not None}, key=str)
    for start in range(0, len(wanted), _CHUNK):
        found.update(conn.execute(select(column).where(
            column.in_(wanted[start:start + _CHUNK]))).scalars())
    return found


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        conn.execute(table.insert(), rows[start:start + _CHUNK])
