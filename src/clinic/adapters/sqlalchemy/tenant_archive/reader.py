"""Reading an archive back: everything in it checked and parsed before anything is written."""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Enum, Table, Uuid

from clinic.adapters.sqlalchemy.tenant_archive.format import (
    FILES_DIR,
    FORMAT,
    MANIFEST,
    META,
    TABLES_DIR,
    ArchiveRefused,
    archive_tables,
)
from clinic.adapters.sqlalchemy.types import UtcDateTime

_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)?$")


@dataclass(frozen=True)
class StoredFile:
    key: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class ArchiveContents:
    manifest: dict[str, Any]
    documents: dict[str, list[dict[str, Any]]]  # table name -> rows, parsed
    files: list[StoredFile]
    stray_entries: int  # a file without its `.meta`, or a `.meta` without its file


def read_archive(path: Path, version: str) -> ArchiveContents:
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
            documents = {table.name: _table(archive, table, version, names)
                         for table in archive_tables()}
            entries = {name.removeprefix(FILES_DIR): archive.read(name)
                       for name in sorted(names) if name.startswith(FILES_DIR)
                       and not name.endswith("/")}
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
    for key in entries:
        segments = PurePosixPath(key).parts
        if (len(segments) < 2 or segments[0] != str(clinic_id)
                or not all(_SAFE_SEGMENT.match(s) for s in segments)):
            raise ArchiveRefused(f"{path} is damaged: unexpected file {FILES_DIR}{key}")
    files = [StoredFile(key, data, _content_type(path, key, entries[key + META]))
             for key, data in entries.items()
             if not key.endswith(META) and key + META in entries]
    return ArchiveContents(manifest, documents, files, len(entries) - 2 * len(files))


def _content_type(path: Path, key: str, data: bytes) -> str:
    try:
        content_type = json.loads(data)["content_type"]
    except (ValueError, KeyError, TypeError):
        content_type = None
    if not isinstance(content_type, str):
        raise ArchiveRefused(f"{path} is damaged: {FILES_DIR}{key}{META} names no content type")
    return content_type


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
