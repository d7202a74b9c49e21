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

import os
import time
import uuid
from contextlib import suppress
from pathlib import Path

from clinic.adapters.backup.common import (
    NAMES,
    SQLITE_PAGES_PER_STEP,
    BackupEngine,
    BackupError,
    BackupResult,
    Progress,
    RestoreResult,
    display_url,
    file_kind,
    row_counts,
    table_fingerprints,
    url_kind,
)
from clinic.adapters.backup.postgresql import PostgresBackups
from clinic.adapters.backup.sqlite import SqliteBackups

__all__ = ["BackupError", "BackupResult", "DatabaseBackup", "RestoreResult", "file_kind",
           "row_counts", "table_fingerprints"]


class DatabaseBackup:
    """Backs up the configured database; restores a backup into any database URL."""

    Error = BackupError  # so callers beyond the adapters can catch it through an instance

    def __init__(self, database_url: str,
                 sqlite_pages_per_step: int = SQLITE_PAGES_PER_STEP) -> None:
        self.database_url = database_url
        self.engines: dict[str, BackupEngine] = {
            "postgresql": PostgresBackups(), "sqlite": SqliteBackups(sqlite_pages_per_step)}

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
            self.engines[kind].dump(self.database_url, partial, progress)
            os.replace(partial, out)
        finally:
            with suppress(FileNotFoundError):
                partial.unlink()
        return BackupResult(out, kind, out.stat().st_size, time.monotonic() - started)

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
            raise BackupError(f"{path} is a {NAMES[kind]} backup and cannot be restored into "
                              f"{NAMES[target_kind]} ({display_url(to_url)})")
        self.engines[kind].check_restore(path, to_url)
        return kind

    def restore(self, in_path: str | os.PathLike[str], to_url: str,
                progress: Progress | None = None) -> RestoreResult:
        """Replace everything in the database at `to_url` with the backup's contents."""
        started = time.monotonic()
        kind = self.check_restore(in_path, to_url)
        self.engines[kind].restore(Path(in_path), to_url, progress)
        counts = row_counts(to_url)
        return RestoreResult(kind, display_url(to_url), len(counts), sum(counts.values()),
                             time.monotonic() - started)
