"""`clinic tenants export` / `import` on both databases: a realistic clinic (rooms, doctors with a
photo, procedures, patients, appointments, a member, an invitation, an API token, an idempotency
key, payments and the partner ledger) goes out and comes back, as a copy with new ids next to
its original, and with the same ids into an empty database."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from dependency_injector import providers
from PIL import Image
from sqlalchemy import create_engine, make_url, select, text

from clinic.adapters.sqlalchemy import migrate
from clinic.adapters.sqlalchemy.tables import audit_log, clinics
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.audit import AuditEntry, first_break
from clinic.domain.licensing import PaymentKind
from clinic.entrypoints.cli import Context
from clinic.entrypoints.cli.tenant_archive import export, import_
from tests.acting import owner_of
from tests.conftest import need
from tests.integration.conftest import add_member, make_container, make_settings
from tests.licences import grant_licence
from tests.unit.fakes import FakeClock, FakeFileStore

AUDIT_FIELDS = {f.name for f in dataclasses.fields(AuditEntry)}
MOSCOW = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 24, 10, 0, tzinfo=MOSCOW)
# Left out of a copy with new ids (secrets, short-lived, or the original's books).
NOT_COPIED = {"api_tokens", "invitations", "idempotency_keys", "outbox", "payments",
              "referral_entries"}


def _png() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (200, 200), "red").save(image, "PNG")
    return image.getvalue()


def _promo_code(container, clinic_id) -> str:
    with container.engine().connect() as conn:
        return conn.execute(select(clinics.c.promo_code).where(clinics.c.id == clinic_id)).scalar()


def _build_clinic(container) -> dict:
    """Smile: referred by Partner, referrer of Referred; its people, catalog, patients, visits,
    a doctor's photo, a payment, an invitation, a token, an idempotency key."""
    partner = container.sign_up()(SignUpCommand(
        "Partner", "Pavel", "pavel@example.com", "correct horse", "en", "Europe/Moscow"))
    owner = container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "ru", "Europe/Moscow",
        promo_code=_promo_code(container, partner.clinic_id)))
    clinic_id = owner.clinic_id
    grant_licence(container, clinic_id, chairs=5, seats=5)
    referred = container.sign_up()(SignUpCommand(
        "Referred", "Rita", "rita@example.com", "correct horse", "en", "Europe/Moscow",
        promo_code=_promo_code(container, clinic_id)))

    second_room = container.save_room()(clinic_id, owner_of(container, clinic_id),
        RoomFields("Кабинет 2", "Тверская, 1"))
    doctor = container.save_doctor()(clinic_id, owner_of(container, clinic_id),
        DoctorFields("Dr Ivanova"))
    container.set_doctor_photo()(clinic_id, owner_of(container, clinic_id), doctor.id, _png())
    implant = container.save_procedure()(clinic_id, owner_of(container, clinic_id),
        ProcedureFields("Имплант", "45000,50", "90"))
    patients = [container.save_patient()(clinic_id, owner_of(container, clinic_id), PatientFields(
        name, phone, email, note)) for name, phone, email, note in (
        ("Иван Петров", "+79161234567", "ivan@example.com", "аллергия на лидокаин"),
        ("Olga Smirnova", "+79161234568", "", ""),
        ("Пётр Ёлкин", "+79161234569", "", "VIP"))]
    member = add_member(container, clinic_id, "boris@example.com", "Boris", "admin")
    with container.uow(clinic_id) as uow:
        first_room = next(r for r in uow.rooms.list() if r.id != second_room.id)
        procedures = uow.procedures.list()
    consultation = next(p for p in procedures if p.name == "Consultation")
    book = container.book_appointment()
    book(clinic_id, BookingRequest(patients[0].id, first_room.id, doctor.id, START,
                                   [consultation.id, implant.id], booked_by=owner.user_id,
                                   note="первый визит"))
    book(clinic_id, BookingRequest(patients[1].id, second_room.id, doctor.id,
                                   START + timedelta(hours=3), [consultation.id], price="900",
                                   booked_by=member, idempotency_key="retry-1",
                                   request_hash="abc"))
    book(clinic_id, BookingRequest(patients[2].id, first_room.id, doctor.id,
                                   START + timedelta(days=1), [implant.id],
                                   booked_by=owner_of(container, clinic_id)))
    _reminders(container, clinic_id, patients[0].id)
    container.remember_calendar_view()(clinic_id, owner.user_id, f"week|room:{second_room.id}")
    container.create_api_token()(clinic_id, owner.user_id, "website")
    container.invite_member()(clinic_id, owner.user_id, "vera@example.com", "staff",
                              lambda token: f"http://localhost/join/{token}")
    container.record_payment()(clinic_id, PaymentKind.PAYMENT, "in_smile_1", 700)
    container.record_payment()(referred.clinic_id, PaymentKind.PAYMENT, "in_referred_1", 500)
    return {"id": clinic_id, "doctor": doctor.id, "partner": partner.clinic_id,
            "referred": referred.clinic_id}


