"""Backups of the whole database, and restoring one into a database named by URL.

PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, taken while the app keeps writing)
and `pg_restore --clean --if-exists --single-transaction` (all or nothing). SQLite: the online
backup API, in pages, inside one read transaction, so the copy is one consistent snapshot however
many writes happen meanwhile (a plain file copy of a live database may be torn). A backup is
written beside its final name and renamed into place only when complete.

A backup file says what it is by its first bytes: `PGDMP` (pg_dump's custom format) or
`SQLite format 3\\0`. Restoring one engine's backup into the other is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from clinic.adapters.sqlalchemy.tables import metadata

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_PAGES_PER_STEP = 256  # 1 MiB of 4 KiB pages between progress reports
SQLITE_MAX_RESTARTS = 5
PG_TIMEOUT_SECONDS = 6 * 3600

# progress(done, total): SQLite reports pages copied of the total; PostgreSQL reports tables
# dumped so far with total 0 (pg_dump does not say how many are coming).
Progress = Callable[[int, int], None]


class BackupError(Exception):
    """A backup or restore was refused or failed; the message is one line for an operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str  # "postgresql" or "sqlite"
    size_bytes: int
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    kind: str
    target: str  # the URL, without its password
    tables: int
    rows: int
    seconds: float


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise BackupError(f"{url!r} is not a database URL") from None


def url_kind(url: str) -> str:
    """'postgresql' or 'sqlite'; anything else is refused."""
    backend = _parse_url(url).get_backend_name()
    if backend in ("postgresql", "postgres"):
        return "postgresql"
    if backend == "sqlite":
        return "sqlite"
    raise BackupError(f"{display_url(url)} is neither a PostgreSQL nor a SQLite URL")


def display_url(url: str) -> str:
    """The URL as it may be shown: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<not a database URL>"


def file_kind(path: Path) -> str | None:
    """'postgresql' or 'sqlite' by the file's first bytes; None for anything else."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    return None


def _sqlite_path(url: str) -> Path:
    database = _parse_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{url} does not name a SQLite database file")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL (no driver, no password) and the environment carrying the password."""
    parsed = _parse_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    conninfo = parsed.set(drivername="postgresql", password=None)
    return conninfo.render_as_string(hide_password=False), env


def _sqlalchemy_url(url: str) -> str:
    """The same database through the driver this project installs (psycopg 3)."""
    parsed = _parse_url(url)
    if parsed.get_backend_name() in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _program(name: str) -> str:
    for candidate in (f"/usr/bin/{name}", shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} is not installed (the PostgreSQL client tools are needed)")


