"""The audit trail (issue 9): each view of a patient card (page, dialog, API, export) and each
change to a patient or an appointment writes one row naming who, what, when and from where;
rows are chained by hash per clinic, so `clinic audit verify` finds one removed or altered."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.audit import act_as
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.audit import Actor, AuditAction
from clinic.domain.scheduling import AppointmentStatus
from clinic.entrypoints.cli import Context, main
from tests.integration.conftest import Browser

MONDAY_10 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def _rows(container, clinic_id) -> list[tuple]:
    a = tables.audit_log.c
    with container.engine().connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(a.seq, a.action, a.entity_type, a.actor_name, a.ip, a.actor_token_id)
            .where(a.clinic_id == clinic_id).order_by(a.seq))]


@pytest.fixture
def clinic(container):
    signed = container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com",
                                               "correct horse", "en", "Europe/Moscow"))
    return signed


def _verify(container, *args: str):
    context = Context()
    context._container = container
    return CliRunner().invoke(main, ["audit", "verify", *args], obj=context)


def test_changes_through_the_use_cases_name_the_actor_and_chain_up(container, clinic):
    act_as(Actor(clinic.user_id, None, "Anna", "10.0.0.7"))
    patient = container.save_patient()(clinic.clinic_id, PatientFields("Ivan", "+79161234567"))
    container.save_patient()(clinic.clinic_id, PatientFields("Ivan P.", "+79161234567"),
                             patient.id)
    with container.uow(clinic.clinic_id) as uow:
        room, doctor = uow.rooms.list()[0].id, uow.doctors.list()[0].id
        procedure = uow.procedures.list()[0].id
    visit = container.book_appointment()(clinic.clinic_id, BookingRequest(
        patient.id, room, doctor, MONDAY_10, [procedure]))
    container.change_appointment_status()(clinic.clinic_id, visit.id, AppointmentStatus.DONE)
    assert [(seq, str(action.value), kind, name, ip)
            for seq, action, kind, name, ip, _t in _rows(container, clinic.clinic_id)] == [
        (1, "patient.created", "patient", "Anna", "10.0.0.7"),
        (2, "patient.changed", "patient", "Anna", "10.0.0.7"),
        (3, "appointment.created", "appointment", "Anna", "10.0.0.7"),
        (4, "appointment.changed", "appointment", "Anna", "10.0.0.7")]
    ok = _verify(container)
    assert ok.exit_code == 0 and "4 row(s)" in ok.output


def test_twenty_rows_written_at_once_take_twenty_places_in_one_chain(container, clinic):
    trail = container.audit_trail()
    errors: list[str] = []
    start = threading.Barrier(20)

    def write() -> None:
        start.wait()
        try:
            trail(clinic.clinic_id, AuditAction.PATIENT_VIEWED, "patient", clinic.user_id)
        except Exception as error:  # anything at all is a failure the test must show
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=write) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert [r[0] for r in _rows(container, clinic.clinic_id)] == list(range(1, 21))
    assert container.verify_audit()(clinic.clinic_id)[0][2] is None


def test_a_removed_or_altered_row_is_named_by_verify(container, clinic):
    trail = container.audit_trail()
    for _ in range(5):
        trail(clinic.clinic_id, AuditAction.PATIENT_VIEWED, "patient", clinic.user_id)
    a = tables.audit_log.c
    postgres = container.engine().dialect.name == "postgresql"
    with container.engine().begin() as conn:
        if postgres:  # the trigger refuses unless a whole clinic is being deleted
            conn.exec_driver_sql("SET LOCAL chairside.erasing = 'on'")
        conn.execute(delete(tables.audit_log).where(a.clinic_id == clinic.clinic_id,
                                                    a.seq == 3))
    broken = _verify(container, str(clinic.clinic_id))
    assert broken.exit_code == 1
    assert "row 3 is missing" in broken.output
    assert _verify(container, "not-a-uuid").exit_code == 2


def test_an_altered_row_is_named_and_postgresql_refuses_changes_itself(container, clinic):
    trail = container.audit_trail()
    for _ in range(3):
        trail(clinic.clinic_id, AuditAction.PATIENT_VIEWED, "patient", clinic.user_id)
    a = tables.audit_log.c
    if container.engine().dialect.name == "postgresql":
        for statement in (update(tables.audit_log).values(actor_name="Somebody else"),
                          delete(tables.audit_log)):
            with (pytest.raises(DBAPIError, match="append-only"),
                  container.engine().begin() as conn):
                conn.execute(statement.where(a.clinic_id == clinic.clinic_id))
        assert len(_rows(container, clinic.clinic_id)) == 3
        return
    with container.engine().begin() as conn:  # SQLite has no trigger: verify still sees it
        conn.execute(update(tables.audit_log).where(a.clinic_id == clinic.clinic_id, a.seq == 2)
                     .values(actor_name="Somebody else"))
    broken = _verify(container, str(clinic.clinic_id))
    assert broken.exit_code == 1 and "row 2 was altered" in broken.output


def test_the_page_the_dialog_the_api_and_the_export_are_views(app, web_container, client):
    owner = Browser(app.test_client())
    owner.sign_up()
    clinic_id = web_container.account_queries().tenants()[0].id
    created = owner.post("/patients/new", {"name": "Ivan Petrov", "phone": "+79161234567",
                                           "email": "", "note": ""}, source="/patients/new")
    assert created.status_code == 302
    with web_container.uow(clinic_id) as uow:
        patient = uow.patients.with_phone("+79161234567")[0]
        room, doctor = uow.rooms.list()[0].id, uow.doctors.list()[0].id
        procedure = uow.procedures.list()[0].id
    assert owner.client.get(f"/patients/{patient.id}").status_code == 200
    visit = web_container.book_appointment()(clinic_id, BookingRequest(
        patient.id, room, doctor, MONDAY_10, [procedure]))
    assert owner.client.get(f"/calendar/appointments/{visit.id}").status_code == 200
    token = web_container.create_api_token()(clinic_id, "site")
    headers = {"Authorization": f"Bearer {token.secret}"}
    assert client.get(f"/api/v1/patients/{patient.id}", headers=headers).status_code == 200
    assert owner.client.get("/reports/download.csv").status_code == 200
    rows = _rows(web_container, clinic_id)
    assert [str(r[1].value) for r in rows] == [
        "patient.created", "patient.viewed", "appointment.created", "patient.viewed",
        "patient.viewed", "patients.exported"]
    assert rows[1][3] == "Anna Petrova" and rows[1][4] == "127.0.0.1"  # who, from where
    assert rows[4][3] == "API token" and rows[4][5] == token.id
    page = owner.client.get("/settings/audit").get_data(as_text=True)
    assert page.count("data-audit-row") == 6 and "Ivan Petrov" in page
    only_views = owner.client.get("/settings/audit?action=patient.viewed").get_data(as_text=True)
    assert only_views.count("data-audit-row") == 3 and "opened the card" in only_views
    card = owner.client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Who looked at this card" in card and "opened the card" in card
