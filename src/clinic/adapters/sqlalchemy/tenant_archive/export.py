"""Export: one clinic's rows, read in one snapshot, and its stored files, written as one archive
(`format.py`); the time it says it was made is the `Clock`'s."""

from __future__ import annotations

import uuid
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from clinic.adapters.sqlalchemy.ownership import clinic_owned_tables
from clinic.adapters.sqlalchemy.tables import clinics, memberships, users
from clinic.adapters.sqlalchemy.tenant_archive.format import (
    FORMAT,
    META,
    ArchiveWriter,
    Progress,
    archive_tables,
    meta,
    schema_version,
)
from clinic.application.ports import Clock, FileStore
from clinic.domain.shared import NotFound


class ClinicExport:
    def __init__(self, engine: Engine, files: FileStore, clock: Clock) -> None:
        self.engine, self.files, self.clock = engine, files, clock

    def __call__(self, clinic_id: uuid.UUID, out_path: Path | str,
                 progress: Progress | None = None) -> dict[str, Any]:
        """Write the clinic's archive to `out_path` (replaced whole, never half-written) and
        return its manifest. NotFound if there is no such clinic."""
        version = schema_version(self.engine)
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
        # each stored file and its `.meta`, in the order of their names
        entries = sorted(name for key in self.files.keys(f"{clinic_id}/")
                         for name in (key, key + META))

        manifest: dict[str, Any] = {
            "format": FORMAT, "schema_version": version, "clinic_id": str(clinic_id),
            "clinic_name": clinic.name,
            "exported_at": self.clock.now().astimezone(UTC).isoformat(timespec="seconds"),
            "tables": {name: len(rows) for name, rows in documents.items()},
            "files": len(entries),
        }
        with ArchiveWriter(Path(out_path), version) as archive:
            archive.manifest(manifest)
            for table in archive_tables():
                written = archive.table(table, documents[table.name])
                if progress:
                    progress(table.name, written, 0)
            self._files(archive, entries)
            if progress:
                progress("files", len(entries), 0)
        return manifest

    def _files(self, archive: ArchiveWriter, entries: list[str]) -> None:
        """One file in memory at a time (a `.meta` may come a few names after its file)."""
        content_types: dict[str, str] = {}
        for name in entries:
            if name.endswith(META):
                archive.file(name, meta(content_types.pop(name.removesuffix(META))))
                continue
            found = self.files.load(name)
            if found is None:
                raise FileNotFoundError(f"{name} went from the file store during the export")
            archive.file(name, found[0])
            content_types[name] = found[1]
