"""The `clinic` command: the operator's tools (`clinic --help`)."""

from __future__ import annotations

import sys
import uuid
from typing import Any

import click

from clinic.application.audit import act_as
from clinic.container import Container
from clinic.domain.audit import Actor
from clinic.entrypoints.cli.audit import audit
from clinic.entrypoints.cli.backup import backup, restore
from clinic.entrypoints.cli.context import Context, with_container
from clinic.entrypoints.cli.demo import demo
from clinic.entrypoints.cli.referrals import referrals
from clinic.entrypoints.cli.reminders import reminders
from clinic.entrypoints.cli.tenants import tenants
from clinic.entrypoints.cli.users import users

__all__ = ["Context", "main", "with_container"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Chairside operations: database, tenants, API tokens, outbox, worker, web server."""
    act_as(Actor.operator())  # what the audit trail names for changes made from here


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@with_container
def db_upgrade(container: Container) -> None:
    """Apply every migration not yet applied."""
    container.migrate_database()
    current, head = container.database_revision()
    click.echo(f"database at revision {current} (newest {head})")


@db.command("current")
@with_container
def db_current(container: Container) -> None:
    """Show the database's revision and the newest one available."""
    current, head = container.database_revision()
    state = "up to date" if current == head else "needs `clinic db upgrade`"
    click.echo(f"database at revision {current or 'none'}, newest {head}: {state}")


@main.group()
def tokens() -> None:
    """API tokens of a clinic."""


def _clinic_id(_ctx: Any, _param: Any, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a clinic id (a UUID)") from None


@tokens.command("create")
@click.argument("clinic_id", callback=_clinic_id)
@click.option("--name", required=True, help="What the token is for, e.g. 'website'.")
@with_container
def tokens_create(container: Container, clinic_id: uuid.UUID, name: str) -> None:
    """Create an API token; it is printed once, on the last line."""
    from clinic.domain.shared import NotFound, ValidationFailed

    try:
        token = container.create_operator_token()(clinic_id, name)
    except NotFound:
        raise click.BadParameter(f"no clinic with id {clinic_id}",
                                 param_hint="CLINIC_ID") from None
    except ValidationFailed:
        raise click.BadParameter("the name must not be empty", param_hint="--name") from None
    click.echo(f"token {token.id} for clinic {clinic_id} ({name}); it will not be shown again:",
               err=True)
    click.echo(token.secret)


@main.group()
def billing() -> None:
    """Subscriptions and payments (the payment provider is the source of truth)."""


@billing.command("reconcile")
@click.argument("clinic_id", required=False, callback=lambda ctx, param, value:
                _clinic_id(ctx, param, value) if value else None)
@with_container
def billing_reconcile(container: Container, clinic_id: uuid.UUID | None) -> None:
    """Re-read subscriptions and recent invoices from the provider and fix the local state
    (every clinic, or one); a second run changes nothing."""
    ids = [t.id for t in container.account_queries().tenants()]
    if clinic_id is not None:
        if clinic_id not in ids:
            raise click.BadParameter(f"no clinic with id {clinic_id}", param_hint="CLINIC_ID")
        ids = [clinic_id]
    reconcile = container.reconcile_billing()
    changed = added = 0
    for one in ids:
        licence_changed, payments_added = reconcile(one)
        changed += licence_changed
        added += payments_added
    click.echo(f"checked {len(ids)} clinic(s): {changed} licence(s) changed, "
               f"{added} payment(s) recorded")


@billing.command("setup-prices")
@with_container
def billing_setup_prices(container: Container) -> None:
    """Create the two monthly prices in Stripe (an extra chair $5, an extra person $1) unless
    they exist, and print the settings to use; running it again creates nothing."""
    if container.stripe_client() is None:
        raise click.UsageError("set STRIPE_SECRET_KEY first (the prices live in Stripe)")
    prices = container.setup_stripe_prices()
    for kind, (price_id, created) in prices.items():
        click.echo(f"{kind}: {price_id} ({'created' if created else 'already there'})",
                   err=True)
    click.echo(f"STRIPE_PRICE_CHAIR={prices['chair'][0]}")
    click.echo(f"STRIPE_PRICE_SEAT={prices['seat'][0]}")


@main.group()
def outbox() -> None:
    """Emails waiting to be sent."""


@outbox.command("status")
@with_container
def outbox_status(container: Container) -> None:
    """How many emails are pending, failing and sent."""
    status = container.account_queries().outbox_status()
    click.echo(f"pending {status.pending}, failing {status.failed}, sent {status.sent}")


@outbox.command("relay")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 100000))
@with_container
def outbox_relay(container: Container, limit: int) -> None:
    """Send every pending email now (use after an SMTP outage)."""
    result = container.relay_outbox()(limit)
    click.echo(f"sent {result.sent}, still failing {result.failed}")
    if result.failed:
        sys.exit(1)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_container
def worker(container: Container, burst: bool) -> None:
    """Run the background worker (needs REDIS_URL)."""
    if not container.settings().redis_url:
        raise click.UsageError("REDIS_URL is not set: jobs run inline in the web process.")
    from clinic.entrypoints.worker import run_worker

    run_worker(container, burst=burst, queues=(container.settings().queue_name,))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@with_container
def serve(container: Container, host: str, port: int, workers: int) -> None:
    """Serve the web app with gunicorn (threaded workers), as in production."""
    from clinic.entrypoints.web.server import serve as run_server

    settings = container.settings()
    problems = settings.serving_problems(host)
    if problems:
        for line in problems:
            click.echo(f"Chairside will not start: {line}", err=True)
        raise SystemExit(2)
    settings = settings.serving_on(host, port)
    click.echo(f"Chairside is at {settings.public_url}/  (Ctrl+C stops it)")
    run_server(settings, host, port, workers)


main.add_command(demo)
main.add_command(tenants)
main.add_command(users)
main.add_command(audit)
main.add_command(backup)
main.add_command(restore)
main.add_command(referrals)
main.add_command(reminders)
