"""`clinic tenants export CLINIC -o FILE` and `clinic tenants import FILE [--same-ids]`: one
clinic, everything it owns and its uploaded files, as one zip archive, and back.

What a copy with new ids leaves out, and why, is told in the archive adapter's notes
(`clinic.adapters.sqlalchemy.tenant_archive`). Bad input is refused with one line and exit
code 2; nothing is written then."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from clinic.container import Container
from clinic.domain.shared import DomainError, NotFound
from clinic.entrypoints.cli.context import with_container


class Refused(click.ClickException):
    """Nothing was written; the reason is one line, and the exit code is 2 like bad usage."""

    exit_code = 2


class _Tally:
    """Table-by-table progress on stderr, and the totals for the summary."""

    def __init__(self) -> None:
        self.rows = self.skipped = self.files = 0

    def __call__(self, table: str, count: int, skipped: int) -> None:
        if table == "files":
            self.files += count
        else:
            self.rows += count
            self.skipped += skipped if table != "users" else 0
        note = "" if not skipped else (f" ({skipped} already here, reused)" if table == "users"
                                       else f" ({skipped} not carried over)")
        click.echo(f"  {table}: {count}{note}", err=True)


@click.command("export")
@click.argument("clinic", metavar="CLINIC")
@click.option("-o", "--output", required=True, metavar="FILE",
              help="The archive to write (a zip).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_container
def export(container: Container, clinic: str, output: str, force: bool) -> None:
    """Write one clinic's archive: every row it owns (JSON per table), its people, its files."""
    try:
        clinic_id = uuid.UUID(clinic)
    except ValueError:
        raise Refused(f"{clinic!r} is not a clinic id (a UUID)") from None
    target = Path(output)
    if target.is_dir():
        raise Refused(f"{target} is a directory; give a file name")
    if not target.parent.is_dir():
        raise Refused(f"there is no directory {target.parent} to write {target.name} in")
    if target.exists() and not force:
        raise Refused(f"{target} exists; use --force to replace it")
    tally = _Tally()
    try:
        # every patient card leaves the service in this file: the use case writes that to the
        # audit trail once the archive is written
        manifest = container.export_clinic()(clinic_id, target, progress=tally)
    except NotFound:
        raise Refused(f"no clinic with id {clinic_id}") from None
    except DomainError as error:
        raise Refused(str(error)) from None
    click.echo(f"exported «{manifest['clinic_name']}» ({clinic_id}): {tally.rows} rows in "
               f"{len(manifest['tables'])} tables and {tally.files} files to {target}")


@click.command("import")
@click.argument("archive", metavar="FILE")
@click.option("--same-ids", is_flag=True,
              help="Keep every id as it was (only into a database with no clinics).")
@with_container
def import_(container: Container, archive: str, same_ids: bool) -> None:
    """Restore a clinic's archive as a new clinic with new ids (or, with --same-ids, exactly as
    it was, into an empty database). All or nothing."""
    path = Path(archive)
    if not path.is_file():
        raise Refused(f"{path} is not a file")
    tally = _Tally()
    try:
        clinic_id = container.clinic_archive().import_(path, same_ids=same_ids, progress=tally)
    except DomainError as error:
        raise Refused(str(error)) from None
    name = container.clinic_removal().name_of(clinic_id)
    left = f"; {tally.skipped} rows not carried over" if tally.skipped else ""
    click.echo(f"imported «{name}» as clinic {clinic_id}: {tally.rows} rows and {tally.files} "
               f"files{left}")
