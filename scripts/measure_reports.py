"""Measure the report summary of one year for a busy 10-chair clinic on PostgreSQL.

Fills an empty PostgreSQL database (DATABASE_URL) fast: every clinic is made by the real sign-up
use case (its rooms, doctors and price list through the catalog use cases), then patients,
appointments and their procedure lines go in with batched Core inserts, in the order a real
table fills (by creation time, the clinics interleaved). The busy clinic: 10 rooms, 12 doctors,
5,000 patients and about 25,000 appointments in the past 12 months (1-3 procedures each; mostly
done, ~5% cancelled, ~5% no-shows) plus four weeks ahead, mostly scheduled. Each room's day is
two shifts with a doctor each, no doctor in two rooms at once, no two visits overlapping in a
room (the exclusion constraint checks it). `--other-clinics` smaller clinics share the tables.

Then it times `container.report_queries().summary(scope, "RUB")` in this process (warm-up, then
`--runs` calls), checks the figures against a plain computation over the generated rows, keeps
`EXPLAIN (ANALYZE, BUFFERS)` of the statements it sent, and times over HTTP, behind
`clinic serve` (gunicorn, 2 workers) on loopback: `GET /api/v1/reports/summary` with an API
token (the app's Server-Timing header) and, if the page exists, the CSV download of the year
(wall time to the last byte: a streamed body outlives the Server-Timing measurement).

    psql -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS bench_reports WITH (FORCE)"
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE bench_reports"
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports \\
        .venv/bin/python scripts/measure_reports.py [--runs 30] [--other-clinics 20] [--explain]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))
from measure_auth import BIN, ROOT, Client, free_port, wait_until_up
from sqlalchemy import Engine, event, func, make_url, select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand, StarterKit
from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.phones import parse_phone
from clinic.application.reporting.queries import ReportScope
from clinic.config import load_settings
from clinic.container import Container, build_container
from clinic.domain.licensing import FREE_CHAIRS
from clinic.domain.patients import Patient
from clinic.domain.reporting import Period, Preset, preset_period
from clinic.domain.scheduling import AppointmentStatus
from clinic.entrypoints.cli import demo_data as data
from clinic.entrypoints.cli.demo import pay_in_test_mode

ZONE = ZoneInfo("Europe/Moscow")
PASSWORD = "correct horse battery"  # noqa: S105 - a throwaway benchmark clinic
BATCH = 2_000
DAYS_BACK, DAYS_AHEAD = 365, 28
SHIFTS = ((clock_time(8), clock_time(14)), (clock_time(14), clock_time(20)))  # 08:00-20:00
WORKING_DAYS = (1, 2, 3, 4, 5, 6)  # the sign-up default: Monday to Saturday
GAPS = (0, 0, 0, 0, 5, 10, 15, 30)  # minutes between two visits in a room
WARMUP, HTTP_WARMUP, CSV_RUNS = 5, 5, 5


# --- the clinics ---------------------------------------------------------------------------------

@dataclass
class ClinicPlan:
    """One clinic as made by the use cases, and what to generate for it."""

    clinic_id: uuid.UUID
    owner_id: uuid.UUID
    email: str
    rooms: list[uuid.UUID]
    doctors: list[uuid.UUID]
    catalog: dict[str, tuple[uuid.UUID, str, int, int]]  # key -> id, name, price, minutes
    patients: list[uuid.UUID] = field(default_factory=list)


def make_clinic(container: Container, name: str, email: str, rooms: int, doctors: int,
                doctor_names: list[str]) -> ClinicPlan:
    """Sign-up (the first room, the owner as the first doctor, the starter price list), then
    the other rooms, doctors and procedures through the catalog use cases."""
    signed_in = container.sign_up()(SignUpCommand(
        name, data.OWNER_NAME, email, PASSWORD, locale="ru", timezone="Europe/Moscow",
        treats_patients=True, starter=StarterKit("Кабинет 1", data.STARTER_NAMES)))
    clinic_id = signed_in.clinic_id
    assert clinic_id is not None
    pay_in_test_mode(container, clinic_id, signed_in.user_id, max(rooms - FREE_CHAIRS, 0), 0)
    for number in range(2, rooms + 1):
        container.save_room()(clinic_id, signed_in.user_id, RoomFields(f"Кабинет {number}"))
    for doctor in doctor_names[:doctors - 1]:
        container.save_doctor()(clinic_id, signed_in.user_id, DoctorFields(doctor))
    for _key, procedure, price, minutes in data.EXTRA_PROCEDURES:
        container.save_procedure()(clinic_id, signed_in.user_id,
                                   ProcedureFields(procedure, price, minutes))
    names = {**data.STARTER_NAMES, **{key: title for key, title, *_ in data.EXTRA_PROCEDURES}}
    with container.uow(clinic_id) as uow:
        room_ids = [room.id for room in uow.rooms.list()]
        doctor_ids = [doctor.id for doctor in uow.doctors.list()]
        by_name = {p.name: p for p in uow.procedures.list()}
    catalog = {key: (by_name[title].id, title, by_name[title].price_minor,
                     by_name[title].duration_minutes) for key, title in names.items()}
    assert len(room_ids) == rooms and len(doctor_ids) == doctors, (room_ids, doctor_ids)
    return ClinicPlan(clinic_id, signed_in.user_id, email, room_ids, doctor_ids, catalog)


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def patient_rows(plan: ClinicPlan, count: int, now: datetime,
                 rng: random.Random) -> list[dict[str, Any]]:
    """Cards built by the app's own Patient.register and parse_phone, made over two years."""
    rows = []
    for person in data.patients(rng, count):
        created = now - timedelta(days=rng.randrange(30, 730), minutes=rng.randrange(600))
        patient = Patient.register(plan.clinic_id, person.name, parse_phone(person.phone, "RU"),
                                   created, person.email or None, person.note)
        patient.id = new_uuid(rng)
        plan.patients.append(patient.id)
        rows.append({"id": patient.id, "clinic_id": plan.clinic_id, "name": patient.name,
                     "phone": patient.phone, "email": patient.email, "note": patient.note,
                     "name_folded": patient.name_folded, "phone_digits": patient.phone_digits,
                     "created_at": patient.created_at})
    return rows


