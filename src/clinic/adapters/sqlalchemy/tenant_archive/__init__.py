"""`clinic tenants export` / `import`: one clinic, everything it owns, as one zip archive.

The archive:

- `manifest.json`: the format, the schema version (the Alembic revision of the database it came
  from), the clinic's id and name, when, and the rows per table;
- `tables/<name>.json`: the `clinics` row, the clinic's people (`users` of its memberships), then
  every clinic-owned table found from the schema (`ownership.clinic_owned_tables()`), rows sorted
  by primary key, every value rendered the same way whichever database it came from (UUIDs as
  text, times as UTC ISO 8601 with microseconds, enums as their values), so the same data gives
  the same bytes from SQLite and PostgreSQL;
- `files/<clinic id>/…`: the clinic's uploaded files as the `FileStore` keeps them (each with
  its `.meta`, which names its content type).

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
- the reminders' answer links (`patient_messages.link_code`) and the Telegram bot (its token
  and secret, the patients' chats and start codes) stay with the original, and the copy's
  reminders are off until someone turns them on (patients would hear twice); the send log is
  kept, its keys renamed with the visits, so the copy knows what was sent;
- `clinics.promo_code`, if taken, is replaced by a fresh code; `clinics.referred_by` and
  `referral_entries.source_clinic_id` are kept only if that clinic exists here, else NULL;
  any pointer at a user who is not among the archive's people is kept only if that user exists.

Not in the archive at all: password resets (a user's short-lived secrets, not the clinic's) and
`processed_events` (the provider's global bookkeeping).

The package: `format.py` (the layout, the versions, one rendering of values, writing),
`reader.py` (reading an archive back, checked whole), `export.py`, `restore.py` (the import's
transaction and files) and `remap.py` (the import's ids and what a copy leaves out). Files go
through the `FileStore` port and the export's time comes from the `Clock` port."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from clinic.adapters.sqlalchemy.tenant_archive.export import ClinicExport
from clinic.adapters.sqlalchemy.tenant_archive.format import (
    ArchiveRefused,
    Progress,
    archive_tables,
)
from clinic.adapters.sqlalchemy.tenant_archive.restore import ClinicImport
from clinic.application.ports import Clock, FileStore

__all__ = ["ArchiveRefused", "ClinicArchive", "Progress", "archive_tables"]


class ClinicArchive:
    """What `clinic tenants export|import` call: one clinic out to an archive, or back in."""

    def __init__(self, engine: Engine, files: FileStore, clock: Clock) -> None:
        self._export = ClinicExport(engine, files, clock)
        self._import = ClinicImport(engine, files)

    def export(self, clinic_id: uuid.UUID, out_path: Path | str,
               progress: Progress | None = None) -> dict[str, Any]:
        """Write the clinic's archive to `out_path` (replaced whole, never half-written) and
        return its manifest. NotFound if there is no such clinic."""
        return self._export(clinic_id, out_path, progress)

    def import_(self, archive_path: Path | str, same_ids: bool = False,
                progress: Progress | None = None) -> uuid.UUID:
        """Restore the archive as a new clinic (new ids), or with `same_ids` exactly as it was
        into a database with no clinics; return the clinic's id. ArchiveRefused, with nothing
        written, if the archive is unreadable, of another schema, or does not fit."""
        return self._import(archive_path, same_ids, progress)