def _pg_error(program: str, status: int, stderr_lines: list[str]) -> BackupError:
    """pg_dump / pg_restore's own words: the first error line, without the program's prefix."""
    errors = [line for line in stderr_lines if "error:" in line or "FATAL:" in line]
    message = (errors or [line for line in stderr_lines if line.strip()] or [""])[0]
    for prefix in (f"{program}: error: ", f"{program}: "):
        if message.startswith(prefix):
            message = message[len(prefix):]
            break
    message = _one_line(message) or "no message"
    return BackupError(f"{program} failed (exit status {status}): {message}")


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = create_engine(_sqlalchemy_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


def _check_reachable(url: str) -> None:
    try:
        with _engine(url) as engine, engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        raise BackupError(f"cannot connect to {display_url(url)}: "
                          f"{_one_line(reason[0]) if reason else 'no reason given'}") from None


class DatabaseBackup:
    """Backs up the configured database; restores a backup into any database URL."""

    Error = BackupError  # so callers beyond the adapters can catch it through an instance

    def __init__(self, database_url: str,
                 sqlite_pages_per_step: int = SQLITE_PAGES_PER_STEP) -> None:
        self.database_url = database_url
        self.sqlite_pages_per_step = sqlite_pages_per_step

    @property
    def kind(self) -> str:
        return url_kind(self.database_url)

    def display(self, url: str | None = None) -> str:
        return display_url(self.database_url if url is None else url)

    # -- backup --

    def backup(self, out_path: str | os.PathLike[str], progress: Progress | None = None,
               overwrite: bool = False) -> BackupResult:
        out = Path(out_path)
        kind = self.kind
        if out.is_dir():
            raise BackupError(f"{out} is a directory; name the backup file")
        if out.exists() and not overwrite:
            raise BackupError(f"{out} already exists (pass --force to replace it)")
        if not out.parent.is_dir():
            raise BackupError(f"no directory {out.parent} to write {out.name} into")
        partial = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.partial")
        started = time.monotonic()
        try:
            if kind == "postgresql":
                self._pg_dump(partial, progress)
            else:
                self._sqlite_backup(partial, progress)
            os.replace(partial, out)
        finally:
            with suppress(FileNotFoundError):
                partial.unlink()
        return BackupResult(out, kind, out.stat().st_size, time.monotonic() - started)

    def _pg_dump(self, out: Path, progress: Progress | None) -> None:
        conninfo, env = _libpq(self.database_url)
        command = [_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                   "--verbose", f"--file={out}", f"--dbname={conninfo}"]
        env.setdefault("PGCONNECT_TIMEOUT", "10")
        lines: list[str] = []
        tables = 0
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: S603
                              stderr=subprocess.PIPE, env=env, text=True,
                              errors="replace") as process:
            assert process.stderr is not None
            for line in process.stderr:
                lines.append(line.rstrip("\n"))
                if "dumping contents of table" in line:
                    tables += 1
                    if progress is not None:
                        progress(tables, 0)
            status = process.wait(timeout=PG_TIMEOUT_SECONDS)
        if status != 0:
            raise _pg_error("pg_dump", status, lines)
        if not out.exists() or file_kind(out) != "postgresql":
            raise BackupError("pg_dump finished but wrote no custom-format archive")

    def _sqlite_backup(self, out: Path, progress: Progress | None) -> None:
        source_path = _sqlite_path(self.database_url)
        if not source_path.is_file():
            raise BackupError(f"no SQLite database at {source_path}")
        try:
            source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=rw", uri=True,
                                     timeout=30, isolation_level=None)
        except sqlite3.Error as error:
            raise BackupError(f"cannot open {source_path}: {error}") from None
        with closing(source), closing(sqlite3.connect(out, isolation_level=None)) as target:
            try:
                source.execute("PRAGMA busy_timeout=30000")
                # One read transaction across every step: the copy is one snapshot, and other
                # connections' writes (WAL) neither restart it nor wait for it.
                source.execute("BEGIN")
                source.execute("SELECT count(*) FROM sqlite_master").fetchone()
                _copy_pages(source, target, progress, self.sqlite_pages_per_step)
                source.execute("COMMIT")
                # a backup is one self-contained file, whatever the live database's journal
                target.execute("PRAGMA journal_mode=DELETE")
                check = target.execute("PRAGMA quick_check").fetchone()
            except sqlite3.Error as error:
                raise BackupError(f"SQLite backup of {source_path} failed: {error}") from None
        if not check or check[0] != "ok":
            raise BackupError(f"the SQLite backup failed its integrity check: {check}")

    # -- restore --

    def check_restore(self, in_path: str | os.PathLike[str], to_url: str) -> str:
        """Refuse, before anything is asked or changed, what cannot work: a missing file, a
        file that is no backup, a backup of the other engine, an unreachable database. Returns
        the backup's kind."""
        path = Path(in_path)
        if not path.exists():
            raise BackupError(f"no such file: {path}")
        if not path.is_file():
            raise BackupError(f"{path} is not a file")
        kind = file_kind(path)
        if kind is None:
            raise BackupError(f"{path} is not a backup (neither a pg_dump custom-format archive "
                              "nor a SQLite database)")
        target_kind = url_kind(to_url)
        if kind != target_kind:
            raise BackupError(f"{path} is a {_NAMES[kind]} backup and cannot be restored into "
                              f"{_NAMES[target_kind]} ({display_url(to_url)})")
        if kind == "postgresql":
            self._pg_list(path)
            _check_reachable(to_url)
        else:
            self._sqlite_check_target(path, to_url)
        return kind

    def restore(self, in_path: str | os.PathLike[str], to_url: str,
                progress: Progress | None = None) -> RestoreResult:
        """Replace everything in the database at `to_url` with the backup's contents."""
        started = time.monotonic()
        kind = self.check_restore(in_path, to_url)
        if kind == "postgresql":
            self._pg_restore(Path(in_path), to_url)
        else:
            self._sqlite_restore(Path(in_path), to_url, progress)
        counts = row_counts(to_url)
        return RestoreResult(kind, display_url(to_url), len(counts), sum(counts.values()),
                             time.monotonic() - started)

    def _pg_list(self, path: Path) -> None:
        result = subprocess.run([_program("pg_restore"), "--list", str(path)],  # noqa: S603
                                capture_output=True, text=True, errors="replace",
                                check=False, timeout=600)
        if result.returncode != 0:
            reason = _pg_error("pg_restore", result.returncode, result.stderr.splitlines())
            raise BackupError(f"{path} is not a readable pg_dump archive ({reason})")

    def _pg_restore(self, path: Path, to_url: str) -> None:
        conninfo, env = _libpq(to_url)
        env.setdefault("PGCONNECT_TIMEOUT", "10")
        command = [_program("pg_restore"), "--clean", "--if-exists", "--no-owner",
                   "--no-privileges", "--single-transaction", "--exit-on-error",
                   f"--dbname={conninfo}", str(path)]
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,  # noqa: S603
                                text=True, errors="replace", env=env, check=False,
                                timeout=PG_TIMEOUT_SECONDS)
        if result.returncode != 0:
            raise _pg_error("pg_restore", result.returncode, result.stderr.splitlines())

    def _sqlite_check_target(self, path: Path, to_url: str) -> None:
        target = _sqlite_path(to_url)
        if target.exists() and target.resolve() == path.resolve():
            raise BackupError(f"{path} is the backup itself; restore it somewhere else")
        if not target.parent.is_dir():
            raise BackupError(f"no directory {target.parent} for {target.name}")
        if target.exists() and not (target.is_file() and (
                target.stat().st_size == 0 or file_kind(target) == "sqlite")):
            raise BackupError(f"{target} exists and is not a SQLite database; not replacing it")
        try:
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                check = db.execute("PRAGMA quick_check").fetchone()
        except sqlite3.Error as error:
            raise BackupError(f"{path} is not a readable SQLite database: {error}") from None
        if not check or check[0] != "ok":
            raise BackupError(f"{path} is damaged (SQLite quick_check: {check and check[0]})")

    def _sqlite_restore(self, path: Path, to_url: str, progress: Progress | None) -> None:
        target_path = _sqlite_path(to_url)
        try:
            source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                     isolation_level=None)
            target = sqlite3.connect(target_path, timeout=30, isolation_level=None)
        except sqlite3.Error as error:
            raise BackupError(f"cannot open {target_path}: {error}") from None
        with closing(source), closing(target):
            try:
                target.execute("PRAGMA busy_timeout=30000")
                _copy_pages(source, target, progress, self.sqlite_pages_per_step)
            except sqlite3.Error as error:
                raise BackupError(f"SQLite restore into {target_path} failed: {error}") from None


