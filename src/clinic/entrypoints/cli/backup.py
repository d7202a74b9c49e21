"""`clinic backup -o FILE` and `clinic restore FILE --to URL`: the whole database, either engine."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clinic.container import Container
from clinic.entrypoints.cli.context import with_container


class Refused(click.ClickException):
    """Bad input or a failed backup/restore: one line, and the exit code 2 of bad usage."""

    exit_code = 2


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


class _Percent:
    """A percentage on stderr, rewritten in place on a terminal, one line per 10% otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = -1
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:  # PostgreSQL: tables dumped so far, the total unknown
            if self.tty:
                click.echo(f"\r{self.label}: {done} tables", nl=False, err=True)
            return
        percent = done * 100 // total
        step = percent if self.tty else percent // 10 * 10
        if step == self.shown:
            return
        self.shown = step
        if self.tty:
            click.echo(f"\r{self.label}: {percent:3d}%", nl=percent == 100, err=True)
        else:
            click.echo(f"{self.label}: {step}%", err=True)

    def finish(self) -> None:
        if self.tty and self.shown != 100:
            click.echo("", err=True)


@click.command("backup")
@click.option("-o", "--output", "output", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the backup (PostgreSQL: pg_dump's custom format; "
                   "SQLite: a database file).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_container
def backup(container: Container, output: Path, force: bool) -> None:
    """Back up the whole database (DATABASE_URL) while the app keeps running: one consistent
    snapshot, written beside FILE and renamed into place only when complete."""
    backups = container.database_backup()
    if output.exists() and not force:
        raise Refused(f"{output} already exists (pass --force to replace it)")
    progress = _Percent("backup")
    try:
        result = backups.backup(output, progress=progress, overwrite=force)
    except backups.Error as error:
        progress.finish()
        raise Refused(str(error)) from None
    progress.finish()
    click.echo(f"backed up {backups.display()} to {result.path} ({result.kind}, "
               f"{_size(result.size_bytes)}) in {result.seconds:.2f} s")


@click.command("restore")
@click.argument("file", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--to", "to_url", required=True, metavar="URL",
              help="The database to replace, e.g. postgresql+psycopg://user@host/db or "
                   "sqlite:////srv/clinic.sqlite3.")
@click.option("--confirm", is_flag=True, help="Do not ask before replacing everything.")
@with_container
def restore(container: Container, file: Path, to_url: str, confirm: bool) -> None:
    """Replace everything in the database at URL with the backup FILE (made by `clinic backup`;
    PostgreSQL backups into PostgreSQL, SQLite into SQLite)."""
    backups = container.database_backup()
    try:
        backups.check_restore(file, to_url)
    except backups.Error as error:
        raise Refused(str(error)) from None
    if not confirm:
        click.confirm(f"Replace everything in {backups.display(to_url)} with {file}?",
                      abort=True)
    progress = _Percent("restore")
    try:
        result = backups.restore(file, to_url, progress=progress)
    except backups.Error as error:
        progress.finish()
        raise Refused(str(error)) from None
    progress.finish()
    click.echo(f"restored {file} into {result.target}: {result.tables} tables, "
               f"{result.rows} rows, in {result.seconds:.2f} s")
