"""`clinic demo seed`: a demo clinic full of realistic records, and how to sign in to it."""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import click

from clinic.application.accounts.clinic_settings import ClinicSettings
from clinic.application.accounts.sign_up import SignUpCommand, StarterKit
from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.queries import ProcedureView
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.phones import parse_phone
from clinic.container import Container
from clinic.domain.accounts import MIN_PASSWORD_LENGTH, Clinic, WorkingHours, normalize_email
from clinic.domain.availability import first_clash
from clinic.domain.licensing import FREE_CHAIRS
from clinic.domain.patients import Patient
from clinic.domain.pricing import PricedItem, quote
from clinic.domain.scheduling import (
    Appointment,
    AppointmentLine,
    AppointmentStatus,
    TimeRange,
    check_booking,
)
from clinic.domain.shared import ValidationFailed
from clinic.entrypoints.cli import demo_data as data
from clinic.entrypoints.cli.context import with_container

DEFAULT_EMAIL = "demo@chairside.local"
DEFAULT_PASSWORD = "see-the-calendar"  # noqa: S105 - printed for anyone to sign in with
DEFAULT_SEED = 2024
PATIENTS = 300
BATCH = 100


class Refused(click.ClickException):
    """Nothing was created; the reason is one line, and the exit code is 2 like bad usage."""

    exit_code = 2


@dataclass(frozen=True)
class DemoClinic:
    clinic_id: uuid.UUID
    email: str
    rooms: int
    doctors: int
    procedures: int
    patients: int
    appointments: int
    first_day: date
    last_day: date


@click.group()
def demo() -> None:
    """A demo clinic to look around in."""


@demo.command("seed")
@click.option("--email", default=DEFAULT_EMAIL, show_default=True,
              help="The demo owner's email (must not have an account yet).")
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
              help=f"The demo owner's password ({MIN_PASSWORD_LENGTH}+ characters).")
@click.option("--seed", "seed", default=DEFAULT_SEED, show_default=True, type=int,
              help="Random seed: the same seed makes the same people and diary.")
@with_container
def demo_seed(container: Container, email: str, password: str, seed: int) -> None:
    """Create a demo clinic (Moscow, roubles, Russian): 3 rooms, 4 doctors, a price list,
    300 patients and 6 weeks of appointments around today; then print how to sign in."""
    current, head = container.database_revision()
    if current != head:
        raise click.ClickException(f"the database is at revision {current or 'none'}, newest "
                                   f"{head}: run `clinic db upgrade` first")
    started = time.perf_counter()
    made = seed_demo_clinic(container, email, password, seed)
    click.echo(
        f"\nCreated the demo clinic {data.CLINIC_NAME} ({made.clinic_id}) in "
        f"{time.perf_counter() - started:.1f} s: {made.rooms} rooms, {made.doctors} doctors, "
        f"{made.procedures} procedures, {made.patients} patients, {made.appointments} "
        f"appointments from {made.first_day:%Y-%m-%d} to {made.last_day:%Y-%m-%d}.\n\n"
        f"Start the server (`make run`, or `clinic serve`) and open http://127.0.0.1:5000\n"
        f"  email:    {made.email}\n  password: {password}")


