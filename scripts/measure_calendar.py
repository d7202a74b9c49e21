"""Measure the server time of the week page of one room with a full week (about 60 visits).

Seeds a clinic through the app's own use cases (SQLite in a temporary folder, or DATABASE_URL
pointing at an empty database), serves it with gunicorn on loopback, signs in and asks for the
week page repeatedly, reading the app's Server-Timing header.

    .venv/bin/python scripts/measure_calendar.py [--runs 50]
"""

from __future__ import annotations

import argparse
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
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.config import load_settings
from clinic.container import build_container


def seed(instance: Path, email: str) -> int:
    """One clinic, one room, 40 patients and a full week of 30-60 minute visits."""
    container = build_container(load_settings(instance_dir=instance))
    container.migrate_database()
    signed_in = container.sign_up()(SignUpCommand(
        "Bench clinic", "Anna", email, "correct horse", "ru", "Europe/Moscow"))
    clinic_id = signed_in.clinic_id
    patients = [container.save_patient()(clinic_id, PatientFields(
        f"Пациент {i}", f"+7916{1000000 + i}")).id for i in range(40)]
    with container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
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
                patients[booked % len(patients)], room.id, doctor.id, moment, picked))
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
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        client = Client(base)
        client.post("/signin", {"csrf_token": client.csrf("/signin"), "email": email,
                                "password": "correct horse"})
        times, sizes = [], []
        for i in range(args.runs + 5):
            started = time.perf_counter()
            response = client.get("/calendar", gzip=True)
            body = response.read()
            wall = (time.perf_counter() - started) * 1000
            server_ms = float(response.headers["Server-Timing"].split("dur=")[1])
            if i >= 5:  # warm-up
                times.append((server_ms, wall))
                sizes.append(len(body))
    finally:
        server.terminate()
        server.wait(timeout=10)
    server_times = sorted(t for t, _ in times)
    wall_times = sorted(w for _, w in times)
    p95 = lambda values: values[min(len(values) - 1, int(len(values) * 0.95))]  # noqa: E731
    result = {"visits_in_week": visits, "runs": args.runs,
              "server_median_ms": statistics.median(server_times),
              "server_p95_ms": p95(server_times), "wall_median_ms": statistics.median(wall_times),
              "wall_p95_ms": p95(wall_times), "html_gzip_bytes": sizes[-1],
              "database": os.environ.get("DATABASE_URL", "sqlite (embedded)").split("@")[-1]}
    out = ROOT / "bench" / "results" / "calendar.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"week page of one room with {visits} visits, {args.runs} runs, {result['database']}")
    print(f"server median {result['server_median_ms']:.1f} ms, p95 {result['server_p95_ms']:.1f}"
          f" ms; wall median {result['wall_median_ms']:.1f} ms; HTML {sizes[-1]} B gzip")


if __name__ == "__main__":
    main()
