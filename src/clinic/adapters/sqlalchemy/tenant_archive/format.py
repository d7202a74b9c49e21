"""The archive's layout, its versions and its values, and writing one (see the package's notes
for what it holds).

- `manifest.json`: the format, the schema version, the clinic's id and name, when, the rows per
  table and the number of file entries;
- `tables/<name>.json`: one document per table of `archive_tables()`, rows sorted by primary key,
  every value rendered the same way whichever database it came from;
- `files/<key>` and `files/<key>.meta` (`{"content_type": …}`): each stored file of the clinic.

Reading one back is `reader.py`."""

from __future__ import annotations

import enum
import json
import os
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table

from clinic.adapters.sqlalchemy import migrate
from clinic.adapters.sqlalchemy.ownership import clinic_owned_tables
from clinic.adapters.sqlalchemy.tables import clinics, users
from clinic.domain.shared import DomainError

FORMAT = "chairside-clinic"
MANIFEST = "manifest.json"
TABLES_DIR = "tables/"
FILES_DIR = "files/"
META = ".meta"
# Fixed zip entry times, so the same clinic exports to the same bytes but for the manifest.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# (table, rows written, rows skipped); for "files", entries written and left out
Progress = Callable[[str, int, int], None]


class ArchiveRefused(DomainError):
    """The archive cannot be read or does not fit this database; the message says why in one
    line, and nothing was written."""

    code = "archive_refused"


def archive_tables() -> list[Table]:
    """What an archive holds, parents first."""
    return [clinics, users, *clinic_owned_tables()]


def schema_version(engine: Engine) -> str:
    """The database's revision; refused unless it is the newest one."""
    here, head = migrate.current(engine.url.render_as_string(hide_password=False))
    if here != head:
        raise ArchiveRefused(f"the database is at schema revision {here or 'none'}, not the "
                             f"newest {head}: run `clinic db upgrade` first")
    return str(head)


# -- values: one rendering for both databases ----------------------------------------------

def render(value: Any) -> Any:
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


def _dumps(document: Any) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


def meta(content_type: str) -> bytes:
    """A file's `.meta` entry (the bytes the local file store keeps beside it)."""
    return json.dumps({"content_type": content_type}).encode()


# -- writing ----------------------------------------------------------------------------------

class ArchiveWriter:
    """A zip written to a temporary file beside `out` and renamed over it when the block ends
    well, so `out` is replaced whole, never half-written."""

    def __init__(self, out: Path, version: str) -> None:
        self.out, self.version = out, version

    def __enter__(self) -> ArchiveWriter:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        handle, self.temporary = tempfile.mkstemp(prefix=".clinic-export-", suffix=".zip",
                                                  dir=self.out.parent)
        os.close(handle)
        try:
            self.zip = zipfile.ZipFile(self.temporary, "w")
        except BaseException:
            Path(self.temporary).unlink(missing_ok=True)
            raise
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            self.zip.close()
            if kind is None:
                os.replace(self.temporary, self.out)
        finally:
            Path(self.temporary).unlink(missing_ok=True)

    def _entry(self, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, data)

    def manifest(self, manifest: dict[str, Any]) -> None:
        self._entry(MANIFEST, _dumps(manifest))

    def table(self, table: Table, rows: Iterable[dict[str, Any]]) -> int:
        """Write the table's rows (as they came from the database); how many."""
        keys = [c.name for c in table.primary_key.columns]
        rendered = sorted(({name: render(value) for name, value in row.items()} for row in rows),
                          key=lambda row: tuple(str(row[k]) for k in keys))
        self._entry(f"{TABLES_DIR}{table.name}.json", _dumps({
            "format": FORMAT, "schema_version": self.version, "table": table.name,
            "columns": [c.name for c in table.columns], "rows": rendered}))
        return len(rendered)

    def file(self, name: str, data: bytes) -> None:
        """One entry under `files/`: a stored file's key, or that key and `.meta`."""
        self._entry(FILES_DIR + name, data)