# --- the diary -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    room: uuid.UUID
    doctor: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    kind: tuple[str, ...]


def slots(plan: ClinicPlan, today: date, rng: random.Random) -> Iterator[Slot]:
    """Every room's shifts filled back to back (short gaps) from DAYS_BACK days ago to
    DAYS_AHEAD days ahead; a doctor works one room per shift, so no one is in two places."""
    kinds = [kind for kind, _ in data.VISITS]
    weights = [weight for _, weight in data.VISITS]
    minutes = {key: item[3] for key, item in plan.catalog.items()}
    lengths = [timedelta(minutes=sum(minutes[key] for key in kind)) for kind in kinds]
    for offset in range(-DAYS_BACK, DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        if day.isoweekday() not in WORKING_DAYS:
            continue
        for begins, ends in SHIFTS:
            shift_end = datetime.combine(day, ends, ZONE)
            on_duty = rng.sample(plan.doctors, min(len(plan.doctors), len(plan.rooms)))
            for room, doctor in zip(plan.rooms, on_duty, strict=False):
                cursor = datetime.combine(day, begins, ZONE)
                while True:
                    cursor += timedelta(minutes=rng.choice(GAPS))
                    fitting = [i for i, length in enumerate(lengths)
                               if cursor + length <= shift_end]
                    if not fitting:
                        break
                    i = rng.choices(fitting, [weights[i] for i in fitting])[0]
                    yield Slot(room, doctor, cursor, cursor + lengths[i], kinds[i])
                    cursor += lengths[i]


def status_of(slot: Slot, now: datetime, rng: random.Random) -> AppointmentStatus:
    if slot.ends_at <= now:
        return rng.choices([AppointmentStatus.DONE, AppointmentStatus.CANCELLED,
                            AppointmentStatus.NO_SHOW], [90, 5, 5])[0]
    if slot.starts_at <= now:
        return AppointmentStatus.SCHEDULED  # in the chair right now
    return rng.choices([AppointmentStatus.SCHEDULED, AppointmentStatus.CANCELLED], [95, 5])[0]


def diary(plan: ClinicPlan, past_target: int | None, fill: float, today: date, now: datetime,
          rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The clinic's appointments and their lines. With `past_target`, the share of slots kept
    is chosen so that about that many appointments start in the past DAYS_BACK days; the weeks
    ahead thin out the further they are, as real diaries do."""
    candidates = list(slots(plan, today, rng))
    if past_target is not None:
        past = sum(1 for s in candidates if s.starts_at <= now)
        fill = min(1.0, past_target / max(past, 1))
    appointments, lines = [], []
    for slot in candidates:
        ahead = (slot.starts_at.date() - today).days
        keep = fill if ahead <= 0 else fill * max(0.3, 1 - ahead / (DAYS_AHEAD * 1.5))
        if rng.random() >= keep:
            continue
        status = status_of(slot, now, rng)
        starts_at = slot.starts_at.astimezone(UTC)
        ends_at = slot.ends_at.astimezone(UTC)
        created = min(now, starts_at - timedelta(days=rng.randrange(0, 21),
                                                 hours=rng.randrange(1, 9)))
        updated = None
        if status is AppointmentStatus.CANCELLED:
            updated = max(created, min(now, starts_at - timedelta(hours=rng.randrange(2, 48))))
        elif status is not AppointmentStatus.SCHEDULED:
            updated = min(now, ends_at + timedelta(minutes=rng.randrange(1, 30)))
        items = [plan.catalog[key] for key in slot.kind]
        price = sum(item[2] for item in items)
        if rng.random() < 0.05:  # a discount: the report counts the price kept on the visit
            price = price * 9 // 10 // 100 * 100
        appointment_id = new_uuid(rng)
        appointments.append({
            "id": appointment_id, "clinic_id": plan.clinic_id,
            "patient_id": rng.choice(plan.patients), "room_id": slot.room,
            "doctor_id": slot.doctor, "starts_at": starts_at, "ends_at": ends_at,
            "status": status, "price_minor": price, "currency": "RUB",
            "note": rng.choice(data.VISIT_NOTES) if rng.random() < 0.07 else None,
            "doctor_overlap_confirmed": False, "created_at": created,
            "created_by": plan.owner_id, "updated_at": updated,
            "updated_by": plan.owner_id if updated else None})
        lines.extend({"id": new_uuid(rng), "clinic_id": plan.clinic_id,
                      "appointment_id": appointment_id, "procedure_id": item[0],
                      "name": item[1], "price_minor": item[2], "duration_minutes": item[3],
                      "position": position} for position, item in enumerate(items))
    return appointments, lines


def insert_batches(engine: Engine, table: Any, rows: list[dict[str, Any]],
                   children: dict[uuid.UUID, list[dict[str, Any]]] | None = None,
                   child_table: Any = None) -> None:
    """BATCH rows per statement and transaction; `children` (lines by appointment id) go in
    the same transaction as their parents."""
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        with engine.begin() as conn:
            conn.execute(table.insert(), chunk)
            if children is not None:
                kids = [kid for row in chunk for kid in children.get(row["id"], ())]
                if kids:
                    conn.execute(child_table.insert(), kids)
        progress(f"inserting {table.name}", start + len(chunk), len(rows))


def progress(message: str, done: int, total: int) -> None:
    if sys.stdout.isatty():
        end = "\n" if done >= total else ""
        print(f"\r  {message}: {done:,}/{total:,}", end=end, flush=True)
    elif done >= total:
        print(f"  {message}: {total:,}", flush=True)


# --- measuring -----------------------------------------------------------------------------------

class StatementLog:
    """Every SQL statement the engine runs (and its parameters), to count and EXPLAIN them."""

    def __init__(self, engine: Engine) -> None:
        self.log: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any,
                executemany: bool) -> None:
        self.log.append((statement, params))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def stats(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values), 2), "p95_ms": round(p95(values), 2),
            "min_ms": round(min(values), 2), "max_ms": round(max(values), 2),
            "runs": len(values)}


def time_calls(call: Callable[[], Any], runs: int, warmup: int = WARMUP) -> list[float]:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def expected_figures(appointments: list[dict[str, Any]], clinic_id: uuid.UUID, start: datetime,
                     end: datetime, now: datetime) -> dict[str, int]:
    """The counting rules in plain Python over the generated rows."""
    out = {"appointments_count": 0, "revenue_minor": 0, "planned_count": 0, "planned_minor": 0,
           "not_counted_count": 0}
    for row in appointments:
        if row["clinic_id"] != clinic_id or not start <= row["starts_at"] < end:
            continue
        if row["status"] in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
            out["not_counted_count"] += 1
        elif row["starts_at"] <= now:
            out["appointments_count"] += 1
            out["revenue_minor"] += row["price_minor"]
        else:
            out["planned_count"] += 1
            out["planned_minor"] += row["price_minor"]
    return out


def explain(engine: Engine, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    plans = []
    with engine.connect() as conn:
        for statement, params in statements:
            lines = [row[0] for row in conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
            plans.append({"sql": " ".join(statement.split()), "plan": lines})
    return plans


def http_get(base: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes,
                                                                       float]:
    request = urllib.request.Request(base + path, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            status, answer = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        body, status, answer = error.read(), error.code, dict(error.headers)
    return status, answer, body, (time.perf_counter() - started) * 1000


def server_ms(headers: dict[str, str]) -> float:
    timing = headers.get("Server-Timing", "")
    return float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")


def worker_rss_mb(pid: int) -> list[float]:
    """The resident memory of the gunicorn workers (the server process's children)."""
    sizes = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return sizes
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(round(int(line.split()[1]) / 1024, 1))
    return sizes


def measure_http(env: dict[str, str], token: str, email: str, first: date, last: date,
                 runs: int, expected: dict[str, Any]) -> dict[str, Any]:
    port = free_port()
    log_path = Path(env["CLINIC_INSTANCE_DIR"]) / "server.log"
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {}
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "clinic"), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(base)
            results["api_summary"] = measure_api(base, token, first, last, runs, expected)
            results["csv_download"] = measure_csv(base, email, first, last)
            results["worker_rss_mb_after"] = worker_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=20)
    return results


def measure_api(base: str, token: str, first: date, last: date, runs: int,
                expected: dict[str, Any]) -> dict[str, Any]:
    query = urllib.parse.urlencode({"from": first.isoformat(), "to": last.isoformat()})
    path = f"/api/v1/reports/summary?{query}"
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    status, _headers, body, _wall = http_get(base, path, auth)
    if status != 200:
        print(f"  note: {path} answered {status}: the API summary not timed")
        return {"skipped": f"{path} answered {status}: {body[:200]!r}"}
    answer = json.loads(body)
    for _ in range(HTTP_WARMUP):
        http_get(base, path, auth)
    server, wall = [], []
    for _ in range(runs):
        status, headers, body, elapsed = http_get(base, path, auth)
        assert status == 200, (status, body[:300])
        server.append(server_ms(headers))
        wall.append(elapsed)
    return {"path": path, "server": stats(server), "wall": stats(wall), "bytes": len(body),
            "appointments_count": answer.get("appointments_count"),
            "revenue": answer.get("revenue"),
            "agrees_with_in_process": answer.get("appointments_count")
            == expected["appointments_count"]}


def measure_csv(base: str, email: str, first: date, last: date) -> dict[str, Any]:
    """The year's CSV through the page's download route, as a signed-in owner."""
    client = Client(base)
    status, _, _ = client.post("/signin", {"csrf_token": client.csrf("/signin"),
                                           "email": email, "password": PASSWORD})
    if status != 302:
        return {"skipped": f"signing in answered {status}"}
    query = urllib.parse.urlencode({"period": "custom", "from": first.isoformat(),
                                    "to": last.isoformat()})
    path = f"/reports/download.csv?{query}"

    def fetch() -> tuple[int, dict[str, str], bytes, float]:
        started = time.perf_counter()
        try:
            response = client.get(path)
            body, status, headers = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            body, status, headers = error.read(), error.code, dict(error.headers)
        return status, headers, body, (time.perf_counter() - started) * 1000

    try:
        status, headers, body, _ = fetch()
    except (OSError, http.client.HTTPException) as error:  # the body broke off half-way
        print(f"  note: {path} failed: {error!r} (see the server log): CSV not timed")
        return {"skipped": f"{path} failed: {error!r}"}
    if status == 404:
        print(f"  note: {path} answered 404 (the download is not there yet): CSV not timed")
        return {"skipped": f"{path} answered 404"}
    if status != 200:
        return {"skipped": f"{path} answered {status}: {body[:200]!r}"}
    wall, server = [], []
    for _ in range(CSV_RUNS):
        status, headers, body, elapsed = fetch()
        assert status == 200, status
        wall.append(elapsed)
        server.append(server_ms(headers))
    text = body.decode("utf-8-sig")
    return {"path": path, "wall_to_last_byte": stats(wall),
            "server_timing_header": stats(server), "bytes": len(body),
            "lines": text.count("\n"), "content_type": headers.get("Content-Type"),
            "bom": body.startswith(b"\xef\xbb\xbf")}


# --- main ----------------------------------------------------------------------------------------

def refuse_unless_empty(container: Container) -> None:
    with container.engine().connect() as conn:
        clinics = conn.execute(select(func.count()).select_from(tables.clinics)).scalar_one()
    if clinics:
        url = make_url(container.settings().database_url)
        raise SystemExit(
            f"{url.render_as_string(hide_password=True)} already holds {clinics} clinics: "
            f"drop and re-create it (psql -c \"DROP DATABASE {url.database} WITH (FORCE)\" -c "
            f"\"CREATE DATABASE {url.database}\")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--appointments", type=int, default=25_000,
                        help="in the busy clinic's past 12 months (about)")
    parser.add_argument("--other-clinics", type=int, default=20,
                        help="smaller clinics (1-3 rooms) sharing the tables; 0 for none")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of the summary's statements")
    parser.add_argument("--no-http", action="store_true", help="time in-process only")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to an empty PostgreSQL database, e.g. "
                         "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports")
    instance = Path(tempfile.mkdtemp(prefix="chairside-reports-"))
    os.environ.update(CLINIC_INSTANCE_DIR=str(instance), RATELIMIT_ENABLED="0",
                      SECRET_KEY="bench")  # noqa: S106 - a throwaway server
    os.environ.pop("REDIS_URL", None)
    rng = random.Random(args.seed)
    started = time.perf_counter()

    container = build_container(load_settings(instance_dir=instance))
    container.migrate_database()
    refuse_unless_empty(container)
    engine = container.engine()
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.astimezone(ZONE).date()
    run = os.urandom(3).hex()
    doctor_names = [person.name for person in data.patients(random.Random(args.seed + 7), 40)]
    busy = make_clinic(container, "Стоматология «Улыбка» (10 кресел)",
                       f"owner-{run}@example.com", 10, 12,
                       [*data.DOCTOR_NAMES, *doctor_names])
    others = []
    for i in range(args.other_clinics):
        rooms = rng.choice((1, 1, 2, 2, 3))
        others.append(make_clinic(container, f"Стоматология №{i + 1}",
                                  f"other{i}-{run}@example.com", rooms,
                                  rooms + rng.choice((0, 0, 1)),
                                  rng.sample(doctor_names, 4)))
    made = time.perf_counter()
    print(f"{1 + len(others)} clinics signed up in {made - started:.1f} s")

    patients = patient_rows(busy, args.patients, now, rng)
    for other in others:
        patients += patient_rows(other, rng.randrange(200, 900), now, rng)
    patients.sort(key=lambda row: row["created_at"])
    appointments, lines = diary(busy, args.appointments, 1.0, today, now, rng)
    busy_count = len(appointments)
    for other in others:
        more, more_lines = diary(other, None, rng.uniform(0.3, 0.7), today, now, rng)
        appointments += more
        lines += more_lines
    appointments.sort(key=lambda row: row["created_at"])
    by_appointment: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for line in lines:
        by_appointment.setdefault(line["appointment_id"], []).append(line)
    generated = time.perf_counter()
    print(f"generated {len(patients):,} patients, {len(appointments):,} appointments "
          f"({busy_count:,} in the busy clinic), {len(lines):,} lines in "
          f"{generated - made:.1f} s")

    insert_batches(engine, tables.patients, patients)
    insert_batches(engine, tables.appointments, appointments, by_appointment,
                   tables.appointment_lines)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        server_version = conn.exec_driver_sql("SHOW server_version").scalar()
    loaded = time.perf_counter()
    print(f"inserted and analysed in {loaded - generated:.1f} s "
          f"(seeding took {loaded - started:.1f} s in all); PostgreSQL {server_version}")

    if not hasattr(container, "report_queries"):
        container.engine().dispose()
        raise SystemExit("the container has no report_queries() yet: seeded, nothing timed")
    # Scopes: the past 12 months (the headline), this calendar year (with weeks ahead planned),
    # and the year for one doctor and for one room.
    last_12 = Period(today - timedelta(days=DAYS_BACK - 1), today)
    scopes = {
        "past_12_months": ReportScope(busy.clinic_id, last_12, ZONE, now),
        "this_year": ReportScope(busy.clinic_id, preset_period(Preset.THIS_YEAR, today), ZONE,
                                 now),
        "past_12_months_one_doctor": ReportScope(busy.clinic_id, last_12, ZONE, now,
                                                 doctor_id=busy.doctors[1]),
        "past_12_months_one_room": ReportScope(busy.clinic_id, last_12, ZONE, now,
                                               room_id=busy.rooms[1]),
    }
    queries = container.report_queries()
    statements = StatementLog(engine)
    in_process: dict[str, Any] = {}
    plans: dict[str, Any] = {}
    for name, scope in scopes.items():
        statements.log.clear()
        summary = queries.summary(scope, "RUB")
        sent = list(statements.log)
        times = time_calls(lambda scope=scope: queries.summary(scope, "RUB"), args.runs)
        figures = {key: getattr(summary, key) for key in (
            "appointments_count", "revenue_minor", "average_minor", "planned_count",
            "planned_minor", "not_counted_count")}
        in_process[name] = {
            "period": [scope.period.first.isoformat(), scope.period.last.isoformat()],
            **stats(times), "sql_statements": len(sent), "figures": figures,
            "bars": len(summary.bars), "by_doctor": len(summary.by_doctor),
            "by_room": len(summary.by_room)}
        if scope.doctor_id is None and scope.room_id is None:
            want = expected_figures(appointments, busy.clinic_id, scope.start, scope.end, now)
            got = {key: figures[key] for key in want}
            in_process[name]["agrees_with_python"] = got == want
            if got != want:
                in_process[name]["expected"] = want
        if name == "past_12_months":
            statements.log.clear()
            plans[name] = explain(engine, sent)
    event.remove(engine, "before_cursor_execute", statements._before)

    http: dict[str, Any] = {}
    if not args.no_http:
        token = container.create_operator_token()(busy.clinic_id, "bench").secret
        env = {**os.environ}
        http = measure_http(env, token, busy.email, last_12.first, last_12.last, args.runs,
                            in_process["past_12_months"]["figures"])
    engine.dispose()

    with container.engine().connect() as conn:
        table_rows = {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                      for name, table in (("clinics", tables.clinics),
                                          ("patients", tables.patients),
                                          ("appointments", tables.appointments),
                                          ("appointment_lines", tables.appointment_lines))}
    container.engine().dispose()
    url = make_url(database_url)
    result = {
        "database": f"PostgreSQL {server_version} {url.host}:{url.port}/{url.database}",
        "today": today.isoformat(), "now": now.isoformat(),
        "busy_clinic": {"rooms": len(busy.rooms), "doctors": len(busy.doctors),
                        "patients": len(busy.patients), "appointments": busy_count,
                        "appointments_past_12_months": sum(
                            1 for row in appointments if row["clinic_id"] == busy.clinic_id
                            and row["starts_at"] <= now)},
        "other_clinics": len(others), "table_rows": table_rows,
        "seeding_seconds": {"sign_up": round(made - started, 1),
                            "generate": round(generated - made, 1),
                            "insert_and_analyse": round(loaded - generated, 1)},
        "runs": args.runs, "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "in_process": in_process, "http": http, "explain": plans,
    }
    out = ROOT / "bench" / "results" / "reports.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    report(result, args.explain)
    print(f"written to {out.relative_to(ROOT)}")


