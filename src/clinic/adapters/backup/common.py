"""What backups of either database share: results, errors, URLs, the file's kind, and the row
counts and checksums the restore drill compares."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

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


def sqlite_path(url: str) -> Path:
    database = _parse_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{url} does not name a SQLite database file")
    return Path(database)


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
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


def client_program(name: str) -> str:
    for candidate in (f"/usr/bin/{name}", shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} is not installed (the PostgreSQL client tools are needed)")


def pg_error(program: str, status: int, stderr_lines: list[str]) -> BackupError:
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
def engine_for(url: str) -> Iterator[Engine]:
    engine = create_engine(_sqlalchemy_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


def check_reachable(url: str) -> None:
    try:
        with engine_for(url) as engine, engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        raise BackupError(f"cannot connect to {display_url(url)}: "
                          f"{_one_line(reason[0]) if reason else 'no reason given'}") from None




class BackupEngine(Protocol):
    """One database kind's way to back up and restore (`postgresql.py`, `sqlite.py`)."""

    kind: str

    def dump(self, database_url: str, out: Path, progress: Progress | None) -> None:
        """Write one consistent snapshot of the database into `out`."""
        ...

    def check_restore(self, path: Path, to_url: str) -> None:
        """Refuse (BackupError) a backup that cannot be restored into `to_url`."""
        ...

    def restore(self, path: Path, to_url: str, progress: Progress | None) -> None: ...


NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


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
    with engine_for(url) as engine:
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
    with engine_for(url) as engine:
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
