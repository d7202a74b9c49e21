"""The backup drill, on SQLite and PostgreSQL: back up while writes happen, restore into a scratch
database, and check what came back; then the `clinic backup` / `clinic restore` commands."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import and_, create_engine, func, make_url, not_, select, text

from clinic.adapters.backup import DatabaseBackup, file_kind, row_counts, table_fingerprints
from clinic.adapters.sqlalchemy import migrate
from clinic.adapters.sqlalchemy.tables import metadata
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.entrypoints.cli import Context
from clinic.entrypoints.cli.backup import backup, restore
from tests.acting import as_owner, owner_of

MOSCOW = ZoneInfo("Europe/Moscow")
SEEDED_PATIENTS = 40


# -- a scratch database to restore into, of the same engine as the container's --

def _scratch_postgresql(source_url: str) -> Iterator[str]:
    name = f"clinic_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(source_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(source_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_url(container, tmp_path: Path) -> Iterator[str]:
    source_url = container.settings().database_url
    if source_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        yield from _scratch_postgresql(source_url)


# -- data --

def _seed(container) -> uuid.UUID:
    """A clinic with its starter records, patients and a booked visit (every column type)."""
    signed_in = container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "ru", "Europe/Moscow"))
    clinic_id = signed_in.clinic_id
    patients = [container.save_patient()(clinic_id, owner_of(container, clinic_id), PatientFields(
        f"Seeded {i:03d}", f"+7915{i:07d}", f"p{i}@example.com", "ёлка ✓"))
        for i in range(SEEDED_PATIENTS)]
    with container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        procedures = [p.id for p in uow.procedures.list()][:2]
    container.book_appointment()(clinic_id, BookingRequest(
        patients[0].id, room.id, doctor.id, datetime(2030, 3, 5, 10, 0, tzinfo=MOSCOW),
        procedures, note="first visit", booked_by=owner_of(container, clinic_id)))
    return clinic_id


class Writer(threading.Thread):
    """Keeps adding patients, one transaction each, numbered in commit order."""

    def __init__(self, container, clinic_id: uuid.UUID) -> None:
        super().__init__(daemon=True)
        self.container, self.clinic_id = container, clinic_id
        self.written = 0
        self.errors: list[BaseException] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        save = as_owner(self.container.save_patient(), self.container)
        while not self.stopping.is_set():
            try:
                save(self.clinic_id, PatientFields(f"Writer {self.written:05d}",
                                                   f"+7916{self.written:07d}"))
            except BaseException as error:  # reported by the test
                self.errors.append(error)
                return
            self.written += 1

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.written < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.005)
        assert self.written >= count, f"the writer is stuck: {self.errors}"

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=60)
        assert not self.is_alive() and not self.errors, self.errors


def _orphans(url: str) -> dict[str, int]:
    """Rows whose foreign key points at nothing, per foreign key (all must be 0)."""
    engine = create_engine(url)
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for fk in table.foreign_key_constraints:
                parent = fk.referred_table.alias("parent")
                pairs = [(element.parent, parent.c[element.column.name])
                         for element in fk.elements]
                set_ = and_(*(child.is_not(None) for child, _ in pairs))
                linked = select(parent).where(*(column == child for child, column in pairs))
                count = conn.execute(select(func.count()).select_from(table)
                                     .where(set_, not_(linked.exists()))).scalar_one()
                found[f"{table.name}.{fk.name}"] = count
    engine.dispose()
    return found


def _constraints(url: str) -> list[tuple[str, str]]:
    """The schema's constraints as the database has them (PostgreSQL) or its SQL (SQLite)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name, coalesce(sql, '') FROM sqlite_master "
                                     "WHERE name NOT LIKE 'sqlite_%' ORDER BY name"))
        else:
            rows = conn.execute(text(
                "SELECT conrelid::regclass::text || '.' || conname, contype::text "
                "FROM pg_constraint JOIN pg_namespace n ON n.oid = connamespace "
                "WHERE n.nspname = 'public' ORDER BY 1"))
        result = [(str(a), str(b)) for a, b in rows]
    engine.dispose()
    return result


