"""SQLite: the online backup API, in pages, inside one read transaction, so the copy is one
consistent snapshot however many writes happen meanwhile (a plain file copy of a live database
may be torn)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from clinic.adapters.backup.common import (
    SQLITE_MAX_RESTARTS,
    SQLITE_PAGES_PER_STEP,
    BackupError,
    Progress,
    file_kind,
    sqlite_path,
)


class SqliteBackups:
    kind = "sqlite"

    def __init__(self, pages_per_step: int = SQLITE_PAGES_PER_STEP) -> None:
        self.sqlite_pages_per_step = pages_per_step

    def dump(self, database_url: str, out: Path, progress: Progress | None) -> None:
        source_path = sqlite_path(database_url)
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

    def check_restore(self, path: Path, to_url: str) -> None:
        target = sqlite_path(to_url)
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

    def restore(self, path: Path, to_url: str, progress: Progress | None) -> None:
        target_path = sqlite_path(to_url)
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


