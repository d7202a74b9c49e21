"""`clinic tenants export` / `import`: one clinic, everything it owns, as one zip archive.

The archive:

- `manifest.json`: the format, the schema version (the Alembic revision of the database it came
  from), the clinic's id and name, when, and the rows per table;
- `tables/<name>.json`: the `clinics` row, the clinic's people (`users` of its memberships), then
  every clinic-owned table found from the schema (`ownership.clinic_owned_tables()`), rows sorted
  by primary key, every value rendered the same way whichever database it came from (UUIDs as
  text, times as UTC ISO 8601 with microseconds, enums as their values), so the same data gives
  the same bytes from SQLite and PostgreSQL;
- `files/<clinic id>/…`: the clinic's uploaded files as stored (each with its `.meta`).

Importing writes one transaction (all or nothing; files written in it are removed if it fails).
With `same_ids` (into a database with no clinics) every row is restored as it was. Otherwise the
clinic and all its rows get new ids (the same map renames the files' path segments) and what
cannot belong to a copy living next to its original is left out or changed:

- `api_tokens`, `invitations`: their token hashes are secrets bound to the original clinic (and
  unique), so they are not carried over; `idempotency_keys` only guard the original's API
  clients against replays for a day; `outbox` emails belong to the original (pending ones would
  be sent twice, with links to tokens not carried over). None of these four is imported.
- `payments` and `referral_entries` whose provider reference (`external_ref`, `source_ref`) is
  already in the database are skipped: they are the original's books, counting them twice would
  double revenue and commission (imported into another database, they are kept).
- `audit_log`: the entries are kept, in order; their hash chain covers the ids, so the copy's
  chain is computed again over the new ids, and its head (`audit_heads`) moved to the new last
  hash (refused if the archived chain does not hold, or does not end where its head says).
- `subscriptions`: provider references another clinic already has are cleared (one provider
  subscription never bills two clinics); status and quantities stay.
- people whose email has an account already keep that account (no second one is made);
- `clinics.promo_code`, if taken, is replaced by a fresh code; `clinics.referred_by` and
  `referral_entries.source_clinic_id` are kept only if that clinic exists here, else NULL;
  any pointer at a user who is not among the archive's people is kept only if that user exists.

Not in the archive at all: password resets (a user's short-lived secrets, not the clinic's) and
`processed_events` (the provider's global bookkeeping)."""

from __future__ import annotations

import enum
import json
import os
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Connection, Engine, Enum, Table, Uuid, func, select
from sqlalchemy.exc import IntegrityError

from clinic.adapters.sqlalchemy import migrate
from clinic.adapters.sqlalchemy.ownership import clinic_owned_tables
from clinic.adapters.sqlalchemy.tables import audit_log, clinics, memberships, users
from clinic.adapters.sqlalchemy.types import UtcDateTime
from clinic.application.ports import Clock
from clinic.domain.audit import GENESIS, AuditEntry, AuditHead, entry_hash, verify_chain
from clinic.domain.referrals import new_promo_code
from clinic.domain.shared import DomainError, NotFound

FORMAT = "chairside-clinic"
MANIFEST = "manifest.json"
TABLES_DIR = "tables/"
FILES_DIR = "files/"
# Fixed zip entry times, so the same clinic exports to the same bytes but for the manifest.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 500

# Not imported as a copy with new ids (see the module's notes); restored with `same_ids`.
NOT_COPIED = frozenset({"api_tokens", "invitations", "idempotency_keys", "outbox"})
# Unique provider references: a copy skips the rows whose reference is already here.
UNIQUE_REFS = {"payments": "external_ref", "referral_entries": "source_ref"}
# Free text that names this clinic's rows ("week|room:<id>").
TEXT_WITH_IDS = {("memberships", "calendar_view")}

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)?$")

# (table, rows written, rows skipped)
Progress = Callable[[str, int, int], None]


class ArchiveRefused(DomainError):
    """The archive cannot be read or does not fit this database; the message says why in one
    line, and nothing was written."""

    code = "archive_refused"


def archive_tables() -> list[Table]:
    """What an archive holds, parents first."""
    return [clinics, users, *clinic_owned_tables()]


# -- values: one rendering for both databases ----------------------------------------------

def _render(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a naive datetime came out of the database")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot export a {type(value).__name__}")


def _parse(table: Table, name: str, value: Any) -> Any:
    if value is None:
        return None
    kind = table.c[name].type
    if isinstance(kind, Uuid):
        return uuid.UUID(str(value))
    if isinstance(kind, UtcDateTime):
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone")
        return moment
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    return value