def _writer_names(url: str) -> list[str]:
    engine = create_engine(url)
    patients = metadata.tables["patients"]
    with engine.connect() as conn:
        names = conn.execute(select(patients.c.name)
                             .where(patients.c.name.like("Writer %"))).scalars().all()
    engine.dispose()
    return sorted(names)


# -- the drill --

def test_backup_taken_during_writes_restores_one_consistent_snapshot(container, scratch_url,
                                                                     tmp_path):
    source_url = container.settings().database_url
    clinic_id = _seed(container)
    # SQLite: a few pages a step, so the copy takes many steps with writes between them all
    # (a copy that restarted on each write would never end); PostgreSQL: a step per table.
    backups = DatabaseBackup(source_url, sqlite_pages_per_step=8)
    writer = Writer(container, clinic_id)
    writer.start()
    writer.wait_for(5)
    before = row_counts(source_url)
    during: list[int] = []

    def progress(done: int, total: int) -> None:
        # the snapshot is taken: let writes land while the backup runs, between every step
        during.append(writer.written)
        writer.wait_for(writer.written + (5 if len(during) == 1 else 1))

    try:
        result = backups.backup(tmp_path / "live.backup", progress=progress)
    finally:
        writer.stop()
    after = row_counts(source_url)
    assert len(during) >= 10, f"the backup reported progress {len(during)} times"
    assert result.size_bytes == (tmp_path / "live.backup").stat().st_size > 0
    assert file_kind(result.path) == backups.kind == result.kind

    restored = backups.restore(result.path, scratch_url)
    fingerprints = table_fingerprints(scratch_url)
    assert set(fingerprints) == set(metadata.tables), "a table is missing"
    for name, (count, _checksum) in fingerprints.items():
        assert before[name] <= count <= after[name], name
    assert restored.rows == sum(count for count, _ in fingerprints.values())
    # Writes made while the backup ran are after its snapshot: not in it...
    assert fingerprints["patients"][0] < after["patients"]
    # ...and the snapshot is one moment: exactly the first k of the writer's commits.
    names = _writer_names(scratch_url)
    assert names == [f"Writer {i:05d}" for i in range(len(names))]
    assert fingerprints["patients"][0] == SEEDED_PATIENTS + len(names)
    assert all(count == 0 for count in _orphans(scratch_url).values())
    assert _constraints(scratch_url) == _constraints(source_url)
    assert migrate.current(scratch_url) == migrate.current(source_url)

    # A quiet backup restored over the scratch database matches the source table by table.
    quiet = backups.backup(tmp_path / "quiet.backup")
    backups.restore(quiet.path, scratch_url)
    expected = table_fingerprints(source_url)
    got = table_fingerprints(scratch_url)
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], name
    assert expected["patients"][0] == after["patients"]
    assert expected["appointment_lines"][0] == 2


def test_fingerprints_tell_a_changed_row_apart(container, scratch_url, tmp_path):
    clinic_id = _seed(container)
    backups = container.database_backup()
    backups.restore(backups.backup(tmp_path / "one.backup").path, scratch_url)
    assert table_fingerprints(scratch_url) == table_fingerprints(container.settings()
                                                                 .database_url)
    engine = create_engine(scratch_url)
    patients = metadata.tables["patients"]
    with engine.begin() as conn:
        conn.execute(patients.update().where(patients.c.name == "Seeded 007",
                                             patients.c.clinic_id == clinic_id)
                     .values(note="changed"))
    engine.dispose()
    changed = table_fingerprints(scratch_url)
    source = table_fingerprints(container.settings().database_url)
    assert changed["patients"][0] == source["patients"][0]
    assert changed["patients"][1] != source["patients"][1]
    assert {k: v for k, v in changed.items() if k != "patients"} == {
        k: v for k, v in source.items() if k != "patients"}


def test_a_sqlite_backup_is_one_self_contained_file(sqlite_url, tmp_path):
    path = DatabaseBackup(sqlite_url).backup(tmp_path / "clinic.backup").path
    assert not Path(f"{path}-wal").exists()
    assert file_kind(path) == "sqlite"
    assert sorted(os.listdir(tmp_path)) == ["clinic.backup"]  # no partial file left behind


# -- the commands --

