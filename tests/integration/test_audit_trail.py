"""The audit trail (issue 9): each view of a patient card (page, dialog, API, export) and each
change to a patient or an appointment writes one row naming who, what, when and from where;
rows are chained by hash per clinic, so `clinic audit verify` finds one removed or altered, and
each clinic's head records the newest, so the newest rows or a whole chain removed show too
(issue 16). A change's row is written in the change's own transaction."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.audit import AuditTrail, act_as
from clinic.application.patients.erase import ErasePatient
from clinic.application.patients.save import PatientFields, SavePatient
from clinic.application.scheduling.book import BookAppointment, BookingRequest
from clinic.application.scheduling.change import AppointmentChanges, UpdateAppointment
from clinic.domain.audit import Actor, AuditAction
from clinic.domain.scheduling import AppointmentStatus
from clinic.entrypoints.cli import Context, main
from tests.acting import owner_of
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
    patient = container.save_patient()(clinic.clinic_id, owner_of(container, clinic.clinic_id),
        PatientFields("Ivan", "+79161234567"))
    container.save_patient()(clinic.clinic_id, owner_of(container, clinic.clinic_id),
        PatientFields("Ivan P.", "+79161234567"),
                             patient.id)
    with container.uow(clinic.clinic_id) as uow:
        room, doctor = uow.rooms.list()[0].id, uow.doctors.list()[0].id
        procedure = uow.procedures.list()[0].id
    visit = container.book_appointment()(clinic.clinic_id, BookingRequest(
        patient.id, room, doctor, MONDAY_10, [procedure],
        booked_by=owner_of(container, clinic.clinic_id)))
    container.change_appointment_status()(clinic.clinic_id, clinic.user_id, visit.id,
                                          AppointmentStatus.DONE)
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
        patient.id, room, doctor, MONDAY_10, [procedure],
        booked_by=owner_of(web_container, clinic_id)))
    assert owner.client.get(f"/calendar/appointments/{visit.id}").status_code == 200
    token = web_container.create_operator_token()(clinic_id, "site")
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


# -- the chain's end: the head -------------------------------------------------------------------

def _erasing(conn) -> None:
    """What `clinic tenants delete` sets on PostgreSQL, so these tests can remove rows at all."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL chairside.erasing = 'on'")


def _five_views(container, clinic) -> None:
    trail = container.audit_trail()
    for _ in range(5):
        trail(clinic.clinic_id, AuditAction.PATIENT_VIEWED, "patient", clinic.user_id)


def _head(container, clinic_id) -> tuple | None:
    h = tables.audit_heads.c
    with container.engine().connect() as conn:
        row = conn.execute(select(h.seq, h.hash).where(h.clinic_id == clinic_id)).first()
    return tuple(row) if row else None


def test_verify_names_the_newest_row_removed(container, clinic):
    _five_views(container, clinic)
    a = tables.audit_log.c
    with container.engine().begin() as conn:
        _erasing(conn)
        conn.execute(delete(tables.audit_log).where(a.clinic_id == clinic.clinic_id, a.seq == 5))
    broken = _verify(container, str(clinic.clinic_id))
    assert broken.exit_code == 1, broken.output
    assert "row 5 is missing (the newest; the head is row 5)" in broken.output


def test_verify_names_a_whole_chain_removed_and_a_head_removed(container, clinic):
    _five_views(container, clinic)
    with container.engine().begin() as conn:
        _erasing(conn)
        conn.execute(delete(tables.audit_log)
                     .where(tables.audit_log.c.clinic_id == clinic.clinic_id))
    broken = _verify(container, str(clinic.clinic_id))
    assert broken.exit_code == 1 and "rows 1 to 5 are missing" in broken.output, broken.output

    other = container.sign_up()(SignUpCommand("Dent", "Olga", "olga@example.com",
                                              "correct horse", "en", "Europe/Moscow"))
    _five_views(container, other)
    with container.engine().begin() as conn:  # the rows are all there, their head is not
        _erasing(conn)
        conn.execute(delete(tables.audit_heads)
                     .where(tables.audit_heads.c.clinic_id == other.clinic_id))
    headless = _verify(container, str(other.clinic_id))
    assert headless.exit_code == 1 and "head is missing" in headless.output, headless.output
    everyone = _verify(container)
    assert everyone.exit_code == 1 and "checked 2 clinic(s): 2 broken" in everyone.output


def test_the_head_follows_every_row_and_postgresql_keeps_it_moving_forward(container, clinic):
    _five_views(container, clinic)
    with container.engine().connect() as conn:
        newest = conn.execute(select(tables.audit_log.c.hash).where(
            tables.audit_log.c.clinic_id == clinic.clinic_id,
            tables.audit_log.c.seq == 5)).scalar()
    assert _head(container, clinic.clinic_id) == (5, newest)
    if container.engine().dialect.name != "postgresql":
        return
    h = tables.audit_heads.c
    for statement, words in (
            (delete(tables.audit_heads), "only moves forward"),
            (update(tables.audit_heads).values(seq=h.seq - 1), "only moves forward"),
            (update(tables.audit_heads).values(hash="0" * 64), "only moves forward")):
        with pytest.raises(DBAPIError, match=words), container.engine().begin() as conn:
            conn.execute(statement.where(h.clinic_id == clinic.clinic_id))
    for table in ("audit_heads", "audit_log"):
        with pytest.raises(DBAPIError, match="TRUNCATE refused"), \
                container.engine().begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {table}")
    assert _head(container, clinic.clinic_id) == (5, newest)
    assert _verify(container, str(clinic.clinic_id)).exit_code == 0


# -- the row and the change it records: one transaction ------------------------------------------