def report(result: dict[str, Any], show_plans: bool) -> None:
    busy = result["busy_clinic"]
    rows = result["table_rows"]
    print(f"\n{result['database']}; busy clinic: {busy['rooms']} rooms, {busy['doctors']} "
          f"doctors, {busy['patients']:,} patients, {busy['appointments']:,} appointments "
          f"({busy['appointments_past_12_months']:,} started in the past 12 months); "
          f"table: {rows['appointments']:,} appointments of {rows['clinics']} clinics; "
          f"load average {result['load_average_after']} (a shared machine: compare runs made "
          f"one after the other)")
    print(f"{'summary (in process)':<28}{'period':>24}{'median':>10}{'p95':>10}{'SQL':>5}"
          f"{'counted':>9}{'revenue':>16}  check")
    for name, r in result["in_process"].items():
        figures = r["figures"]
        check = {True: "= python", False: "DIFFERS", None: ""}[r.get("agrees_with_python")]
        print(f"{name:<28}{' .. '.join(r['period']):>24}{r['median_ms']:>7.1f} ms"
              f"{r['p95_ms']:>7.1f} ms{r['sql_statements']:>5}{figures['appointments_count']:>9,}"
              f"{figures['revenue_minor'] / 100:>16,.2f}  {check}")
    http = result["http"]
    if http:
        print(f"{'over HTTP (gunicorn, 2 workers)':<34}{'server median':>14}{'p95':>10}"
              f"{'wall median':>13}{'p95':>10}")
        api = http["api_summary"]
        if "skipped" in api:
            print(f"GET /api/v1/reports/summary: skipped ({api['skipped']})")
        else:
            print(f"{'GET /api/v1/reports/summary':<34}{api['server']['median_ms']:>11.1f} ms"
                  f"{api['server']['p95_ms']:>7.1f} ms{api['wall']['median_ms']:>10.1f} ms"
                  f"{api['wall']['p95_ms']:>7.1f} ms")
        csv = http["csv_download"]
        if "skipped" in csv:
            print(f"GET /reports/download.csv: skipped ({csv['skipped']})")
        else:
            print(f"{'GET /reports/download.csv (year)':<34}"
                  f"{csv['server_timing_header']['median_ms']:>11.1f} ms"
                  f"{csv['server_timing_header']['p95_ms']:>7.1f} ms"
                  f"{csv['wall_to_last_byte']['median_ms']:>10.1f} ms"
                  f"{csv['wall_to_last_byte']['p95_ms']:>7.1f} ms"
                  f"  {csv['bytes']:,} B, {csv['lines']:,} lines")
        print(f"gunicorn workers' RSS after: {http.get('worker_rss_mb_after')} MB")
    if show_plans:
        for name, plans in result["explain"].items():
            for plan in plans:
                print(f"\n-- {name}: {plan['sql'][:300]}")
                print("\n".join(plan["plan"]))


if __name__ == "__main__":
    main()