def _reminders(container, clinic_id, patient_id) -> None:
    """Reminders on, a Telegram bot, the patient's chat, a sent reminder with its link."""
    from clinic.domain.messaging import Channel, MessageKind
    from clinic.domain.patient_messages import MessageStatus, MessagingSettings, PatientMessage

    with container.uow(clinic_id) as uow:
        visit = next(a for a in uow.appointments.scheduled_between(START, START + timedelta(1))
                     if a.patient_id == patient_id)
        patient = uow.patients.get(patient_id)
        patient.telegram_code, patient.telegram_chat_id = "Tg3code7Abcd", "555"
        uow.messages.add_settings(MessagingSettings(
            clinic_id=clinic_id, reminders_on=True, telegram_token="1:t",
            telegram_bot="smile_bot", telegram_secret="s" * 40))
        uow.messages.add(PatientMessage(
            clinic_id=clinic_id, patient_id=patient_id, appointment_id=visit.id,
            kind=MessageKind.REMINDER, key=f"{visit.id}:reminder:29000000",
            created_at=START - timedelta(days=1), channel=Channel.TELEGRAM, recipient="555",
            text="Smile: ждём вас", status=MessageStatus.SENT, link_code="Ab3dE6gH9kLm"))
        uow.commit()


def _read(path: Path) -> tuple[dict, dict[str, bytes], dict[str, bytes]]:
    """(manifest, table JSON bytes by table, file bytes by key)."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        tables = {n.removeprefix("tables/").removesuffix(".json"): archive.read(n)
                  for n in names if n.startswith("tables/")}
        files = {n.removeprefix("files/"): archive.read(n) for n in names
                 if n.startswith("files/")}
    return manifest, tables, files


def _rows(tables: dict[str, bytes], name: str) -> list[dict]:
    return json.loads(tables[name])["rows"]


def _is_id(value) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _match(old: dict[str, bytes], new: dict[str, bytes], order: list[str],
           ids: dict[str, str], ignore: dict[str, set[str]]) -> None:
    """Pair the rows of two archives table by table (parents first), each row by everything but
    its own id with every id it holds renamed through the pairs found so far; every row must
    find its twin. `ids` grows with the pairs."""
    def signature(table: str, row: dict, rename: bool) -> str:
        values = {k: (ids.get(v, v) if rename and _is_id(v) else v) for k, v in row.items()
                  if k != "id" and k not in ignore.get(table, set())}
        for table_, column in (("memberships", "calendar_view"), ("patient_messages", "key")):
            if table == table_ and values.get(column) and rename:
                text = values[column]
                for before, after in ids.items():
                    text = text.replace(before, after)
                values[column] = text
        return json.dumps(values, sort_keys=True, ensure_ascii=False)

    for table in order:
        waiting: dict[str, list[str]] = {}
        for row in _rows(new, table):
            waiting.setdefault(signature(table, row, False), []).append(row["id"])
        for row in _rows(old, table):
            twins = waiting.get(signature(table, row, True))
            assert twins, f"{table}: no copy of {row}"
            ids[row["id"]] = twins.pop()
        assert not any(waiting.values()), f"{table}: rows that were not in the original"


def _archive(container, clinic_id, path: Path) -> dict:
    return container.clinic_archive().export(clinic_id, path)


def test_a_copy_with_new_ids_next_to_its_original_holds_the_same_data(container, tmp_path):
    clinic = _build_clinic(container)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    assert _archive(container, clinic["id"], first)["format"] == "chairside-clinic"
    manifest, old_tables, old_files = _read(first)
    assert manifest["tables"]["rooms"] == 2 and manifest["tables"]["appointments"] == 3
    assert manifest["files"] == 4  # two sizes, each with its .meta

    new_id = container.clinic_archive().import_(first)
    assert new_id != clinic["id"]
    copy_manifest = _archive(container, new_id, second)
    _, new_tables, new_files = _read(second)
    assert copy_manifest["schema_version"] == manifest["schema_version"]

    # what a copy leaves out: secrets, short-lived rows, and the original's books
    for table in NOT_COPIED:
        assert _rows(old_tables, table), f"the test clinic should have some {table}"
        assert _rows(new_tables, table) == [], table
    # the same people: their accounts are reused, not doubled
    assert _rows(new_tables, "users") == _rows(old_tables, "users")
    # a fresh partner code (the original keeps its own); still referred by the same partner
    old_clinic, new_clinic = _rows(old_tables, "clinics")[0], _rows(new_tables, "clinics")[0]
    assert new_clinic["promo_code"] and new_clinic["promo_code"] != old_clinic["promo_code"]
    assert new_clinic["referred_by"] == old_clinic["referred_by"] == str(clinic["partner"])

    # the audit trail and a calendar view name rows of any table: they are paired last
    order = sorted((t for t in manifest["tables"] if t not in NOT_COPIED),
                   key=lambda t: t in ("memberships", "audit_log"))
    ids = {str(clinic["id"]): str(new_id)}
    _match(old_tables, new_tables, order, ids,
           {"clinics": {"promo_code"}, "audit_log": {"hash", "prev_hash"},
            "audit_heads": {"hash"}, "patient_messages": {"link_code"},
            "patients": {"telegram_code", "telegram_chat_id"},
            "messaging_settings": {"telegram_token", "telegram_bot", "telegram_secret",
                                   "reminders_on"}})
    # what stays with the original: the answer links, the bot, and sending reminders
    [message] = _rows(new_tables, "patient_messages")
    assert message["link_code"] is None and message["key"].startswith(message["appointment_id"])
    [settings] = _rows(new_tables, "messaging_settings")
    assert (settings["reminders_on"], settings["telegram_token"], settings["telegram_bot"]) == (
        False, None, None)
    assert {(p["telegram_code"], p["telegram_chat_id"]) for p in _rows(new_tables, "patients")
            } == {(None, None)}
    # the copy's audit trail: the same entries, chained again over the new ids
    assert len(_rows(new_tables, "audit_log")) == len(_rows(old_tables, "audit_log")) > 0
    with container.engine().connect() as conn:
        entries = [AuditEntry(**{k: v for k, v in row._mapping.items() if k in AUDIT_FIELDS})
                   for row in conn.execute(select(audit_log).where(
                       audit_log.c.clinic_id == new_id).order_by(audit_log.c.seq))]
    assert len(entries) == len(_rows(old_tables, "audit_log")) and first_break(entries) is None
    [head] = _rows(new_tables, "audit_heads")  # moved to the copy's last row
    assert (head["seq"], head["hash"]) == (entries[-1].seq, entries[-1].hash)
    assert container.verify_audit()(new_id)[0][2] is None
    assert len(set(ids.values()) - set(ids)) > 20  # every row got an id of its own...
    assert not set(ids.values()) & (set(ids) - {u["id"] for u in _rows(old_tables, "users")})

    def renamed(key: str) -> str:
        return "/".join(ids.get(part, part) for part in key.split("/"))

    assert {renamed(k): v for k, v in old_files.items()} == new_files

    # the copy works
    with container.uow(new_id) as uow:
        rooms = uow.rooms.list()
        assert len(rooms) == 2 and "Кабинет 2" in {r.name for r in rooms}
        patients = uow.patients.with_phone("+79161234567")
        assert [p.name for p in patients] == ["Иван Петров"]
        assert patients[0].id != uuid.UUID(_rows(old_tables, "patients")[0]["id"])
    new_doctor = uuid.UUID(ids[str(clinic["doctor"])])
    photo = container.load_doctor_photo()(new_id, owner_of(container, new_id), new_doctor, "large")
    original = container.load_doctor_photo()(clinic["id"], owner_of(container, clinic["id"]),
        clinic["doctor"], "large")
    assert photo is not None and original is not None and photo == original
    tenant = next(t for t in container.account_queries().tenants() if t.id == new_id)
    assert tenant.owner_email == "anna@example.com"

    # the original is untouched
    _archive(container, clinic["id"], tmp_path / "again.zip")
    _, again_tables, again_files = _read(tmp_path / "again.zip")
    assert again_tables == old_tables and again_files == old_files


@contextmanager
def _scratch_database(dialect: str, folder: Path) -> Iterator[str]:
    """A freshly migrated, empty database: a new SQLite file, or a new database on the
    PostgreSQL server of TEST_DATABASE_URL (dropped afterwards)."""
    if dialect == "sqlite":
        url = f"sqlite:///{folder / f'scratch_{uuid.uuid4().hex[:8]}.sqlite3'}"
        migrate.upgrade(url)
        yield url
        return
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        need("PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://user@host/db")
    name = f"archive_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _scratch_container(dialect: str, folder: Path) -> Iterator:
    with _scratch_database(dialect, folder) as url:
        other = make_container(make_settings(url, folder / f"instance_{uuid.uuid4().hex[:8]}"))
        try:
            yield other
        finally:
            other.engine().dispose()


@pytest.fixture
def empty_database(container, tmp_path) -> Iterator[str]:
    """A freshly migrated, empty database of the same engine as `container`'s."""
    with _scratch_database(container.engine().dialect.name, tmp_path) as url:
        yield url