def _sorted(table: Table, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = [c.name for c in table.primary_key.columns]
    return sorted(rows, key=lambda row: tuple(str(row[k]) for k in keys))


def _dumps(document: Any) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


def _entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


class ClinicArchive:
    def __init__(self, engine: Engine, files_root: Path, clock: Clock) -> None:
        self.engine, self.files_root, self.clock = engine, Path(files_root), clock

    # -- the schema version ------------------------------------------------------------------

    def schema_version(self) -> str:
        """The database's revision; refused unless it is the newest one."""
        here, head = migrate.current(self.engine.url.render_as_string(hide_password=False))
        if here != head:
            raise ArchiveRefused(f"the database is at schema revision {here or 'none'}, not the "
                                 f"newest {head}: run `clinic db upgrade` first")
        return str(head)

    # -- export ------------------------------------------------------------------------------

    def export(self, clinic_id: uuid.UUID, out_path: Path | str,
               progress: Progress | None = None) -> dict[str, Any]:
        """Write the clinic's archive to `out_path` (replaced whole, never half-written) and
        return its manifest. NotFound if there is no such clinic."""
        version = self.schema_version()
        conn_options: dict[str, Any] = {}
        if self.engine.dialect.name == "postgresql":  # one snapshot for every table
            conn_options["isolation_level"] = "REPEATABLE READ"
        with self.engine.connect().execution_options(**conn_options) as conn, conn.begin():
            clinic = conn.execute(select(clinics).where(clinics.c.id == clinic_id)).first()
            if clinic is None:
                raise NotFound()
            documents = {"clinics": [dict(clinic._mapping)]}
            people = select(memberships.c.user_id).where(memberships.c.clinic_id == clinic_id)
            documents["users"] = [dict(r._mapping) for r in conn.execute(
                select(users).where(users.c.id.in_(people)))]
            for table in clinic_owned_tables():
                documents[table.name] = [dict(r._mapping) for r in conn.execute(
                    select(table).where(table.c.clinic_id == clinic_id))]
        files = self._files_of(clinic_id)

        manifest: dict[str, Any] = {
            "format": FORMAT, "schema_version": version, "clinic_id": str(clinic_id),
            "clinic_name": clinic.name,
            "exported_at": self.clock.now().astimezone(UTC).isoformat(timespec="seconds"),
            "tables": {name: len(rows) for name, rows in documents.items()},
            "files": len(files),
        }
        out = Path(out_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".clinic-export-", suffix=".zip",
                                             dir=out.parent)
        os.close(handle)
        try:
            with zipfile.ZipFile(temporary, "w") as archive:
                _entry(archive, MANIFEST, _dumps(manifest))
                for table in archive_tables():
                    rows = _sorted(table, ({name: _render(value) for name, value in row.items()}
                                           for row in documents[table.name]))
                    _entry(archive, f"{TABLES_DIR}{table.name}.json", _dumps({
                        "format": FORMAT, "schema_version": version, "table": table.name,
                        "columns": [c.name for c in table.columns], "rows": rows}))
                    if progress:
                        progress(table.name, len(rows), 0)
                for key, path in files:
                    _entry(archive, FILES_DIR + key, path.read_bytes())
                if progress:
                    progress("files", len(files), 0)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return manifest

    def _files_of(self, clinic_id: uuid.UUID) -> list[tuple[str, Path]]:
        root = self.files_root / str(clinic_id)
        if not root.is_dir():
            return []
        found = [(path.relative_to(self.files_root).as_posix(), path)
                 for path in root.rglob("*") if path.is_file() and path.suffix != ".tmp"]
        return sorted(found)

    # -- import ------------------------------------------------------------------------------

    def import_(self, archive_path: Path | str, same_ids: bool = False,
                progress: Progress | None = None) -> uuid.UUID:
        """Restore the archive as a new clinic (new ids), or with `same_ids` exactly as it was
        into a database with no clinics; return the clinic's id. ArchiveRefused, with nothing
        written, if the archive is unreadable, of another schema, or does not fit."""
        version = self.schema_version()
        manifest, documents, files = self._read(Path(archive_path), version)
        old_clinic = uuid.UUID(manifest["clinic_id"])
        importer = _Import(documents, same_ids, progress)
        new_clinic = old_clinic if same_ids else uuid.uuid4()
        folder = self.files_root / str(new_clinic)
        ours = not folder.exists()  # only a folder this import made is removed if it fails
        options: dict[str, Any] = {}
        if self.engine.dialect.name == "sqlite":
            options["sqlite_immediate"] = True  # no other writer until it is all in
        try:
            with self.engine.connect().execution_options(**options) as conn, conn.begin():
                if same_ids:
                    importer.check_empty(conn)
                    if not ours and any(folder.iterdir()):
                        raise ArchiveRefused(f"files for clinic {new_clinic} are already in "
                                             f"{folder}; move them away first")
                importer.run(conn, old_clinic, new_clinic)
                for key, data in files:
                    target = self.files_root / importer.file_key(key)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                if progress:
                    progress("files", len(files), 0)
        except IntegrityError as error:
            if ours:
                shutil.rmtree(folder, ignore_errors=True)
            detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise ArchiveRefused(f"the archive does not fit this database ({detail}); "
                                 "nothing was imported") from None
        except BaseException:
            if ours:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        return new_clinic

    def _read(self, path: Path, version: str) -> tuple[
            dict[str, Any], dict[str, list[dict[str, Any]]], list[tuple[str, bytes]]]:
        """Everything in the archive, checked and parsed, before anything is written."""
        if not path.is_file():
            raise ArchiveRefused(f"{path} is not a file")
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise ArchiveRefused(f"{path} is not a clinic archive (not a zip file)") from None
        with archive:
            names = set(archive.namelist())
            try:
                if MANIFEST not in names:
                    raise ArchiveRefused(f"{path} is not a clinic archive (no {MANIFEST})")
                manifest = json.loads(archive.read(MANIFEST))
                if not isinstance(manifest, dict):
                    raise ArchiveRefused(f"{path} is not a clinic archive (bad {MANIFEST})")
                if manifest.get("format") != FORMAT:
                    raise ArchiveRefused(f"{path} is not a clinic archive (format "
                                         f"{manifest.get('format')!r}, expected {FORMAT!r})")
                if manifest.get("schema_version") != version:
                    raise ArchiveRefused(
                        f"the archive is of schema version {manifest.get('schema_version')!r}, "
                        f"this database is at {version!r}: import it with the release that "
                        "made it, or upgrade that database and export again")
                clinic_id = uuid.UUID(str(manifest.get("clinic_id")))
                documents = {table.name: self._table(archive, table, version, names)
                             for table in archive_tables()}
                files = [(name.removeprefix(FILES_DIR), archive.read(name))
                         for name in sorted(names) if name.startswith(FILES_DIR)
                         and not name.endswith("/")]
            except ArchiveRefused:
                raise
            except (ValueError, KeyError, TypeError, zipfile.BadZipFile, UnicodeDecodeError,
                    AttributeError) as error:
                raise ArchiveRefused(f"{path} is damaged: {error}") from None
        counts = manifest.get("tables")
        if counts != {name: len(rows) for name, rows in documents.items()}:
            raise ArchiveRefused(f"{path} is damaged: its tables do not hold the rows its "
                                 f"{MANIFEST} counts")
        if [row["id"] for row in documents["clinics"]] != [clinic_id]:
            raise ArchiveRefused(f"{path} is damaged: tables/clinics.json does not hold "
                                 f"exactly the clinic {clinic_id}")
        for key, _data in files:
            segments = PurePosixPath(key).parts
            if (len(segments) < 2 or segments[0] != str(clinic_id)
                    or not all(_SAFE_SEGMENT.match(s) for s in segments)):
                raise ArchiveRefused(f"{path} is damaged: unexpected file {FILES_DIR}{key}")
        return manifest, documents, files

    @staticmethod
    def _table(archive: zipfile.ZipFile, table: Table, version: str,
               names: set[str]) -> list[dict[str, Any]]:
        name = f"{TABLES_DIR}{table.name}.json"
        if name not in names:
            raise ArchiveRefused(f"the archive is damaged: {name} is missing")
        document = json.loads(archive.read(name))
        columns = [c.name for c in table.columns]
        if (document.get("table") != table.name or document.get("schema_version") != version
                or document.get("columns") != columns):
            raise ArchiveRefused(f"the archive is damaged: {name} is not the {table.name} "
                                 f"table of schema version {version}")
        rows = []
        for raw in document["rows"]:
            if set(raw) != set(columns):
                raise ArchiveRefused(f"the archive is damaged: a row of {name} has the "
                                     "wrong columns")
            rows.append({c: _parse(table, c, raw[c]) for c in columns})
        return rows


class _Import:
    """One import's id maps and choices (see the module's notes)."""

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
