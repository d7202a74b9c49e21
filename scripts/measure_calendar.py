"""Measure the server time of the week page of one room with a full week (about 60 visits), and
of the day view of 10 rooms with a full day in each.

Seeds a clinic through the app's own use cases (SQLite in a temporary folder, or DATABASE_URL
pointing at an empty database), serves it with gunicorn on loopback, signs in and asks for the
week page repeatedly, reading the app's Server-Timing header.

    .venv/bin/python scripts/measure_calendar.py [--runs 50]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))
from measure_auth import BIN, ROOT, Client, free_port, wait_until_up

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.config import load_settings
from clinic.container import build_container
from clinic.entrypoints.cli.demo import pay_in_test_mode


def seed(instance: Path, email: str) -> int:
    """One clinic, 10 rooms, 40 patients; a full week of visits in the first room and a full
    day (today) in the nine others."""
    container = build_container(load_settings(instance_dir=instance))
    container.migrate_database()
    signed_in = container.sign_up()(SignUpCommand(
        "Bench clinic", "Anna", email, "correct horse", "ru", "Europe/Moscow"))
    clinic_id = signed_in.clinic_id
    patients = [container.save_patient()(clinic_id, signed_in.user_id, PatientFields(
        f"Пациент {i}", f"+7916{1000000 + i}")).id for i in range(40)]
    pay_in_test_mode(container, clinic_id, signed_in.user_id, 8, 0)  # chairs 3 to 10
    for number in range(2, 11):
        container.save_room()(clinic_id, signed_in.user_id, RoomFields(f"Кабинет {number}"))
    with container.uow(clinic_id) as uow:
        room = next(r for r in uow.rooms.list() if r.name == "Room 1")
        others = [r for r in uow.rooms.list() if r.id != room.id]
        doctor = uow.doctors.list()[0]
        procedures = [p.id for p in uow.procedures.list()]
    zone = ZoneInfo("Europe/Moscow")
    today = datetime.now(UTC).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    booked = 0
    for day in range(6):
        moment = datetime.combine(monday + timedelta(days=day), datetime.min.time(), zone)
        moment += timedelta(hours=8)
        while booked < 60 and moment.hour < 19:
            picked = [procedures[booked % len(procedures)]]
            appointment = container.book_appointment()(clinic_id, BookingRequest(
                patients[booked % len(patients)], room.id, doctor.id, moment, picked,
                confirm_outside_hours=True, booked_by=signed_in.user_id))
            moment = appointment.ends_at.astimezone(zone)
            booked += 1
    for other in others:
        moment = datetime.combine(today, datetime.min.time(), zone) + timedelta(hours=8)
        while moment.hour < 19:
            appointment = container.book_appointment()(clinic_id, BookingRequest(
                patients[booked % len(patients)], other.id, doctor.id, moment,
                [procedures[booked % len(procedures)]], confirm_doctor_overlap=True,
                confirm_outside_hours=True, booked_by=signed_in.user_id))
            moment = appointment.ends_at.astimezone(zone)
            booked += 1
    container.engine().dispose()
    return booked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="chairside-calendar-"))
    os.environ.update(CLINIC_INSTANCE_DIR=str(instance), RATELIMIT_ENABLED="0",
                      SECRET_KEY="bench")  # noqa: S106 - a throwaway server
    email = f"bench-{os.urandom(3).hex()}@example.com"
    visits = seed(instance, email)
    port = free_port()
    os.environ["BASE_URL"] = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        client = Client(base)
        client.post("/signin", {"csrf_token": client.csrf("/signin"), "email": email,
                                "password": "correct horse"})
        results = {name: time_page(client, path, args.runs) for name, path in (
            ("week_one_room", "/calendar?view=week"), ("day_ten_rooms", "/calendar?view=day"))}
    finally:
        server.terminate()
        server.wait(timeout=10)
    result = {"visits": visits, "runs": args.runs, **results,
              "database": os.environ.get("DATABASE_URL", "sqlite (embedded)").split("@")[-1]}
    out = ROOT / "bench" / "results" / "calendar.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"{visits} visits; {args.runs} runs per page; {result['database']}")
    for name, r in results.items():
        print(f"{name:<15} {r['appointments']:>3} drawn  server median {r['server_median_ms']:6.1f}"
              f" ms  p95 {r['server_p95_ms']:6.1f} ms  wall median {r['wall_median_ms']:6.1f} ms"
              f"  HTML {r['html_gzip_bytes']} B gzip")


def time_page(client: Client, path: str, runs: int) -> dict[str, float]:
    server_times, wall_times = [], []
    body = b""
    for i in range(runs + 5):
        started = time.perf_counter()
        response = client.get(path, gzip=True)
        body = response.read()
        wall = (time.perf_counter() - started) * 1000
        if i >= 5:  # warm-up
            server_times.append(float(response.headers["Server-Timing"].split("dur=")[1]))
            wall_times.append(wall)
    server_times.sort()
    wall_times.sort()
    html = gzip.decompress(body).decode()
    return {"server_median_ms": statistics.median(server_times),
            "server_p95_ms": server_times[min(len(server_times) - 1, int(runs * 0.95))],
            "wall_median_ms": statistics.median(wall_times), "html_gzip_bytes": len(body),
            "appointments": html.count("data-appointment-id")}


if __name__ == "__main__":
    main()