def test_same_ids_into_an_empty_database_restores_it_exactly(container, empty_database,
                                                             tmp_path):
    clinic = _build_clinic(container)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    _archive(container, clinic["id"], first)
    manifest, old_tables, old_files = _read(first)

    restored = make_container(make_settings(empty_database, tmp_path / "restored"))
    try:
        seen = []
        assert restored.clinic_archive().import_(
            first, same_ids=True, progress=lambda *step: seen.append(step)) == clinic["id"]
        assert ("rooms", 2, 0) in seen and ("files", 4, 0) in seen
        again = _archive(restored, clinic["id"], second)
        _, new_tables, new_files = _read(second)
        assert {k: v for k, v in again.items() if k != "exported_at"} == {
            k: v for k, v in manifest.items() if k != "exported_at"}
        assert new_files == old_files
        # every table the same bytes, but for the pointers at clinics that are not there
        for name in manifest["tables"]:
            if name not in ("clinics", "referral_entries"):
                assert new_tables[name] == old_tables[name], name
        old_clinic, new_clinic = _rows(old_tables, "clinics")[0], _rows(new_tables, "clinics")[0]
        assert old_clinic["referred_by"] == str(clinic["partner"])
        assert new_clinic == {**old_clinic, "referred_by": None}
        old_entries = _rows(old_tables, "referral_entries")
        assert [e["source_clinic_id"] for e in old_entries] == [str(clinic["referred"])]
        assert _rows(new_tables, "referral_entries") == [
            {**e, "source_clinic_id": None} for e in old_entries]
        # and a third round is byte for byte the second
        third = tmp_path / "third.zip"
        restored.clinic_archive().export(clinic["id"], third)
        assert _read(third)[1:] == (new_tables, new_files)

        photo = restored.load_doctor_photo()(clinic["id"], owner_of(restored, clinic["id"]),
            clinic["doctor"], "thumb")
        assert photo == container.load_doctor_photo()(
            clinic["id"], owner_of(container, clinic["id"]), clinic["doctor"], "thumb")
        signed_in = restored.sign_in()("anna@example.com", "correct horse")
        assert signed_in is not None

        # a second --same-ids import is refused: the database is not empty any more
        from clinic.adapters.sqlalchemy.tenant_archive import ArchiveRefused

        with pytest.raises(ArchiveRefused, match="no clinics"):
            restored.clinic_archive().import_(first, same_ids=True)
    finally:
        restored.engine().dispose()


