"""PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, taken while the app keeps
writing) and `pg_restore --clean --if-exists --single-transaction` (all or nothing)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from clinic.adapters.backup.common import (
    PG_TIMEOUT_SECONDS,
    BackupError,
    Progress,
    check_reachable,
    client_program,
    file_kind,
    libpq_url,
    pg_error,
)


class PostgresBackups:
    kind = "postgresql"

    def dump(self, database_url: str, out: Path, progress: Progress | None) -> None:
        conninfo, env = libpq_url(database_url)
        command = [client_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
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
            raise pg_error("pg_dump", status, lines)
        if not out.exists() or file_kind(out) != "postgresql":
            raise BackupError("pg_dump finished but wrote no custom-format archive")

    def check_restore(self, path: Path, to_url: str) -> None:
        self._list(path)
        check_reachable(to_url)

    def _list(self, path: Path) -> None:
        result = subprocess.run([client_program("pg_restore"), "--list", str(path)],  # noqa: S603
                                capture_output=True, text=True, errors="replace",
                                check=False, timeout=600)
        if result.returncode != 0:
            reason = pg_error("pg_restore", result.returncode, result.stderr.splitlines())
            raise BackupError(f"{path} is not a readable pg_dump archive ({reason})")

    def restore(self, path: Path, to_url: str, progress: Progress | None) -> None:
        conninfo, env = libpq_url(to_url)
        env.setdefault("PGCONNECT_TIMEOUT", "10")
        command = [client_program("pg_restore"), "--clean", "--if-exists", "--no-owner",
                   "--no-privileges", "--single-transaction", "--exit-on-error",
                   f"--dbname={conninfo}", str(path)]
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,  # noqa: S603
                                text=True, errors="replace", env=env, check=False,
                                timeout=PG_TIMEOUT_SECONDS)
        if result.returncode != 0:
            raise pg_error("pg_restore", result.returncode, result.stderr.splitlines())