def seed_demo_clinic(container: Container, email: str, password: str,
                     seed: int = DEFAULT_SEED, patients: int = PATIENTS) -> DemoClinic:
    """Everything a working clinic has, made through the use cases; patients and appointments,
    being many, are checked here and written in batches by the bulk use cases."""
    rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    owner_id, clinic_id = _sign_up(container, email, password)
    clinic = container.update_clinic_settings()(clinic_id, owner_id, ClinicSettings(
        data.CLINIC_NAME, data.TIMEZONE, "RUB", "RU", "ru", list(data.WORKING_DAYS),
        f"{data.OPENS:%H:%M}", f"{data.CLOSES:%H:%M}"))
    extra_chairs = len(data.ROOM_NAMES) - FREE_CHAIRS
    paid = pay_in_test_mode(container, clinic_id, owner_id, extra_chairs, 0)
    for name in data.ROOM_NAMES[1:len(data.ROOM_NAMES) if paid else FREE_CHAIRS]:
        container.save_room()(clinic_id, owner_id, RoomFields(name))
    for name in data.DOCTOR_NAMES:  # each gets a palette colour no other doctor has
        container.save_doctor()(clinic_id, owner_id, DoctorFields(name))
    for _key, name, price, minutes in data.EXTRA_PROCEDURES:
        container.save_procedure()(clinic_id, owner_id, ProcedureFields(name, price, minutes))
    listed = container.catalog_queries()
    rooms = [room.id for room in listed.items(clinic_id, "rooms")]
    doctors = [doctor.id for doctor in listed.items(clinic_id, "doctors")]
    by_name = {procedure.name: procedure for procedure in listed.items(clinic_id, "procedures")
               if isinstance(procedure, ProcedureView)}
    names = {**data.STARTER_NAMES, **{key: name for key, name, *_ in data.EXTRA_PROCEDURES}}
    catalog = {key: by_name[name] for key, name in names.items()}
    now = container.clock().now()
    patient_ids = _add_patients(container, clinic_id, data.patients(rng, patients), now, rng)
    today = now.astimezone(ZoneInfo(clinic.timezone)).date()
    visits = data.plan_visits(rng, today, now, {k: p.duration_minutes for k, p in catalog.items()},
                              len(rooms), len(doctors), len(patient_ids))
    booked = _add_appointments(container, clinic, owner_id, visits, catalog,
                               (rooms, doctors, patient_ids), now, rng)
    days = list(data.working_days(today))
    return DemoClinic(clinic_id, normalize_email(email), len(rooms), len(doctors), len(catalog),
                      len(patient_ids), booked, days[0], days[-1])


def pay_in_test_mode(container: Container, clinic_id: uuid.UUID, owner_id: uuid.UUID,
                     chairs: int, seats: int) -> bool:
    """Pay for extra chairs and seats through the test-mode gateway (no real money), exactly as
    its checkout page would; False, paying nothing, when a real payment provider is set."""
    if not container.payment_gateway().test_mode:
        return False
    url = container.change_plan()(clinic_id, owner_id, chairs, seats, "/billing", "/billing")
    if url is not None:
        container.complete_test_checkout()(url.rsplit("/", 1)[1])
    return True


def _sign_up(container: Container, email: str, password: str) -> tuple[uuid.UUID, uuid.UUID]:
    try:
        signed_in = container.sign_up()(SignUpCommand(
            data.CLINIC_NAME, data.OWNER_NAME, email, password, locale="ru",
            timezone=data.TIMEZONE, treats_patients=True,
            starter=StarterKit(data.ROOM_NAMES[0], data.STARTER_NAMES)))
    except ValidationFailed as error:
        reasons = {
            "email_taken": f"{normalize_email(email)} already has an account; nothing was "
                           "created (pass another --email)",
            "email_invalid": f"--email {email!r} is not an email address",
            "required": "--email and --password must not be empty",
            "password_too_short": f"--password must have at least {MIN_PASSWORD_LENGTH} "
                                  "characters",
        }
        raise Refused(next((reasons[code] for code in error.errors.values() if code in reasons),
                           f"cannot sign up: {error}")) from None
    assert signed_in.clinic_id is not None
    return signed_in.user_id, signed_in.clinic_id