def test_the_same_data_is_the_same_bytes_from_either_database(container, tmp_path):
    """Restored with the same ids into SQLite and into PostgreSQL, a clinic exports to the same
    table files and files byte for byte (the manifests differ only in `exported_at`)."""
    clinic = _build_clinic(container)
    archive = tmp_path / "smile.zip"
    _archive(container, clinic["id"], archive)
    exports = []
    for dialect in ("sqlite", "postgresql"):
        with _scratch_container(dialect, tmp_path) as other:
            other.clinic_archive().import_(archive, same_ids=True)
            again = tmp_path / f"from_{dialect}.zip"
            manifest = _archive(other, clinic["id"], again)
            manifest.pop("exported_at")
            exports.append((manifest, *_read(again)[1:]))
    assert exports[0] == exports[1]
    with zipfile.ZipFile(tmp_path / "from_sqlite.zip") as a, \
            zipfile.ZipFile(tmp_path / "from_postgresql.zip") as b:
        assert a.namelist() == b.namelist()


def test_a_copy_with_new_ids_into_another_database_keeps_the_books(container, tmp_path):
    """Into a database where none of it exists: new accounts (same emails and passwords), the
    payments and the partner ledger kept, pointers at clinics not there cleared."""
    clinic = _build_clinic(container)
    archive = tmp_path / "smile.zip"
    _archive(container, clinic["id"], archive)
    _, old_tables, old_files = _read(archive)
    with _scratch_container(container.engine().dialect.name, tmp_path) as other:
        new_id = other.clinic_archive().import_(archive)
        copy = tmp_path / "copy.zip"
        _archive(other, new_id, copy)
        _, new_tables, new_files = _read(copy)
        old_users, new_users = _rows(old_tables, "users"), _rows(new_tables, "users")
        assert sorted(u["email"] for u in new_users) == sorted(u["email"] for u in old_users)
        assert not {u["id"] for u in new_users} & {u["id"] for u in old_users}
        assert other.sign_in()("anna@example.com", "correct horse") is not None
        new_clinic = _rows(new_tables, "clinics")[0]
        assert new_clinic["referred_by"] is None
        assert new_clinic["promo_code"] == _rows(old_tables, "clinics")[0]["promo_code"]
        assert [p["external_ref"] for p in _rows(new_tables, "payments")] == ["in_smile_1"]
        entries = _rows(new_tables, "referral_entries")
        assert [(e["source_ref"], e["source_clinic_id"]) for e in entries] == [
            (_rows(old_tables, "referral_entries")[0]["source_ref"], None)]
        for table in ("api_tokens", "invitations", "idempotency_keys", "outbox"):
            assert _rows(new_tables, table) == [], table
        assert sorted(new_files.values()) == sorted(old_files.values())
        doctors = {d["name"]: d["id"] for d in _rows(new_tables, "doctors")}
        photo = other.load_doctor_photo()(new_id, owner_of(other, new_id),
            uuid.UUID(doctors["Dr Ivanova"]), "thumb")
        assert photo == container.load_doctor_photo()(
            clinic["id"], owner_of(container, clinic["id"]), clinic["doctor"], "thumb")


