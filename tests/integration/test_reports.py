"""The report's SQL on SQLite and PostgreSQL against a plain Python count of the same visits:
totals, planned, breakdowns, the bars by local day and week, the list and the stream."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.reporting.queries import ReportScope
from clinic.application.scheduling.book import BookingRequest
from clinic.domain.reporting import Counted, Period, tally
from clinic.domain.scheduling import AppointmentStatus
from tests.acting import owner_of
from tests.integration.test_query_counts import count_statements

BERLIN = ZoneInfo("Europe/Berlin")  # summer time ends on 25 October 2026
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded(container):
    signed_in = container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "en", "Europe/Berlin"))
    clinic_id = signed_in.clinic_id
    container.save_room()(clinic_id, owner_of(container, clinic_id), RoomFields("Room 2"))
    container.save_doctor()(clinic_id, owner_of(container, clinic_id), DoctorFields("Boris", ""))
    patient = container.save_patient()(clinic_id, owner_of(container, clinic_id),
        PatientFields("Ivan", "+14155552671"))
    with container.uow(clinic_id) as uow:
        room_ids = [r.id for r in uow.rooms.list()]
        doctor_ids = [d.id for d in uow.doctors.list()]
        procedures = list(uow.procedures.list())
    rng = random.Random(7)
    made = []
    day = date(2026, 10, 1)
    while day <= date(2026, 11, 30):
        for room_id in room_ids:
            for hour in (0, 9, 13, 22):  # the edges of local days matter most
                if rng.random() < 0.6:
                    continue
                short = [p for p in procedures if p.duration_minutes <= 60]
                picked = [rng.choice(short)] if hour == 22 else rng.sample(procedures, 2)
                price = str(rng.randint(0, 500000) / 100) if rng.random() < 0.3 else None
                appointment = container.book_appointment()(clinic_id, BookingRequest(
                    patient.id, room_id, rng.choice(doctor_ids),
                    datetime.combine(day, time(hour, rng.choice((0, 5, 30))), BERLIN),
                    [p.id for p in picked], price=price, confirm_doctor_overlap=True,
                    confirm_outside_hours=True, booked_by=owner_of(container, clinic_id)))
                status = rng.choice(list(AppointmentStatus))
                if status is not AppointmentStatus.SCHEDULED:
                    container.change_appointment_status()(
                        clinic_id, owner_of(container, clinic_id), appointment.id, status)
                made.append((appointment, status))
        day += timedelta(days=1)
    return container, clinic_id, made


def _in(period: Period, when: datetime) -> bool:
    return period.first <= when.astimezone(BERLIN).date() <= period.last


@pytest.mark.parametrize(("first", "last"), [
    (date(2026, 10, 1), date(2026, 11, 30)),  # by day, across the clock change
    (date(2026, 10, 25), date(2026, 10, 25)),  # the 25-hour day itself
    (date(2026, 1, 1), date(2026, 12, 31)),  # by week
    (date(2025, 1, 1), date(2025, 1, 31)),  # nothing at all: zeros, not errors
])
def test_the_sql_figures_equal_a_plain_count(seeded, first, last):
    container, clinic_id, made = seeded
    period = Period(first, last)
    scope = ReportScope(clinic_id, period, BERLIN, NOW)
    summary = container.report_queries().summary(scope, "USD")
    mine = [(a, s) for a, s in made if _in(period, a.starts_at)]
    expected = tally([(s.value, a.starts_at, a.price_minor) for a, s in mine], NOW)
    assert (summary.appointments_count, summary.revenue_minor, summary.planned_count,
            summary.planned_minor, summary.not_counted_count, summary.average_minor) == (
        expected.appointments_count, expected.revenue_minor, expected.planned_count,
        expected.planned_minor, expected.not_counted_count, expected.average_minor)
    counted = [a for a, s in mine if s.value not in ("cancelled", "no_show")
               and a.starts_at <= NOW]
    for key, breakdown in (("doctor_id", summary.by_doctor), ("room_id", summary.by_room)):
        plain: dict = {}
        for a in counted:
            n, v = plain.get(getattr(a, key), (0, 0))
            plain[getattr(a, key)] = (n + 1, v + a.price_minor)
        assert {b.id: (b.appointments_count, b.revenue_minor) for b in breakdown} == plain
        assert [(-b.revenue_minor, b.name) for b in breakdown] == sorted(
            (-b.revenue_minor, b.name) for b in breakdown)  # the larger first
        assert all(b.name for b in breakdown)  # named ("Room 2", "Boris", …)
    assert sum(b.revenue_minor for b in summary.bars) == summary.revenue_minor
    for bar in summary.bars:
        inside = [a for a in counted if bar.first <= a.starts_at.astimezone(BERLIN).date()
                  < bar.end]
        assert (bar.appointments_count, bar.revenue_minor) == (
            len(inside), sum(a.price_minor for a in inside)), bar


def test_one_doctor_or_one_room(seeded):
    container, clinic_id, made = seeded
    period = Period(date(2026, 10, 1), date(2026, 11, 30))
    doctor_id = made[0][0].doctor_id
    room_id = made[0][0].room_id
    queries = container.report_queries()
    for scope, keep in (
            (ReportScope(clinic_id, period, BERLIN, NOW, doctor_id=doctor_id),
             lambda a: a.doctor_id == doctor_id),
            (ReportScope(clinic_id, period, BERLIN, NOW, room_id=room_id),
             lambda a: a.room_id == room_id)):
        expected = tally([(s.value, a.starts_at, a.price_minor) for a, s in made if keep(a)],
                         NOW)
        summary = queries.summary(scope, "USD")
        assert (summary.appointments_count, summary.revenue_minor) == (
            expected.appointments_count, expected.revenue_minor)


def test_the_list_pages_and_the_stream_give_every_visit_once(seeded):
    container, clinic_id, made = seeded
    period = Period(date(2026, 10, 1), date(2026, 11, 30))
    scope = ReportScope(clinic_id, period, BERLIN, NOW)
    queries = container.report_queries()
    streamed = list(queries.stream(scope, batch=7))
    assert sorted(r.id for r in streamed) == sorted(a.id for a, _s in made)
    assert [r.starts_at for r in streamed] == sorted(r.starts_at for r in streamed)
    first = queries.rows(scope, 0, 10)
    newest = queries.rows(scope, 0, 10, newest_first=True)
    assert first.total == newest.total == len(made)
    assert first.rows[0].starts_at <= first.rows[-1].starts_at
    assert newest.rows[0].starts_at >= newest.rows[-1].starts_at
    by_id = {a.id: (a, s) for a, s in made}
    for row in streamed:
        appointment, status = by_id[row.id]
        assert row.status == status.value and row.price_minor == appointment.price_minor
        assert row.procedures == [line.name for line in appointment.lines]
        assert (row.counted is Counted.NOT_COUNTED) == (status.value in ("cancelled",
                                                                         "no_show"))
    assert queries.rows(scope, 10_000, 10).rows == []


def test_the_stream_is_the_list_whatever_its_pages_in_two_statements_a_page(seeded):
    """Page bounds fall between visits that start together and between a visit's procedure
    lines and the next one's; a last page exactly full costs one more (empty) page query."""
    container, clinic_id, made = seeded
    scope = ReportScope(clinic_id, Period(date(2026, 10, 1), date(2026, 11, 30)), BERLIN, NOW)
    queries = container.report_queries()
    listed = queries.rows(scope, 0, len(made)).rows
    assert len(listed) == len(made)
    starts = [row.starts_at for row in listed]
    assert len(set(starts)) < len(starts)  # some visits start together
    for batch in (1, 7, len(made) - 1, len(made), len(made) + 1):
        with count_statements(container.engine()) as statements:
            streamed = list(queries.stream(scope, batch=batch))
        assert streamed == listed, batch
        pages, rest = divmod(len(made), batch)
        assert len(statements) == 2 * pages + (2 if rest else 1), batch


def test_another_clinic_sees_nothing(seeded):
    container, _clinic_id, _made = seeded
    other = container.sign_up()(SignUpCommand("Other", "Olga", "olga@example.com",
                                              "correct horse", "en", "Europe/Berlin"))
    scope = ReportScope(other.clinic_id, Period(date(2026, 1, 1), date(2026, 12, 31)), BERLIN,
                        NOW)
    summary = container.report_queries().summary(scope, "USD")
    assert (summary.appointments_count, summary.revenue_minor, summary.planned_count) == (0, 0,
                                                                                         0)
    assert list(container.report_queries().stream(scope)) == []
