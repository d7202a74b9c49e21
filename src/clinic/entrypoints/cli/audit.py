"""`clinic audit verify [CLINIC]`: walk each clinic's audit chain and name the first broken row."""

from __future__ import annotations

import uuid

import click

from clinic.container import Container
from clinic.entrypoints.cli.context import with_container


@click.group()
def audit() -> None:
    """The audit trail of patient cards and appointments (append-only, hash-chained)."""


@audit.command("verify")
@click.argument("clinic_id", metavar="[CLINIC]", type=click.UUID, required=False)
@with_container
def verify(container: Container, clinic_id: uuid.UUID | None) -> None:
    """Check that no row was removed, altered or replaced; exit code 1 if one was."""
    if clinic_id is not None and container.clinic_removal().name_of(clinic_id) is None:
        raise click.BadParameter(f"no clinic with id {clinic_id}", param_hint="CLINIC")
    broken = 0
    results = container.verify_audit()(clinic_id)
    for one, count, chain_break in results:
        if chain_break is None:
            click.echo(f"ok      {one}: {count} row(s)")
            continue
        broken += 1
        at = f" (row id {chain_break.entry_id})" if chain_break.entry_id else ""
        click.echo(f"BROKEN  {one}: {chain_break.reason}{at}")
    click.echo(f"checked {len(results)} clinic(s): {broken} broken")
    if broken:
        raise SystemExit(1)