def test_a_failed_import_writes_nothing(container, tmp_path):
    """All or nothing: an archive whose rows break a rule of the schema leaves no row and no
    file behind."""
    clinic = _build_clinic(container)
    archive = tmp_path / "smile.zip"
    _archive(container, clinic["id"], archive)
    from clinic.adapters.sqlalchemy.tenant_archive import ArchiveRefused

    # the same ids into this database: refused before anything is written
    with pytest.raises(ArchiveRefused, match="no clinics"):
        container.clinic_archive().import_(archive, same_ids=True)
    # a damaged row late in the archive: what was written before it is rolled back
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(broken, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "tables/appointments.json":
                document = json.loads(data)
                document["rows"][0]["ends_at"] = document["rows"][0]["starts_at"]
                data = json.dumps(document).encode()
            new.writestr(name, data)
    with pytest.raises(ArchiveRefused, match="nothing was imported"):
        container.clinic_archive().import_(broken)
    assert len(container.account_queries().tenants()) == 3
    with container.engine().connect() as conn:
        assert len(conn.execute(text("SELECT id FROM rooms")).all()) == 4  # 2 + 1 + 1
    files_dirs = sorted(p.name for p in container.settings().files_dir.iterdir())
    assert files_dirs == [str(clinic["id"])]


# -- the commands ---------------------------------------------------------------------------

@pytest.fixture
def run(container):
    context = Context()
    context._container = container

    def invoke(command, *args: str):
        return CliRunner().invoke(command, list(args), obj=context)

    return invoke


def _refused(result, words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert words in lines[0], lines[0]


def _rewritten(source: Path, target: Path, **manifest_changes) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "manifest.json":
                data = json.dumps({**json.loads(data), **manifest_changes}).encode()
            new.writestr(name, data)
    return target


def test_the_commands_export_and_import_and_refuse_bad_input(run, container, tmp_path):
    owner = container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com",
                                              "correct horse", "ru", "Europe/Moscow"))
    archive = tmp_path / "smile.zip"
    done = run(export, str(owner.clinic_id), "-o", str(archive))
    assert done.exit_code == 0, done.output
    assert "  rooms: 1" in done.stderr
    assert done.stdout.strip().splitlines() == [done.stdout.strip()]
    assert done.stdout.startswith(f"exported «Smile» ({owner.clinic_id}):")

    _refused(run(export, "not-a-uuid", "-o", str(tmp_path / "x.zip")), "not a clinic id")
    _refused(run(export, str(uuid.uuid4()), "-o", str(tmp_path / "x.zip")), "no clinic with id")
    assert not (tmp_path / "x.zip").exists()
    _refused(run(export, str(owner.clinic_id), "-o", str(archive)), "--force")
    _refused(run(export, str(owner.clinic_id), "-o", str(tmp_path / "no" / "x.zip")),
             "no directory")
    assert run(export, str(owner.clinic_id), "-o", str(archive), "--force").exit_code == 0

    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"this is not a zip file at all")
    _refused(run(import_, str(garbage)), "not a zip file")
    _refused(run(import_, str(tmp_path / "missing.zip")), "is not a file")
    _refused(run(import_, str(_rewritten(archive, tmp_path / "old.zip",
                                         schema_version="0000_older"))),
             "schema version '0000_older'")
    _refused(run(import_, str(_rewritten(archive, tmp_path / "other.zip", format="other"))),
             "not a clinic archive")
    empty_zip = tmp_path / "empty.zip"
    zipfile.ZipFile(empty_zip, "w").close()
    _refused(run(import_, str(empty_zip)), "no manifest.json")
    _refused(run(import_, str(archive), "--same-ids"), "no clinics")
    assert len(container.account_queries().tenants()) == 1

    imported = run(import_, str(archive))
    assert imported.exit_code == 0, imported.output
    assert "  users: 0 (1 already here, reused)" in imported.stderr
    new_id = uuid.UUID(imported.stdout.split("as clinic ")[1].split(":")[0])
    assert imported.stdout.startswith(f"imported «Smile» as clinic {new_id}:")
    assert Counter(t.name for t in container.account_queries().tenants()) == {"Smile": 2}


