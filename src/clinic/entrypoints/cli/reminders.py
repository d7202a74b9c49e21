"""`clinic reminders status [CLINIC]` and `clinic reminders run --due [--at MOMENT]`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import click

from clinic.container import Container
from clinic.entrypoints.cli.context import with_container

STATUSES = ("queued", "sending", "sent", "delivered", "failed", "skipped", "unknown")


@click.group()
def reminders() -> None:
    """Reminders and other messages to patients."""


@reminders.command("status")
@click.argument("clinic_id", metavar="[CLINIC]", type=click.UUID, required=False)
@with_container
def status(container: Container, clinic_id: uuid.UUID | None) -> None:
    """How many messages are queued, sent, failed... (every clinic's, or one's)."""
    if clinic_id is not None and container.clinic_removal().name_of(clinic_id) is None:
        raise click.BadParameter(f"no clinic with id {clinic_id}", param_hint="CLINIC")
    counts = container.message_queries().status_counts(clinic_id)
    click.echo(", ".join(f"{name} {counts.get(name, 0)}" for name in STATUSES))


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a moment: {value!r} (e.g. 2026-12-04T10:00+03:00)",
                                 param_hint="--at") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give the zone too, e.g. 2026-12-04T10:00+03:00",
                                 param_hint="--at")
    return moment.astimezone(UTC)


@reminders.command("run")
@click.option("--due", is_flag=True, required=True,
              help="Send what is due now (the only thing `run` does; kept explicit).")
@click.option("--at", "at", metavar="MOMENT",
              help="Pretend it is this moment (ISO 8601 with its zone); for tests and drills.")
@click.option("--clinic", "clinic_id", type=click.UUID, help="Only this clinic.")
@with_container
def run(container: Container, due: bool, at: str | None, clinic_id: uuid.UUID | None) -> None:
    """Put every due reminder in the send log and hand it to the jobs. Idempotent: safe to run
    from cron beside the built-in scheduler (each message has a unique key)."""
    now = _moment(at)
    result = container.plan_reminders()(now=now, clinic_id=clinic_id)
    delivered, failed = container.track_deliveries()(now=now)
    click.echo(f"queued {result.queued}, skipped {result.skipped}, retried {result.retried}, "
               f"abandoned {result.abandoned}; delivered {delivered}, not delivered {failed}")
