"""The `clinic` command through click's runner, against a real database."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.entrypoints.cli import Context, main


@pytest.fixture
def run(container):
    context = Context()
    context._container = container

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), obj=context)

    return invoke


def _sign_up(container, email="anna@example.com", clinic="Smile"):
    return container.sign_up()(SignUpCommand(clinic, "Anna", email, "correct horse", "ru"))


def test_help_lists_the_command_groups():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for group in ("db", "tenants", "tokens", "outbox", "worker", "serve"):
        assert group in result.output


def test_tenants_list_shows_each_clinic_with_its_owner(run, container):
    first = _sign_up(container)
    _sign_up(container, "boris@example.com", "Белая улыбка")
    result = run("tenants", "list")
    assert result.exit_code == 0, result.output
    assert "Smile" in result.output and "Белая улыбка" in result.output
    assert str(first.clinic_id) in result.output and "anna@example.com" in result.output
    rows = json.loads(run("tenants", "list", "--json").output)
    assert [(r["name"], r["owner_email"], r["status"]) for r in rows] == [
        ("Smile", "anna@example.com", "active"), ("Белая улыбка", "boris@example.com", "active")]
    assert json.loads(run("tenants", "list", "--json", "--status", "suspended").output) == []


def test_tokens_create_prints_a_working_token_on_its_last_line(run, container):
    clinic_id = _sign_up(container).clinic_id
    result = run("tokens", "create", str(clinic_id), "--name", "website")
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    holder = container.authenticate_api_token()(secret)
    assert holder is not None and (holder.clinic_id, holder.role, holder.user_id) == (
        clinic_id, "owner", None)


@pytest.mark.parametrize("args", [
    ("tokens", "create", "not-a-uuid", "--name", "x"),
    ("tokens", "create", "7b0d7a4e-2f61-4b55-9b0e-0b1f3b6e9c11", "--name", "x"),
    ("tenants", "list", "--status", "sleeping"),
])
def test_bad_input_is_one_clear_line_and_exit_code_2(run, container, args):
    _sign_up(container)
    result = run(*args)
    assert result.exit_code == 2
    assert "Error:" in result.output


def test_db_current_reports_up_to_date(run):
    result = run("db", "current")
    assert result.exit_code == 0 and "up to date" in result.output


def test_outbox_status_and_relay(run, container):
    _sign_up(container)
    container.request_password_reset()("anna@example.com", "en", lambda t: t)
    assert "pending 0, failing 0, sent 1" in run("outbox", "status").output
    assert "sent 0, still failing 0" in run("outbox", "relay").output


def test_the_worker_refuses_to_start_without_redis(run):
    result = run("worker", "--burst")
    assert result.exit_code == 2 and "REDIS_URL" in result.output


def test_billing_reconcile_fixes_the_local_state_once(run, container):
    owner = _sign_up(container)
    url = container.change_plan()(owner.clinic_id, owner.user_id, 1, 0, "/ok", "/back")
    container.complete_test_checkout()(url.rsplit("/", 1)[1])
    # a change the local state missed (as a lost webhook would)
    container.payment_gateway().change_quantities(f"test_sub_{owner.clinic_id}", 2, 0)
    first = run("billing", "reconcile")
    assert first.exit_code == 0, first.output
    assert "1 licence(s) changed, 1 payment(s) recorded" in first.output
    again = run("billing", "reconcile", str(owner.clinic_id))
    assert "checked 1 clinic(s): 0 licence(s) changed, 0 payment(s) recorded" in again.output
    unknown = run("billing", "reconcile", "00000000-0000-0000-0000-000000000000")
    assert unknown.exit_code == 2 and "no clinic with id" in unknown.output