_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def _copy_pages(source: sqlite3.Connection, target: sqlite3.Connection,
                progress: Progress | None, pages_per_step: int) -> None:
    """The online backup API, a step of pages at a time, reporting progress between steps."""
    last = [-1]
    restarts = [0]

    def report(_status: int, remaining: int, total: int) -> None:
        if remaining > last[0] >= 0:
            restarts[0] += 1
            if restarts[0] > SQLITE_MAX_RESTARTS:
                raise BackupError("the SQLite backup kept restarting (the database changed "
                                  "under it); try again")
        last[0] = remaining
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=pages_per_step, progress=report)
    if progress is not None:
        pages = target.execute("PRAGMA page_count").fetchone()[0]
        progress(pages, pages)


# -- checking a database: row counts and checksums, the same on both engines --

def _render(value: Any) -> Any:
    if value is None or isinstance(value, int | str):
        return value if not isinstance(value, bool) else int(value)
    if isinstance(value, Enum):
        return _render(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def _existing_tables(engine: Engine) -> list[str]:
    present = set(inspect(engine).get_table_names())
    return [table.name for table in metadata.sorted_tables if table.name in present]


def row_counts(url: str) -> dict[str, int]:
    """Rows in each of the schema's tables that the database has."""
    with _engine(url) as engine:
        names = _existing_tables(engine)
        with engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(metadata.tables[name]))
                    .scalar_one() for name in names}


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """For each of the schema's tables the database has: its row count and a sha256 of its rows,
    each rendered canonically (UUIDs as strings, times as UTC ISO, booleans as 0/1, enums by
    value) as one JSON line, sorted by primary key. Equal on SQLite and PostgreSQL for equal
    data; read in one transaction (REPEATABLE READ on PostgreSQL), so it is one snapshot."""
    result: dict[str, tuple[int, str]] = {}
    with _engine(url) as engine:
        names = _existing_tables(engine)
        options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name != "sqlite" else {}
        with engine.connect().execution_options(**options) as conn, conn.begin():
            for name in names:
                table = metadata.tables[name]
                keys = [column.name for column in table.primary_key.columns]
                lines = []
                for row in conn.execute(select(table)).mappings():
                    rendered = {column: _render(value) for column, value in row.items()}
                    line = json.dumps(rendered, sort_keys=True, ensure_ascii=False,
                                      separators=(",", ":"))
                    lines.append((json.dumps([rendered[k] for k in keys]), line))
                digest = hashlib.sha256()
                for _key, line in sorted(lines):
                    digest.update(line.encode())
                    digest.update(b"\n")
                result[name] = (len(lines), digest.hexdigest())
    return result
