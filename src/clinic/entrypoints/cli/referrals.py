"""`clinic referrals verify|show`: the partner ledger, checked against payments, and printed."""

from __future__ import annotations

import json
import uuid

import click

from clinic.container import Container
from clinic.domain.shared import decimal_text
from clinic.entrypoints.cli.context import with_container


def _money(cents: int, currency: str = "USD") -> str:
    return f"{decimal_text(cents, currency)} {currency}"


@click.group()
def referrals() -> None:
    """The partner program: 30% of referred clinics' payments, in an append-only ledger."""


@referrals.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@with_container
def verify(container: Container, as_json: bool) -> None:
    """Recompute every balance from the payments, the refunds and the rule, and compare it with
    the ledger; exit code 1 if anything differs."""
    checked, differences = container.verify_referrals()()
    if as_json:
        click.echo(json.dumps({"checked": checked, "differences": [
            {"referrer_id": str(d.referrer_id), "source_clinic_id": str(d.source_clinic_id),
             "source_clinic_name": d.source_clinic_name, "expected_cents": d.expected_cents,
             "ledger_cents": d.ledger_cents} for d in differences]}, ensure_ascii=False))
    else:
        for d in differences:
            click.echo(f"DIFFERS referrer {d.referrer_id}, from «{d.source_clinic_name}» "
                       f"({d.source_clinic_id}): expected {_money(d.expected_cents)}, "
                       f"ledger {_money(d.ledger_cents)}")
        click.echo(f"checked {checked} referrer-and-clinic pair(s): "
                   f"{len(differences)} difference(s)")
    if differences:
        raise SystemExit(1)


@referrals.command("show")
@click.argument("clinic_id", type=click.UUID)
@with_container
def show(container: Container, clinic_id: uuid.UUID) -> None:
    """Print a clinic's promo code, the clinics that joined with it and its whole ledger."""
    queries = container.referral_queries()
    overview = queries.overview(clinic_id)
    if overview is None:
        raise click.BadParameter(f"no clinic with id {clinic_id}", param_hint="CLINIC_ID")
    click.echo(f"promo code {overview.promo_code}, balance "
               f"{_money(overview.balance_cents, overview.currency)}")
    for clinic in overview.referred:
        click.echo(f"joined  {clinic.joined_at:%Y-%m-%d}  {clinic.name}")
    total, rows = queries.ledger(clinic_id, limit=1_000_000)
    for row in reversed(rows):
        click.echo(f"{row.created_at:%Y-%m-%d %H:%M}  {row.kind:<8}  "
                   f"{_money(row.amount_cents, row.currency):>14}  {row.source_clinic_name}")
    click.echo(f"{total} entr{'y' if total == 1 else 'ies'}")
