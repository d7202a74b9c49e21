"""A small stand-in for `bench.generate`: one busy clinic in the scratch PostgreSQL database
`chairside_bench_dev`, built through the app's own use cases, handed over as a `Dataset`.

Much smaller than the real "small" scale (hundreds of patients, not 50,000; a few thousand
visits, not 25,000 a year): it exists to develop and check the load runner, not to judge the
app. Nothing else uses this database.

    .venv/bin/python -m bench.dev_dataset            # builds it, writes bench-dataset-dev.json
"""

from __future__ import annotations

import importlib
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

from bench.dataset import Dataset

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASE = "chairside_bench_dev"
EMAIL = "owner@bench-dev.example.com"
PASSWORD = "correct horse battery"  # noqa: S105 - a throwaway local database
ZONE = ZoneInfo("Europe/Moscow")
FIRST = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Елена", "Дмитрий", "Наталья",
         "Алексей", "Татьяна", "Михаил"]
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
        "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов"]


def recreate(server_url: str, name: str) -> str:
    """Drop and create the database `name` on the server of `server_url`; its URL."""
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def build(server_url: str = SERVER_URL, patients: int = 600, past_days: int = 365,
          progress: Callable[[str], object] = print) -> Dataset:
    from clinic.adapters.sqlalchemy.migrate import upgrade
    from clinic.application.accounts.sign_up import SignUpCommand
    from clinic.application.catalog.doctors import DoctorFields
    from clinic.application.catalog.rooms import RoomFields
    from clinic.application.patients.save import PatientFields
    from clinic.application.scheduling.book import BookingRequest
    from clinic.config import load_settings
    from clinic.container import build_container

    # the tests' helper: a paid licence without going through the payment flow
    grant_licence = importlib.import_module("tests.licences").grant_licence

    started = time.perf_counter()
    rng = random.Random(7)  # noqa: S311 - made-up names
    url = recreate(server_url, DATABASE)
    upgrade(url)
    container = build_container(load_settings(  # PostgreSQL: the folder stays empty
        database_url=url, secret_key="bench-dev",  # noqa: S106
        instance_dir=Path(tempfile.gettempdir()) / "chairside-bench-dev"))
    signed_in = container.sign_up()(SignUpCommand(
        "Bench dev clinic", "Анна Владелец", EMAIL, PASSWORD, "ru", "Europe/Moscow"))
    clinic_id, user_id = signed_in.clinic_id, signed_in.user_id
    assert clinic_id is not None and user_id is not None
    grant_licence(container, clinic_id, chairs=8)
    for number in range(2, 11):
        container.save_room()(clinic_id, RoomFields(f"Кабинет {number}"))
    with container.uow(clinic_id) as uow:
        have = len(list(uow.doctors.list()))
    for number in range(have, 12):
        container.save_doctor()(clinic_id, DoctorFields(f"Доктор {number + 1}"))
    with container.uow(clinic_id) as uow:
        rooms = sorted(uow.rooms.list(), key=lambda r: (len(r.name), r.name))
        doctors = list(uow.doctors.list())
        procedures = list(uow.procedures.list())
    progress(f"clinic, {len(rooms)} rooms, {len(doctors)} doctors, {len(procedures)} procedures")
    patient_ids = []
    for i in range(patients):
        name = f"{rng.choice(LAST)} {rng.choice(FIRST)} {i}"
        patient_ids.append(container.save_patient()(clinic_id, PatientFields(
            name, f"+7916{1000000 + i * 37:07d}")).id)
    progress(f"{len(patient_ids)} patients")

    book = container.book_appointment()
    booked = 0

    def fill(day: date, room_index: int, limit: int, start_hour: int = 9) -> int:
        nonlocal booked
        moment = datetime.combine(day, datetime.min.time(), ZONE) + timedelta(hours=start_hour)
        made = 0
        while made < limit and moment.hour < 19:
            appointment = book(clinic_id, BookingRequest(
                patient_ids[booked % len(patient_ids)], rooms[room_index].id,
                doctors[room_index % len(doctors)].id, moment,
                [procedures[booked % len(procedures)].id], confirm_doctor_overlap=True,
                confirm_outside_hours=True))
            moment = appointment.ends_at.astimezone(ZONE)
            booked += 1
            made += 1
        return made

    today = datetime.now(UTC).astimezone(ZONE).date()
    busy_week = today - timedelta(days=today.weekday()) + timedelta(days=7)  # next Monday
    per_room = [0] * len(rooms)
    for day in range(6):  # Monday to Saturday, 10 visits per room and day (≈ 60 a room)
        for index in range(len(rooms)):
            per_room[index] += fill(busy_week + timedelta(days=day), index, 10)
    progress(f"busy week of {busy_week}: {sum(per_room)} visits ({per_room[0]} in room 1)")
    report_to = today - timedelta(days=1)
    report_from = report_to - timedelta(days=past_days - 1)
    past = 0
    visit_day = report_from
    while visit_day <= report_to:  # a thin past: 2 visits in each of 3 rooms per working day
        if visit_day.isoweekday() <= 6:
            for index in range(3):
                past += fill(visit_day, index, 2, start_hour=10 + index)
        visit_day += timedelta(days=1)
    progress(f"past year {report_from}..{report_to}: {past} visits")
    free_start = busy_week + timedelta(days=14)
    free_days = [(free_start + timedelta(days=d)).isoformat() for d in range(14)
                 if (free_start + timedelta(days=d)).isoweekday() <= 6]
    token = container.create_api_token()(clinic_id, "bench", created_by=user_id).secret
    container.engine().dispose()
    dataset = Dataset(
        scale="dev", database_url=url, clinic_id=str(clinic_id), owner_email=EMAIL,
        owner_password=PASSWORD, api_token=token, room_ids=[str(r.id) for r in rooms],
        doctor_ids=[str(d.id) for d in doctors], procedure_ids=[str(p.id) for p in procedures],
        patient_ids=[str(p) for p in patient_ids[:50]], busy_week=busy_week.isoformat(),
        busy_day=(busy_week + timedelta(days=2)).isoformat(), free_days=free_days,
        search_terms=["Иван", "Смир", "Петров Ольга", "916100", "Кузн", "Мор", "+7 916",
                      "Лебедев"],
        report_from=report_from.isoformat(), report_to=report_to.isoformat(),
        counts={"patients": len(patient_ids), "appointments": booked},
        seconds=round(time.perf_counter() - started, 1))
    return dataset


def main() -> None:
    dataset = build()
    out = Path("bench/results/bench-dataset-dev.json")
    dataset.save(out)
    print(f"written to {out} in {dataset.seconds} s")


if __name__ == "__main__":
    main()