@pytest.fixture
def run(container):
    context = Context()
    context._container = container

    def invoke(command, *args: str, input: str | None = None):
        return CliRunner().invoke(command, list(args), obj=context, input=input)

    return invoke


def _one_line_refusal(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_backup_then_restore_through_the_commands(run, container, scratch_url, tmp_path):
    _seed(container)
    out = tmp_path / "clinic.backup"
    made = run(backup, "-o", str(out))
    assert made.exit_code == 0, made.output
    assert f"to {out}" in made.output and " in " in made.output.splitlines()[-1]
    again = run(backup, "-o", str(out))
    assert "already exists" in _one_line_refusal(again)
    assert run(backup, "-o", str(out), "--force").exit_code == 0

    done = run(restore, str(out), "--to", scratch_url, "--confirm")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1].startswith(f"restored {out} into ")
    assert table_fingerprints(scratch_url) == table_fingerprints(
        container.settings().database_url)


def test_restore_asks_first_and_no_changes_nothing(run, container, scratch_url, tmp_path):
    source_url = container.settings().database_url
    out = tmp_path / "empty.backup"
    assert run(backup, "-o", str(out)).exit_code == 0  # a backup of the empty database
    _seed(container)
    before = table_fingerprints(source_url)
    answered = run(restore, str(out), "--to", source_url, input="n\n")
    shown = make_url(source_url).render_as_string(hide_password=True)
    assert f"Replace everything in {shown} with {out}?" in answered.output
    assert answered.exit_code == 1  # aborted
    assert table_fingerprints(source_url) == before
    assert before["patients"][0] == SEEDED_PATIENTS

    yes = run(restore, str(out), "--to", source_url, input="y\n")
    assert yes.exit_code == 0, yes.output
    assert all(count == 0 for count, _ in table_fingerprints(source_url).values())


def test_restore_refuses_bad_input_with_one_line(run, container, tmp_path):
    url = container.settings().database_url
    sqlite_backup = tmp_path / "lite.backup"
    migrate.upgrade(f"sqlite:///{tmp_path / 'lite.sqlite3'}")
    DatabaseBackup(f"sqlite:///{tmp_path / 'lite.sqlite3'}").backup(sqlite_backup)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")

    assert "no such file" in _one_line_refusal(
        run(restore, str(tmp_path / "missing.backup"), "--to", url, "--confirm"))
    assert "is not a backup" in _one_line_refusal(
        run(restore, str(not_a_backup), "--to", url, "--confirm"))
    unreachable = "postgresql+psycopg://postgres:secret@127.0.0.1:1/nowhere"
    if url.startswith("postgresql"):
        line = _one_line_refusal(run(restore, str(sqlite_backup), "--to", url, "--confirm"))
        assert "SQLite backup and cannot be restored into PostgreSQL" in line
        pg_backup = tmp_path / "pg.backup"
        assert run(backup, "-o", str(pg_backup)).exit_code == 0
        line = _one_line_refusal(run(restore, str(pg_backup), "--to", unreachable, "--confirm"))
        assert "cannot connect" in line and "secret" not in line
        line = _one_line_refusal(run(restore, str(pg_backup), "--to",
                                     f"sqlite:///{tmp_path / 'x.sqlite3'}", "--confirm"))
        assert "PostgreSQL backup and cannot be restored into SQLite" in line
    else:
        line = _one_line_refusal(run(restore, str(sqlite_backup), "--to", unreachable,
                                     "--confirm"))
        assert "SQLite backup and cannot be restored into PostgreSQL" in line
        assert "secret" not in line
        line = _one_line_refusal(run(restore, str(sqlite_backup), "--to",
                                     f"sqlite:///{tmp_path / 'no' / 'such' / 'x.sqlite3'}",
                                     "--confirm"))
        assert "no directory" in line
    assert "neither a PostgreSQL nor a SQLite URL" in _one_line_refusal(
        run(restore, str(sqlite_backup), "--to", "mysql://root@localhost/clinic", "--confirm"))


def test_backup_refuses_a_missing_directory_with_one_line(run, tmp_path):
    line = _one_line_refusal(run(backup, "-o", str(tmp_path / "no" / "such" / "x.backup")))
    assert "no directory" in line
