"""`clinic demo seed` through click's runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.entrypoints.cli import Context, main
from clinic.entrypoints.cli.demo import DEFAULT_EMAIL, DEFAULT_PASSWORD
from clinic.entrypoints.cli.demo_data import patients, plan_visits
from tests.integration.conftest import make_container, make_settings

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def run(container):
    context = Context()
    context._container = container

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), obj=context)

    return invoke


def _counts(container) -> dict[str, int]:
    with container.engine().connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (("clinics", tables.clinics), ("users", tables.users),
                                    ("patients", tables.patients),
                                    ("appointments", tables.appointments))}


def _rows(container, table, clinic_id):
    with container.engine().connect() as conn:
        return conn.execute(select(table).where(table.c.clinic_id == clinic_id)).all()


def _printed(output: str, label: str) -> str:
    match = re.search(rf"^\s*{label}:\s+(\S+)$", output, re.MULTILINE)
    assert match, f"no {label} in:\n{output}"
    return match.group(1)


def test_help_explains_the_command_and_its_defaults():
    assert "demo" in CliRunner().invoke(main, ["--help"]).output
    result = CliRunner().invoke(main, ["demo", "seed", "--help"])
    assert result.exit_code == 0
    for text in ("--email", "--password", "--seed", DEFAULT_EMAIL, "300 patients"):
        assert text in result.output


def test_seed_makes_a_busy_realistic_clinic_one_can_sign_in_to(run, container):
    started = datetime.now(UTC)
    result = run("demo", "seed")
    now = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    assert "make run" in result.output and "http://127.0.0.1:5000" in result.output
    email, password = _printed(result.output, "email"), _printed(result.output, "password")
    assert (email, password) == (DEFAULT_EMAIL, DEFAULT_PASSWORD)
    clinic_id = container.sign_in()(email, password).clinic_id
    assert clinic_id is not None

    details = container.account_queries().clinic_details(clinic_id)
    assert (details.name, details.timezone, details.currency) == (
        "Стоматология «Улыбка»", "Europe/Moscow", "RUB")
    assert (details.working_days, details.opens_at, details.closes_at) == (
        [1, 2, 3, 4, 5, 6], "09:00", "20:00")
    rooms = _rows(container, tables.rooms, clinic_id)
    doctors = _rows(container, tables.doctors, clinic_id)
    assert sorted(r.name for r in rooms) == ["Кабинет 1", "Кабинет 2", "Кабинет 3"]
    assert len(doctors) == 4 and len({d.color for d in doctors}) == 4
    assert len(_rows(container, tables.procedures, clinic_id)) >= 8

    people = _rows(container, tables.patients, clinic_id)
    assert len(people) == 300
    assert len({p.phone for p in people}) == 300
    assert all(re.fullmatch(r"\+79\d{9}", p.phone) for p in people)
    assert all(len(p.name.split()) in (2, 3) for p in people)
    assert any(p.email for p in people) and any(p.note for p in people)

    visits = _rows(container, tables.appointments, clinic_id)
    assert 500 <= len(visits) <= 1200
    assert f"{len(visits)} appointments" in result.output
    today = now.astimezone(MOSCOW).date()
    for visit in visits:
        start, end = visit.starts_at.astimezone(MOSCOW), visit.ends_at.astimezone(MOSCOW)
        assert today - timedelta(days=21) <= start.date() <= today + timedelta(days=20)
        assert start.isoweekday() <= 6 and start.date() == end.date()
        assert time(9) <= start.time() and end.time() <= time(20)
        assert start.minute % 5 == 0 and start.second == 0
        if visit.ends_at <= started:
            assert visit.status in ("done", "no_show", "cancelled")
        elif visit.starts_at > now:
            assert visit.status in ("scheduled", "cancelled")
    statuses = [v.status for v in visits]
    assert statuses.count("done") > statuses.count("no_show") > 0
    assert statuses.count("cancelled") > 0 and statuses.count("scheduled") > 0
    assert any(v.starts_at < now for v in visits) and any(v.starts_at > now for v in visits)

    for key in ("room_id", "doctor_id"):  # a room and a doctor hold one visit at a time
        held = defaultdict(list)
        for visit in visits:
            if visit.status != "cancelled":
                held[getattr(visit, key)].append((visit.starts_at, visit.ends_at))
        for spans in held.values():
            spans.sort()
            assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))

    lines = defaultdict(list)
    for line in _rows(container, tables.appointment_lines, clinic_id):
        lines[line.appointment_id].append(line)
    for visit in visits:  # price and length are the sum of the procedures booked
        booked = lines[visit.id]
        assert 1 <= len(booked) <= 3
        assert visit.price_minor == sum(line.price_minor for line in booked)
        assert visit.ends_at - visit.starts_at == timedelta(
            minutes=sum(line.duration_minutes for line in booked))


def test_seeding_an_email_that_has_an_account_is_refused_and_changes_nothing(run, container):
    first = run("demo", "seed", "--email", "Owner@Example.com", "--password", "s3cret pass",
                "--seed", "7")
    assert first.exit_code == 0, first.output
    assert _printed(first.output, "email") == "owner@example.com"
    assert container.sign_in()("owner@example.com", "s3cret pass").clinic_id is not None
    before = _counts(container)

    again = run("demo", "seed", "--email", "owner@example.com")
    assert again.exit_code == 2
    assert again.output.strip() == ("Error: owner@example.com already has an account; nothing "
                                    "was created (pass another --email)")
    assert _counts(container) == before


def test_a_too_short_password_is_one_line_and_nothing_is_made(run, container):
    result = run("demo", "seed", "--password", "short")
    assert result.exit_code == 2
    assert result.output.strip() == "Error: --password must have at least 8 characters"
    assert _counts(container)["clinics"] == 0


def test_an_unmigrated_database_is_pointed_at_clinic_db_upgrade(tmp_path):
    empty = make_container(make_settings(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path))
    context = Context()
    context._container = empty
    result = CliRunner().invoke(main, ["demo", "seed"], obj=context)
    empty.engine().dispose()
    assert result.exit_code == 1
    assert "run `clinic db upgrade` first" in result.output


def test_one_seed_makes_the_same_people_and_diary():
    now = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    minutes = dict.fromkeys(("consultation", "xray", "hygiene", "caries", "filling",
                             "root_canal", "extraction", "whitening", "anesthesia", "pulpitis",
                             "crown", "sealant"), 30)

    def made(seed: int):
        rng = random.Random(seed)
        return patients(rng, 50), plan_visits(rng, now.date(), now, minutes, 3, 4, 50)

    assert made(1) == made(1)
    assert made(1) != made(2)