def test_a_copy_of_an_audit_trail_cut_short_is_refused(container, tmp_path):
    """An archive whose newest audit row was taken out (its chain still holds, but it does not
    end where its head says) is not re-chained into a clean-looking copy."""
    owner = container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com",
                                              "correct horse", "ru", "Europe/Moscow"))
    for phone in ("+79161234567", "+79161234568"):
        container.save_patient()(owner.clinic_id, owner_of(container, owner.clinic_id),
            PatientFields("Ivan", phone))
    archive = tmp_path / "smile.zip"
    _archive(container, owner.clinic_id, archive)
    cut = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(cut, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "tables/audit_log.json":
                document = json.loads(data)
                document["rows"] = [r for r in document["rows"] if r["seq"] != 2]
                data = json.dumps(document).encode()
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["audit_log"] = 1
                data = json.dumps(manifest).encode()
            new.writestr(name, data)
    from clinic.adapters.sqlalchemy.tenant_archive import ArchiveRefused

    with pytest.raises(ArchiveRefused, match="row 2 is missing"):
        container.clinic_archive().import_(cut)
    assert len(container.account_queries().tenants()) == 1


def test_the_manifest_says_when_by_the_containers_clock(container, tmp_path):
    container.clock.override(providers.Object(FakeClock(datetime(2026, 11, 23, 20, 59, 30,
                                                                 tzinfo=MOSCOW))))
    clinic_id = container.sign_up()(SignUpCommand(
        "Smile", "Anna Petrova", "anna@example.com", "correct horse", "ru",
        "Europe/Moscow")).clinic_id
    manifest = _archive(container, clinic_id, tmp_path / "clinic.zip")
    assert manifest["exported_at"] == "2026-11-23T17:59:30+00:00"
    assert _read(tmp_path / "clinic.zip")[0]["exported_at"] == manifest["exported_at"]


def test_files_go_out_and_come_back_through_the_file_store_port(container, tmp_path):
    """The archive reads and writes files only through the container's `FileStore`: each
    stored file and a `.meta` naming its content type. On import an entry without its pair is
    left out (and counted), and a `.meta` that names no content type is refused."""
    store = FakeFileStore()
    container.file_store.override(providers.Object(store))
    clinic_id = container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "ru", "Europe/Moscow")).clinic_id
    store.save(f"{clinic_id}/billing-test/a", b"{}", "application/json")
    store.save(f"{clinic_id}/doctors/x/v1/thumb", b"jpeg", "image/jpeg")
    archive = tmp_path / "smile.zip"
    assert _archive(container, clinic_id, archive)["files"] == 4
    files = _read(archive)[2]
    assert files == {f"{clinic_id}/billing-test/a": b"{}",
                     f"{clinic_id}/billing-test/a.meta": b'{"content_type": "application/json"}',
                     f"{clinic_id}/doctors/x/v1/thumb": b"jpeg",
                     f"{clinic_id}/doctors/x/v1/thumb.meta": b'{"content_type": "image/jpeg"}'}

    stray = tmp_path / "stray.zip"
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(stray, "w") as new:
        for name in old.namelist():
            if name != f"files/{clinic_id}/billing-test/a.meta":
                new.writestr(name, old.read(name))
    seen = []
    new_id = container.clinic_archive().import_(stray, progress=lambda *s: seen.append(s))
    assert ("files", 2, 1) in seen
    assert store.keys(f"{new_id}/") == [f"{new_id}/doctors/x/v1/thumb"]
    assert store.load(f"{new_id}/doctors/x/v1/thumb") == (b"jpeg", "image/jpeg")

    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(bad, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(name, b'{"type": "image/jpeg"}' if name.endswith("thumb.meta") else data)
    from clinic.adapters.sqlalchemy.tenant_archive import ArchiveRefused

    with pytest.raises(ArchiveRefused, match=r"thumb\.meta names no content type"):
        container.clinic_archive().import_(bad)
    assert len(container.account_queries().tenants()) == 2


def test_a_clinics_files_on_s3_go_out_in_its_archive_come_back_and_go_with_it(
        database_url, s3_endpoint, s3_bucket, tmp_path):
    """On S3-compatible storage as on disk: export takes the clinic's files, deleting the
    clinic empties its part of the bucket (listed to be sure), import puts them back."""
    from clinic.adapters.object_store import S3FileStore
    from tests.integration.conftest import make_container, make_settings

    container = make_container(make_settings(
        database_url, tmp_path / "server", file_store_url=f"s3://{s3_bucket}/chairside",
        s3_endpoint_url=s3_endpoint))
    store = container.file_store()
    assert isinstance(store, S3FileStore)
    signed_in = container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "ru", "Europe/Moscow"))
    clinic_id = signed_in.clinic_id
    doctor = container.save_doctor()(clinic_id, signed_in.user_id, DoctorFields("Dr Ivanova"))
    container.set_doctor_photo()(clinic_id, signed_in.user_id, doctor.id, _png())

    def in_bucket(prefix: str) -> list[str]:
        listed = store.client.list_objects_v2(Bucket=s3_bucket, Prefix=prefix)
        return [item["Key"] for item in listed.get("Contents", [])]

    stored = in_bucket(f"chairside/{clinic_id}/")
    assert len(stored) == 2  # the two sizes
    archive = tmp_path / "smile.zip"
    assert _archive(container, clinic_id, archive)["files"] == 4  # with their .meta
    container.clinic_removal().remove(clinic_id)
    assert in_bucket(f"chairside/{clinic_id}/") == []
    restored = container.clinic_archive().import_(archive)
    assert len(in_bucket(f"chairside/{restored}/")) == 2
    with container.uow(restored) as uow:
        copy = next(d for d in uow.doctors.list() if d.name == "Dr Ivanova")
    photo = container.load_doctor_photo()(restored, owner_of(container, restored), copy.id,
                                          "large")
    assert photo is not None and photo[1] == "image/jpeg"
    container.engine().dispose()