class Killed(Exception):
    """The worker's process ended (SIGKILL, OOM): nothing after this point reaches the database."""


class _Dies:
    """Units of work from the container, for a worker that is killed right after its first
    commit, or whose commit itself fails (the connection lost at that moment). In that case
    `seen` keeps how many audit rows of the clinic the transaction held just before."""

    def __init__(self, container, commit_fails: bool = False) -> None:
        self.container, self.commit_fails = container, commit_fails
        self.dead, self.seen = False, []

    def __call__(self, tenant):
        if self.dead:
            raise Killed()
        uow = self.container.uow(tenant)
        commit = uow.commit

        def commit_then_die() -> None:
            if self.commit_fails:
                uow.session.flush()
                self.seen.append(uow.session.execute(select(func.count()).select_from(
                    tables.audit_log).where(tables.audit_log.c.clinic_id == tenant)).scalar())
                raise Killed()
            commit()
            self.dead = True

        uow.commit = commit_then_die
        return uow


@pytest.fixture
def parties(container, clinic):
    patient = container.save_patient()(clinic.clinic_id, owner_of(container, clinic.clinic_id),
        PatientFields("Ivan", "+79161234567"))
    with container.uow(clinic.clinic_id) as uow:
        room, doctor = uow.rooms.list()[0].id, uow.doctors.list()[0].id
        procedure = uow.procedures.list()[0].id
    visit = container.book_appointment()(clinic.clinic_id, BookingRequest(
        patient.id, room, doctor, MONDAY_10, [procedure],
        booked_by=owner_of(container, clinic.clinic_id)))
    return {"patient": patient.id, "room": room, "doctor": doctor, "procedure": procedure,
            "visit": visit.id}


def _writers(container, clinic, parties, uows):
    """Each writer that records a change, run on these units of work: (what it does, the
    action and entity its row names)."""
    clock = container.clock()
    trail = AuditTrail(uows, clock)
    book = BookAppointment(uows, clock, trail)
    return {
        "book": (lambda: book(clinic.clinic_id, BookingRequest(
            parties["patient"], parties["room"], parties["doctor"],
            MONDAY_10 + timedelta(hours=2), [parties["procedure"]],
            booked_by=owner_of(container, clinic.clinic_id))).id,
            "appointment.created", None),
        "change": (lambda: UpdateAppointment(uows, clock, trail)(
            clinic.clinic_id, clinic.user_id, parties["visit"],
            AppointmentChanges(note="came late")).id,
            "appointment.changed", parties["visit"]),
        "save patient": (lambda: SavePatient(uows, clock, trail)(
            clinic.clinic_id, clinic.user_id, PatientFields("Olga", "+79161234568")).id,
            "patient.created", None),
        "erase patient": (lambda: ErasePatient(uows, container.password_hasher(), clock, trail)(
            clinic.clinic_id, clinic.user_id, parties["patient"], "correct horse",
            "Deleted patient"), "patient.erased", parties["patient"]),
    }


WRITERS = ["book", "change", "save patient", "erase patient"]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_change_that_commits_has_its_audit_row_though_the_worker_dies_right_after(
        container, clinic, parties, writer):
    before = len(_rows(container, clinic.clinic_id))
    uows = _Dies(container)
    do, action, entity = _writers(container, clinic, parties, uows)[writer]
    try:
        made = do()
    except Killed:
        made = None
    assert uows.dead  # the change was committed
    a = tables.audit_log.c
    with container.engine().connect() as conn:
        rows = conn.execute(select(a.action, a.entity_id).where(
            a.clinic_id == clinic.clinic_id, a.seq > before)).all()
    assert [(str(action_.value), entity_id) for action_, entity_id in rows] == [
        (action, entity or made)]
    assert container.verify_audit()(clinic.clinic_id)[0][2] is None


@pytest.mark.parametrize("writer", WRITERS)
def test_a_change_whose_commit_fails_leaves_no_audit_row_that_it_held(
        container, clinic, parties, writer):
    def state() -> list:
        with container.engine().connect() as conn:
            return [sorted(map(str, conn.execute(select(table)).all())) for table in (
                tables.patients, tables.appointments, tables.audit_log, tables.audit_heads)]

    before, rows = state(), len(_rows(container, clinic.clinic_id))
    uows = _Dies(container, commit_fails=True)
    do, _action, _entity = _writers(container, clinic, parties, uows)[writer]
    with pytest.raises(Killed):
        do()
    assert uows.seen == [rows + 1]  # the row was in the change's own transaction...
    assert state() == before  # ...and went with it
    assert container.verify_audit()(clinic.clinic_id)[0][2] is None


def test_changes_and_views_at_once_take_consecutive_places_and_move_the_head(container, clinic):
    """Twenty at once: ten patients added (each row in its change's transaction) and ten
    views (each in its own): twenty rows, numbered 1 to 20, the head at the last."""
    trail, save = container.audit_trail(), container.save_patient()
    errors: list[str] = []
    start = threading.Barrier(20)

    def write(n: int) -> None:
        start.wait()
        try:
            if n % 2:
                save(clinic.clinic_id, clinic.user_id,
                     PatientFields(f"Patient {n}", f"+7916123450{n // 2}"))
            else:
                trail(clinic.clinic_id, AuditAction.PATIENT_VIEWED, "patient", clinic.user_id)
        except Exception as error:  # anything at all is a failure the test must show
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    rows = _rows(container, clinic.clinic_id)
    assert [r[0] for r in rows] == list(range(1, 21))
    assert sorted(str(r[1].value) for r in rows) == ["patient.created"] * 10 + [
        "patient.viewed"] * 10
    assert _head(container, clinic.clinic_id)[0] == 20
    assert container.verify_audit()(clinic.clinic_id)[0][2] is None
