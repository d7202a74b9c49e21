"""Import: an archive (read and checked whole first, `reader.py`) written in one transaction,
its rows through `RowCopy` and its files through the `FileStore`; if anything fails, nothing is
left: the transaction rolls back and the files written for the new clinic are deleted."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from clinic.adapters.sqlalchemy.tenant_archive.format import (
    ArchiveRefused,
    Progress,
    schema_version,
)
from clinic.adapters.sqlalchemy.tenant_archive.reader import read_archive
from clinic.adapters.sqlalchemy.tenant_archive.remap import RowCopy
from clinic.application.ports import FileStore


class ClinicImport:
    def __init__(self, engine: Engine, files: FileStore) -> None:
        self.engine, self.files = engine, files

    def __call__(self, archive_path: Path | str, same_ids: bool = False,
                 progress: Progress | None = None) -> uuid.UUID:
        """Restore the archive as a new clinic (new ids), or with `same_ids` exactly as it was
        into a database with no clinics; return the clinic's id. ArchiveRefused, with nothing
        written, if the archive is unreadable, of another schema, or does not fit."""
        version = schema_version(self.engine)
        contents = read_archive(Path(archive_path), version)
        old_clinic = uuid.UUID(contents.manifest["clinic_id"])
        rows = RowCopy(contents.documents, same_ids, progress)
        new_clinic = old_clinic if same_ids else uuid.uuid4()
        folder = f"{new_clinic}/"
        ours = not self.files.keys(folder)  # only files this import wrote are deleted if it fails
        options: dict[str, Any] = {}
        if self.engine.dialect.name == "sqlite":
            options["sqlite_immediate"] = True  # no other writer until it is all in
        try:
            with self.engine.connect().execution_options(**options) as conn, conn.begin():
                if same_ids:
                    rows.check_empty(conn)
                    if not ours:
                        raise ArchiveRefused(f"files for clinic {new_clinic} are already in "
                                             "the file store; move them away first")
                rows.run(conn, old_clinic, new_clinic)
                for stored in contents.files:
                    self.files.save(rows.file_key(stored.key), stored.data, stored.content_type)
                if progress:
                    progress("files", 2 * len(contents.files), contents.stray_entries)
        except IntegrityError as error:
            if ours:
                self.files.delete_prefix(folder)
            detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise ArchiveRefused(f"the archive does not fit this database ({detail}); "
                                 "nothing was imported") from None
        except BaseException:
            if ours:
                self.files.delete_prefix(folder)
            raise
        return new_clinic