def _add_patients(container: Container, clinic_id: uuid.UUID, people: list[data.PersonData],
                  now: datetime, rng: random.Random) -> list[uuid.UUID]:
    """Cards made over the last two years; phones are distinct, so no duplicate to ask about."""
    ids: list[uuid.UUID] = []
    with click.progressbar(length=len(people), label="Patients    ") as bar:
        for first in range(0, len(people), BATCH):
            batch = []
            for person in people[first:first + BATCH]:
                created = now - timedelta(days=rng.randrange(30, 730),
                                          minutes=rng.randrange(600))
                batch.append(Patient.register(
                    clinic_id, person.name, parse_phone(person.phone, "RU"), created,
                    person.email, person.note))
            container.add_patients_in_bulk()(clinic_id, batch)
            ids += [patient.id for patient in batch]
            bar.update(len(people[first:first + BATCH]))
    return ids


def _add_appointments(container: Container, clinic: Clinic, owner_id: uuid.UUID,
                      visits: list[data.PlannedVisit], catalog: dict[str, ProcedureView],
                      parties: tuple[list[uuid.UUID], list[uuid.UUID], list[uuid.UUID]],
                      now: datetime, rng: random.Random) -> int:
    """One transaction a day; each visit is checked as a booking is (grid, working hours, room
    and doctor free) before it is written, so a planning mistake stops the seed."""
    rooms, doctors, patients = parties
    hours = clinic.hours
    taken: dict[uuid.UUID, list[TimeRange]] = defaultdict(list)
    by_day: dict[date, list[data.PlannedVisit]] = defaultdict(list)
    for visit in visits:
        by_day[visit.starts_at.date()].append(visit)
    with click.progressbar(length=len(visits), label="Appointments") as bar:
        for day_visits in by_day.values():
            day = []
            for visit in day_visits:
                appointment = _appointment(clinic, owner_id, visit, catalog, rooms[visit.room],
                                           doctors[visit.doctor], patients[visit.patient],
                                           now, rng)
                _check(appointment, hours, taken)
                day.append(appointment)
            container.add_appointments_in_bulk()(clinic.id, day)
            bar.update(len(day_visits))
    return len(visits)


def _appointment(clinic: Clinic, owner_id: uuid.UUID, visit: data.PlannedVisit,
                 catalog: dict[str, ProcedureView], room_id: uuid.UUID, doctor_id: uuid.UUID,
                 patient_id: uuid.UUID, now: datetime, rng: random.Random) -> Appointment:
    procedures = [catalog[key] for key in visit.procedures]
    check_booking(visit.starts_at, len(procedures), visit.note)
    total = quote([PricedItem(p.name, p.price_minor, p.duration_minutes) for p in procedures])
    starts_at = visit.starts_at.astimezone(UTC)
    created = min(now, starts_at - timedelta(days=rng.randrange(1, 15), hours=rng.randrange(9)))
    appointment = Appointment(
        clinic_id=clinic.id, patient_id=patient_id, room_id=room_id, doctor_id=doctor_id,
        starts_at=starts_at, ends_at=starts_at + total.duration, price_minor=total.price_minor,
        currency=clinic.currency, created_at=created, created_by=owner_id,
        note=visit.note or None,
        lines=[AppointmentLine(clinic.id, p.id, p.name, p.price_minor, p.duration_minutes,
                               position) for position, p in enumerate(procedures)])
    status = AppointmentStatus(visit.status)
    if status is AppointmentStatus.CANCELLED:
        appointment.change_status(status, max(created, min(now, starts_at - timedelta(hours=20))),
                                  owner_id)
    elif status is not AppointmentStatus.SCHEDULED:
        appointment.change_status(status, min(now, appointment.ends_at + timedelta(minutes=5)),
                                  owner_id)
    return appointment


def _check(appointment: Appointment, hours: WorkingHours,
           taken: dict[uuid.UUID, list[TimeRange]]) -> None:
    span = appointment.time
    if not hours.contains(span.start, span.end):
        raise RuntimeError(f"demo plan error: {span} is outside working hours")
    if not appointment.status.holds_time:
        return
    for holder in (appointment.room_id, appointment.doctor_id):
        if first_clash(span, taken[holder]) is not None:
            raise RuntimeError(f"demo plan error: {span} is double-booked")
        taken[holder].append(span)
