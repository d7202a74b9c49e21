"""`clinic tenants …`: the clinics hosted here — list, show, suspend, resume, delete."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import click

from clinic.container import Container
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.entrypoints.cli.context import with_container
from clinic.entrypoints.cli.tenant_archive import export, import_


def table(rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                   .rstrip())


def _existing(container: Container, clinic_id: uuid.UUID) -> str:
    name = container.clinic_removal().name_of(clinic_id)
    if name is None:
        raise click.BadParameter(f"no clinic with id {clinic_id}", param_hint="CLINIC")
    return str(name)


@click.group()
def tenants() -> None:
    """The clinics hosted here."""


@tenants.command("list")
@click.option("--status", type=click.Choice(["active", "suspended"]), help="Only this status.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
@with_container
def tenants_list(container: Container, status: str | None, as_json: bool) -> None:
    """List clinics: id, name, created, owner email, status."""
    rows = container.account_queries().tenants(status)
    if as_json:
        click.echo(json.dumps([{
            "id": str(r.id), "name": r.name, "created_at": r.created_at.isoformat(),
            "owner_email": r.owner_email, "status": r.status} for r in rows],
            ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no clinics yet")
        return
    table([("ID", "NAME", "CREATED", "OWNER", "STATUS")] + [
        (str(r.id), r.name, r.created_at.strftime("%Y-%m-%d %H:%M"), r.owner_email or "-",
         r.status) for r in rows])


@tenants.command("show")
@click.argument("clinic_id", metavar="CLINIC", type=click.UUID)
@with_container
def tenants_show(container: Container, clinic_id: uuid.UUID) -> None:
    """A clinic's owner and people, rooms, counts, plan and last activity."""
    found = container.operator_queries().tenant_details(clinic_id)
    if found is None:
        raise click.BadParameter(f"no clinic with id {clinic_id}", param_hint="CLINIC")
    status = found.status + (f" ({found.suspended_reason})" if found.suspended_reason else "")
    last = f"{found.last_activity:%Y-%m-%d %H:%M} UTC" if found.last_activity else "-"
    for label, value in (
            ("clinic", f"{found.name}  {found.id}"), ("status", status),
            ("created", f"{found.created_at:%Y-%m-%d %H:%M} UTC"),
            ("rooms", f"{found.rooms_active} in use, {found.rooms_archived} archived"),
            ("doctors", str(found.doctors)), ("patients", str(found.patients)),
            ("appointments", str(found.appointments)), ("plan", found.plan),
            ("last activity", last)):
        click.echo(f"{label + ':':<15}{value}")
    click.echo("people:")
    for person in found.members:
        click.echo(f"  {person.role:<6} {person.name} <{person.email}>")


@tenants.command("suspend")
@click.argument("clinic_id", metavar="CLINIC", type=click.UUID)
@click.option("--reason", required=True, help="Why, for the operators (members see a notice).")
@with_container
def tenants_suspend(container: Container, clinic_id: uuid.UUID, reason: str) -> None:
    """Pause a clinic: its people see a notice, its API tokens get 403; nothing is deleted."""
    try:
        clinic = container.suspend_clinic()(clinic_id, reason)
    except NotFound:
        raise click.BadParameter(f"no clinic with id {clinic_id}", param_hint="CLINIC") from None
    except ValidationFailed:
        raise click.BadParameter("give a reason", param_hint="--reason") from None
    click.echo(f"suspended «{clinic.name}» ({clinic_id}): {clinic.suspended_reason}")


@tenants.command("resume")
@click.argument("clinic_id", metavar="CLINIC", type=click.UUID)
@with_container
def tenants_resume(container: Container, clinic_id: uuid.UUID) -> None:
    """Give a suspended clinic its access back."""
    try:
        clinic = container.resume_clinic()(clinic_id)
    except NotFound:
        raise click.BadParameter(f"no clinic with id {clinic_id}", param_hint="CLINIC") from None
    click.echo(f"«{clinic.name}» ({clinic_id}) is active again")


@tenants.command("delete")
@click.argument("clinic_id", metavar="CLINIC", type=click.UUID)
@click.option("--confirm", "confirm_name", metavar="NAME",
              help="The clinic's exact name, instead of being asked for it.")
@with_container
def tenants_delete(container: Container, clinic_id: uuid.UUID, confirm_name: str | None) -> None:
    """Delete a clinic for good: every row it owns, its files, and the accounts of people in no
    other clinic. Payments stay (with its name only). Asks for the clinic's name first."""
    name = _existing(container, clinic_id)
    if confirm_name is None:
        click.echo(f"This deletes «{name}» and everything it holds, for good.", err=True)
        confirm_name = click.prompt("Type the clinic's name to go on", default="",
                                    show_default=False, err=True)
    if confirm_name != name:
        raise click.BadParameter(f"that is not the clinic's name («{name}»); nothing was deleted",
                                 param_hint="--confirm")
    counts = container.clinic_removal().remove(clinic_id)
    for what, count in counts.items():
        if count:
            click.echo(f"  {what}: {count}")
    click.echo(f"deleted «{name}» ({clinic_id})")


tenants.add_command(export)
tenants.add_command(import_)
