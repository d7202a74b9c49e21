"""The operator's commands (issue 9): `clinic tenants show|suspend|resume|delete` and
`clinic users list|show|reset-password|disable`, through click's runner on both databases.
Deleting a clinic is checked against the schema itself: every table with a `clinic_id` column is
found by introspection, so a table added later cannot be forgotten."""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.adapters.sqlalchemy.ownership import KEPT_WITH_NAME_ONLY, clinic_owned_tables
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.domain.licensing import PaymentKind
from clinic.entrypoints.cli import Context, main
from tests.acting import member_token
from tests.integration.conftest import Browser, add_member
from tests.integration.test_tenant_isolation import _clinic_a_ids


@pytest.fixture
def run(container):
    context = Context()
    context._container = container

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), obj=context, input=input)

    return invoke


def _sign_up(container, email: str, clinic: str, promo: str = ""):
    return container.sign_up()(SignUpCommand(clinic, "Anna Petrova", email, "correct horse",
                                             "en", "Europe/Moscow", promo_code=promo))


def _rows(container, table, clinic_id) -> list:
    with container.engine().connect() as conn:
        return sorted(map(str, conn.execute(
            select(table).where(table.c.clinic_id == clinic_id)).all()))


def test_the_schema_has_no_clinic_data_outside_the_tables_found():
    """Every foreign key to clinics is either a table's `clinic_id` (found by introspection and
    deleted with the clinic) or one of the named links to *another* clinic that deleting
    unlinks."""
    owned = {t.name for t in clinic_owned_tables()}
    for table in tables.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is tables.clinics:
                assert (table.name in owned and fk.parent.name == "clinic_id") or (
                    (table.name, fk.parent.name) in {("clinics", "referred_by"),
                                                      ("referral_entries", "source_clinic_id")})


def test_deleting_a_clinic_removes_all_it_owns_and_nothing_of_another(container, run):
    a = _sign_up(container, "anna@example.com", "Smile")
    code = container.referral_queries().overview(a.clinic_id).promo_code
    b = _sign_up(container, "boris@example.com", "Dent", promo=code)
    for clinic in (a, b):
        _clinic_a_ids(container, clinic.clinic_id)  # patients, visits, photo, token, invitation
        container.record_payment()(clinic.clinic_id, PaymentKind.PAYMENT,
                                   f"in_{clinic.clinic_id}", 1000)
    shared = add_member(container, a.clinic_id, "sam@example.com", "Sam", "staff")
    add_member(container, b.clinic_id, "sam2@example.com", "Sam", "staff")
    with container.engine().begin() as conn:  # Sam works in both clinics
        conn.execute(tables.memberships.insert().values(
            id=uuid.uuid4(), clinic_id=b.clinic_id, user_id=shared, role="staff",
            created_at=container.clock().now()))
    files = container.settings().files_dir
    assert (files / str(a.clinic_id)).exists() and (files / str(b.clinic_id)).exists()
    owned = clinic_owned_tables()
    b_before = {t.name: _rows(container, t, b.clinic_id) for t in owned}
    a_rows = {t.name: len(_rows(container, t, a.clinic_id)) for t in owned}
    assert all(a_rows[name] for name in ("rooms", "patients", "appointments", "memberships",
                                         "api_tokens", "invitations", "payments"))

    wrong = run("tenants", "delete", str(a.clinic_id), "--confirm", "smile")
    assert wrong.exit_code == 2 and "nothing was deleted" in wrong.output
    asked = run("tenants", "delete", str(a.clinic_id), input="Smil\n")
    assert asked.exit_code == 2
    assert len(_rows(container, tables.rooms, a.clinic_id)) == a_rows["rooms"]

    done = run("tenants", "delete", str(a.clinic_id), "--confirm", "Smile")
    assert done.exit_code == 0, done.output
    assert f"deleted «Smile» ({a.clinic_id})" in done.output
    for table in owned:  # found from the schema: a new table is checked the day it comes
        assert _rows(container, table, a.clinic_id) == [], table.name
        if table.name not in KEPT_WITH_NAME_ONLY:
            assert _rows(container, table, b.clinic_id) == b_before[table.name], table.name
    with container.engine().connect() as conn:
        kept = conn.execute(select(tables.payments.c.clinic_name).where(
            tables.payments.c.clinic_id.is_(None))).scalars().all()
        emails = set(conn.execute(select(tables.users.c.email)).scalars())
        assert conn.execute(select(func.count()).select_from(tables.clinics)).scalar() == 1
    assert kept == ["Smile"]  # the books stay whole, with the name only
    assert "anna@example.com" not in emails  # in no other clinic: the account goes
    assert {"sam@example.com", "boris@example.com"} <= emails  # Sam is still Dent's
    assert not (files / str(a.clinic_id)).exists() and (files / str(b.clinic_id)).exists()
    assert run("tenants", "delete", str(a.clinic_id), "--confirm", "Smile").exit_code == 2


