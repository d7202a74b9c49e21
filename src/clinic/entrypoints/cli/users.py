"""`clinic users …`: the accounts — list, show, send a password reset, disable."""

from __future__ import annotations

import json

import click

from clinic.application.accounts.operations import UserRow
from clinic.container import Container
from clinic.domain.accounts import OwnsClinics
from clinic.domain.shared import NotFound, ValidationFailed
from clinic.entrypoints.cli.context import with_container
from clinic.entrypoints.cli.tenants import table


def _account(container: Container, email: str) -> UserRow:
    """The account with this email, or one line and exit code 2."""
    found = container.operator_queries().user(email)
    if found is None:
        raise click.BadParameter(f"no account with email {email}", param_hint="EMAIL")
    return found


@click.group()
def users() -> None:
    """The people who sign in (accounts are global; each belongs to one or more clinics)."""


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
@with_container
def users_list(container: Container, as_json: bool) -> None:
    """Every account: email, name, created, clinics, whether disabled."""
    rows = container.operator_queries().users()
    if as_json:
        click.echo(json.dumps([{
            "id": str(r.id), "email": r.email, "name": r.name,
            "created_at": r.created_at.isoformat(), "disabled": r.disabled,
            "clinics": [{"name": n, "role": role} for n, role in r.clinics]} for r in rows],
            ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no accounts yet")
        return
    table([("EMAIL", "NAME", "CREATED", "CLINICS", "")] + [
        (r.email, r.name, f"{r.created_at:%Y-%m-%d}", str(len(r.clinics)),
         "disabled" if r.disabled else "") for r in rows])


@users.command("show")
@click.argument("email")
@with_container
def users_show(container: Container, email: str) -> None:
    """One account and its clinics with the role in each."""
    found = _account(container, email)
    click.echo(f"{found.name} <{found.email}>  {found.id}")
    click.echo(f"created {found.created_at:%Y-%m-%d %H:%M} UTC"
               + ("; DISABLED" if found.disabled else ""))
    for clinic, role in found.clinics:
        click.echo(f"  {role:<6} {clinic}")


@users.command("reset-password")
@click.argument("email")
@with_container
def users_reset_password(container: Container, email: str) -> None:
    """Send the account the normal password-reset email (a link valid for an hour)."""
    found = _account(container, email)
    if found.disabled:
        raise click.BadParameter(f"{found.email} is disabled; no reset is sent",
                                 param_hint="EMAIL")
    base = container.settings().public_url
    try:
        container.request_password_reset()(found.email, None, lambda t: f"{base}/reset/{t}")
    except ValidationFailed:
        raise click.BadParameter(f"{email!r} is not an email address",
                                 param_hint="EMAIL") from None
    click.echo(f"a reset link is on its way to {found.email}")


@users.command("disable")
@click.argument("email")
@click.option("--confirm", is_flag=True, help="Do not ask first.")
@with_container
def users_disable(container: Container, email: str, confirm: bool) -> None:
    """Stop an account: it cannot sign in, its sessions and API tokens stop at once."""
    found = _account(container, email)
    if not confirm:
        click.confirm(f"Disable {found.name} <{found.email}>?", abort=True, err=True)
    try:
        user = container.disable_user()(found.email)
    except NotFound:
        raise click.BadParameter(f"no account with email {email}", param_hint="EMAIL") from None
    click.echo(f"disabled {user.email}")


@users.command("erase")
@click.argument("email")
@click.option("--confirm", is_flag=True, help="Do not ask first.")
@with_container
def users_erase(container: Container, email: str, confirm: bool) -> None:
    """At the person's request: out of every clinic, name and email wiped, no sign-in again.
    What they did stays under their id. An owner must hand the clinic over first."""
    found = _account(container, email)
    if not confirm:
        click.confirm(f"Erase {found.name} <{found.email}> for good?", abort=True, err=True)
    try:
        container.erase_user()(found.email)
    except OwnsClinics as owner:
        raise click.BadParameter(f"{found.email} owns {', '.join(owner.names)}; hand the clinic "
                                 "over (or delete it) first", param_hint="EMAIL") from None
    click.echo(f"erased the account {found.id} (was {found.email})")