def test_show_suspend_and_resume(container, run):
    a = _sign_up(container, "anna@example.com", "Smile")
    shown = run("tenants", "show", str(a.clinic_id))
    assert shown.exit_code == 0, shown.output
    assert "Smile" in shown.output and "owner  Anna Petrova <anna@example.com>" in shown.output
    assert "1 in use, 0 archived" in shown.output and "free (2 chairs" in shown.output
    assert run("tenants", "suspend", str(a.clinic_id)).exit_code == 2  # --reason is required
    assert run("tenants", "suspend", str(a.clinic_id), "--reason", "  ").exit_code == 2
    assert run("tenants", "suspend", str(uuid.uuid4()), "--reason", "x").exit_code == 2
    assert run("tenants", "show", "not-a-uuid").exit_code == 2
    paused = run("tenants", "suspend", str(a.clinic_id), "--reason", "unpaid hosting")
    assert paused.exit_code == 0 and "unpaid hosting" in paused.output
    listed = json.loads(run("tenants", "list", "--status", "suspended", "--json").output)
    assert [t["name"] for t in listed] == ["Smile"]
    assert "suspended (unpaid hosting)" in run("tenants", "show", str(a.clinic_id)).output
    assert run("tenants", "resume", str(a.clinic_id)).exit_code == 0
    assert json.loads(run("tenants", "list", "--status", "suspended", "--json").output) == []


def test_a_suspended_clinic_shows_a_notice_and_its_api_answers_403(app, web_container):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    token = web_container.create_operator_token()(clinic_id, "site").secret
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    web_container.suspend_clinic()(clinic_id, "unpaid hosting")
    page = owner.client.get("/calendar")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "is paused" in text and "Nothing is deleted" in text
    assert "unpaid hosting" not in text  # the operator's words stay with the operator
    answer = client.get("/api/v1/clinic", headers=headers)
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert "suspended" in answer.get_json()["detail"]
    web_container.resume_clinic()(clinic_id)
    assert owner.client.get("/calendar").status_code == 200
    assert client.get("/api/v1/clinic", headers=headers).status_code == 200


def test_users_list_show_reset_and_disable(container, run):
    a = _sign_up(container, "anna@example.com", "Smile")
    add_member(container, a.clinic_id, "sam@example.com", "Sam", "staff")
    listed = json.loads(run("users", "list", "--json").output)
    assert [(u["email"], u["clinics"]) for u in listed] == [
        ("anna@example.com", [{"name": "Smile", "role": "owner"}]),
        ("sam@example.com", [{"name": "Smile", "role": "staff"}])]
    shown = run("users", "show", "SAM@example.com")
    assert shown.exit_code == 0 and "staff  Smile" in shown.output
    assert run("users", "show", "nobody@example.com").exit_code == 2
    sent = run("users", "reset-password", "anna@example.com")
    assert sent.exit_code == 0 and "on its way to anna@example.com" in sent.output
    with container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.password_resets)).scalar() == 1
    assert run("users", "disable", "anna@example.com", input="n\n").exit_code == 1  # aborted
    assert container.sign_in()("anna@example.com", "correct horse") is not None
    done = run("users", "disable", "anna@example.com", "--confirm")
    assert done.exit_code == 0
    from clinic.domain.accounts import InvalidCredentials

    with pytest.raises(InvalidCredentials):
        container.sign_in()("anna@example.com", "correct horse")
    assert run("users", "reset-password", "anna@example.com").exit_code == 2  # disabled


def test_every_ops_command_has_help():
    for group, commands in (("tenants", ("list", "show", "suspend", "resume", "delete")),
                            ("users", ("list", "show", "reset-password", "disable"))):
        for command in commands:
            result = CliRunner().invoke(main, [group, command, "--help"])
            assert result.exit_code == 0 and "Usage:" in result.output, (group, command)



def test_an_account_is_erased_at_the_persons_request(container, run):
    a = _sign_up(container, "anna@example.com", "Smile")
    sam = add_member(container, a.clinic_id, "sam@example.com", "Sam", "staff")
    token = member_token(container, a.clinic_id, sam, "sam's")
    refused = run("users", "erase", "anna@example.com", "--confirm")
    assert refused.exit_code == 2 and "owns Smile" in refused.output  # hand it over first
    assert run("users", "erase", "sam@example.com", input="n\n").exit_code == 1
    done = run("users", "erase", "sam@example.com", "--confirm")
    assert done.exit_code == 0, done.output
    with container.engine().connect() as conn:
        user = conn.execute(select(tables.users).where(tables.users.c.id == sam)).one()
        memberships = conn.execute(select(func.count()).select_from(tables.memberships).where(
            tables.memberships.c.user_id == sam)).scalar()
    assert (user.name, user.disabled) == ("Deleted user", True)
    assert "sam" not in user.email and memberships == 0
    assert container.authenticate_api_token()(token.secret) is None
    assert run("users", "show", "sam@example.com").exit_code == 2
