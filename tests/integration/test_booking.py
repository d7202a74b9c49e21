"""Booking against the real databases: snapshots, clashes, and 50 bookings racing for one slot."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.catalog.doctors import DoctorFields
from clinic.application.catalog.procedures import ProcedureFields
from clinic.application.catalog.rooms import RoomFields
from clinic.application.patients.save import PatientFields
from clinic.application.scheduling.book import BookingRequest
from clinic.application.scheduling.change import AppointmentChanges
from clinic.domain.scheduling import (
    AppointmentStatus,
    DoctorBusy,
    IdempotencyKeyReused,
    OutsideWorkingHours,
    RoomAlreadyBooked,
    TimeRange,
)
from clinic.domain.shared import ValidationFailed
from tests.integration.conftest import empty_tables, make_container, make_settings
from tests.licences import grant_licence

MOSCOW = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 24, 10, 0, tzinfo=MOSCOW)


def _clinic(container):
    signed_in = container.sign_up()(SignUpCommand(
        "Smile", "Anna", "anna@example.com", "correct horse", "ru", "Europe/Moscow"))
    clinic_id = signed_in.clinic_id
    patient = container.save_patient()(clinic_id, signed_in.user_id,
        PatientFields("Ivan", "+79161234567"))
    with container.uow(clinic_id) as uow:
        room, doctor = uow.rooms.list()[0], uow.doctors.list()[0]
        procedures = {p.name: p for p in uow.procedures.list()}
    return {"id": clinic_id, "owner": signed_in.user_id, "patient": patient.id, "room": room.id,
            "doctor": doctor.id, "consultation": procedures["Consultation"].id,
            "xray": procedures["Xray"].id}


@pytest.fixture
def clinic(container):
    return _clinic(container)


def anna(clinic) -> tuple:
    """The clinic and who acts in it, its owner Anna: a use case's first two arguments (the
    authorization rule checks her)."""
    return clinic["id"], clinic["owner"]


def request(clinic, start=START, procedures=("consultation",), **changes) -> BookingRequest:
    values = {"patient_id": clinic["patient"], "room_id": clinic["room"],
              "doctor_id": clinic["doctor"], "starts_at": start,
              "procedure_ids": [clinic[p] for p in procedures], "booked_by": clinic["owner"]}
    values.update(changes)
    return BookingRequest(**values)


def test_a_booking_keeps_what_the_procedures_cost_and_took_that_day(container, clinic):
    booked = container.book_appointment()(clinic["id"], request(clinic, procedures=(
        "consultation", "xray")))
    container.save_procedure()(*anna(clinic), ProcedureFields("Consultation", "9999", "60"),
                               clinic["consultation"])
    with container.uow(clinic["id"]) as uow:
        kept = uow.appointments.get(booked.id)
    assert (kept.starts_at, kept.ends_at) == (START, START + timedelta(minutes=45))
    assert kept.price_minor == 150000 and kept.currency == "RUB"
    assert [(line.name, line.price_minor, line.duration_minutes) for line in kept.lines] == [
        ("Consultation", 100000, 30), ("Xray", 50000, 15)]


def test_an_overlap_in_the_room_is_refused_with_the_nearest_free_start(container, clinic):
    container.book_appointment()(clinic["id"], request(clinic))
    with pytest.raises(RoomAlreadyBooked) as raised:
        container.book_appointment()(clinic["id"], request(clinic, START + timedelta(minutes=15)))
    assert raised.value.nearest_free_start == START + timedelta(minutes=30)
    back_to_back = container.book_appointment()(
        clinic["id"], request(clinic, START + timedelta(minutes=30)))
    assert back_to_back.starts_at == START + timedelta(minutes=30)


def test_a_doctor_in_two_rooms_at_once_needs_a_confirmation(container, clinic):
    other_room = container.save_room()(*anna(clinic), RoomFields("Room 2"))
    container.book_appointment()(clinic["id"], request(clinic))
    with pytest.raises(DoctorBusy):
        container.book_appointment()(clinic["id"], request(clinic, room_id=other_room.id))
    confirmed = container.book_appointment()(clinic["id"], request(
        clinic, room_id=other_room.id, confirm_doctor_overlap=True))
    assert confirmed.doctor_overlap_confirmed


def test_another_clinics_room_cannot_be_booked(container, clinic):
    other = container.sign_up()(SignUpCommand("Other", "Olga", "olga@example.com",
                                              "correct horse", "ru"))
    with pytest.raises(ValidationFailed) as raised:
        container.book_appointment()(other.clinic_id, request(clinic, booked_by=other.user_id))
    assert set(raised.value.errors) == {"patient_id", "room_id", "doctor_id", "procedure_ids"}


def test_fifty_simultaneous_bookings_of_one_slot_leave_exactly_one(container, clinic):
    results: list[str] = []
    barrier = threading.Barrier(50)

    def book() -> None:
        barrier.wait()
        try:
            container.book_appointment()(clinic["id"], request(clinic))
            results.append("booked")
        except RoomAlreadyBooked:
            results.append("clash")
        except Exception as error:  # anything else is a failure the test must show
            results.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=book) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == ["booked"] + ["clash"] * 49
    with container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.appointments)).scalar() == 1


RACERS = 10  # at once, one doctor, one time, each in a room of its own


def _rooms(container, clinic, count: int = RACERS) -> list:
    grant_licence(container, clinic["id"], chairs=count)
    return [clinic["room"]] + [container.save_room()(*anna(clinic), RoomFields(f"Room {n}")).id
                               for n in range(2, count + 1)]


def _race(attempts) -> list[str]:
    """Run each attempt in its own thread, all released at once; what each ended with."""
    results: list[str] = []
    barrier = threading.Barrier(len(attempts))

    def run(attempt) -> None:
        barrier.wait()
        try:
            attempt()
            results.append("done")
        except DoctorBusy:
            results.append("doctor busy")
        except Exception as error:  # anything else is a failure the test must show
            results.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(results)


def _doctors_visits_at(container, clinic, start=START) -> list[tuple]:
    a = tables.appointments.c
    with container.engine().connect() as conn:
        return conn.execute(select(a.room_id, a.doctor_overlap_confirmed).where(
            a.clinic_id == clinic["id"], a.doctor_id == clinic["doctor"],
            a.starts_at == start)).all()


def test_one_doctor_booked_at_once_in_ten_rooms_is_booked_once(container, clinic):
    """Without the confirmation a doctor's overlap is refused, also when the bookings come at
    the same moment: the doctor's check and insert are taken in turn."""
    rooms = _rooms(container, clinic)
    book = container.book_appointment()
    outcome = _race([lambda room=room: book(clinic["id"], request(clinic, room_id=room))
                     for room in rooms])
    assert outcome == ["doctor busy"] * (RACERS - 1) + ["done"]
    assert len(_doctors_visits_at(container, clinic)) == 1


def test_confirmed_overlaps_still_book_when_they_race_unconfirmed_ones(container, clinic):
    """Half confirm the overlap, half do not: every confirmed one books, and of all the visits
    booked only the first (whichever it was) went in without a confirmed overlap."""
    rooms = _rooms(container, clinic)
    book = container.book_appointment()
    outcome = _race([lambda n=n, room=room: book(clinic["id"], request(
        clinic, room_id=room, confirm_doctor_overlap=n % 2 == 0))
        for n, room in enumerate(rooms)])
    booked = _doctors_visits_at(container, clinic)
    assert outcome.count("done") == len(booked) >= RACERS // 2, outcome
    assert set(outcome) <= {"done", "doctor busy"}, outcome
    assert sorted(confirmed for _room, confirmed in booked) == [False] + [True] * (
        len(booked) - 1)


def test_one_doctors_visits_moved_to_one_time_at_once_move_once(container, clinic):
    """Moving a visit (another time, or another doctor) obeys the same rule as booking it."""
    rooms = _rooms(container, clinic)
    book, move = container.book_appointment(), container.move_appointment()
    visits = [book(clinic["id"], request(clinic, START + timedelta(hours=1 + n), room_id=room))
              for n, room in enumerate(rooms[:RACERS // 2])]
    other = container.save_doctor()(*anna(clinic), DoctorFields("Dr Other"))
    visits += [book(clinic["id"], request(clinic, room_id=room, doctor_id=other.id,
                                          confirm_doctor_overlap=True))
               for room in rooms[RACERS // 2:]]  # at that time already: to the first doctor
    outcome = _race([lambda visit=visit: move(*anna(clinic), visit.id, START, visit.room_id,
                                              clinic["doctor"]) for visit in visits])
    assert outcome == ["doctor busy"] * (RACERS - 1) + ["done"]
    assert len(_doctors_visits_at(container, clinic)) == 1


class _PausingClock:
    """The container's clock, but the first time the given thread asks it stops there (after
    that change's checks, before its commit) until told to go on."""

    def __init__(self, clock) -> None:
        self.clock, self.thread = clock, None
        self.paused, self.go_on = threading.Event(), threading.Event()

    def now(self):
        if threading.current_thread() is self.thread:
            self.thread = None
            self.paused.set()
            self.go_on.wait(30)
        return self.clock.now()


def test_two_changes_of_one_visit_at_once_never_leave_an_unchecked_mix(container, clinic):
    """One person gives the visit another doctor while another moves it: the second waits for
    the first and checks the move with the doctor the visit has by then (busy: refused). Read
    before the first committed, it would have checked the old doctor and left the new one
    double-booked."""
    from clinic.application.scheduling.change import UpdateAppointment

    rooms = _rooms(container, clinic, 2)
    other = container.save_doctor()(*anna(clinic), DoctorFields("Dr Other"))
    visit = container.book_appointment()(clinic["id"], request(clinic))
    container.book_appointment()(clinic["id"], request(  # the other doctor's, at 12:00
        clinic, START + timedelta(hours=2), room_id=rooms[1], doctor_id=other.id))
    clock = _PausingClock(container.clock())
    slow = UpdateAppointment(container.uow, clock, container.audit_trail())
    outcome: dict[str, str] = {}

    def run(name, change) -> None:
        try:
            change()
            outcome[name] = "done"
        except DoctorBusy:
            outcome[name] = "doctor busy"
        except Exception as error:  # anything else is a failure the test must show
            outcome[name] = f"{type(error).__name__}: {error}"

    first = threading.Thread(target=run, args=("doctor", lambda: slow(
        *anna(clinic), visit.id, AppointmentChanges(doctor_id=other.id))))
    clock.thread = first
    first.start()
    assert clock.paused.wait(30)
    second = threading.Thread(target=run, args=("time", lambda: container.update_appointment()(
        *anna(clinic), visit.id, AppointmentChanges(starts_at=START + timedelta(hours=2)))))
    second.start()
    second.join(timeout=0.5)  # it waits for the first (if it could, it has finished by now)
    clock.go_on.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert outcome == {"doctor": "done", "time": "doctor busy"}
    with container.uow(clinic["id"]) as uow:
        kept = uow.appointments.get(visit.id)
    assert (kept.doctor_id, kept.starts_at) == (other.id, START)


@pytest.fixture
def pg_container(postgresql_database, tmp_path):
    container = make_container(make_settings(postgresql_database, tmp_path))
    yield container
    container.engine().dispose()
    empty_tables(postgresql_database)


def test_postgresql_itself_refuses_an_overlap_that_skips_the_checks(pg_container):
    """The exclusion constraint. (SQLite has none; its guard is BEGIN IMMEDIATE, proven by the
    race test above.)"""
    from clinic.application.ports import Conflict
    from clinic.domain.scheduling import Appointment

    container = pg_container
    clinic_ = _clinic(container)
    booked = container.book_appointment()(clinic_["id"], request(clinic_))

    def twin(status="scheduled"):
        with container.uow(clinic_["id"]) as uow:
            uow.appointments.add(Appointment(
                clinic_id=clinic_["id"], patient_id=clinic_["patient"], room_id=clinic_["room"],
                doctor_id=clinic_["doctor"], starts_at=booked.starts_at + timedelta(minutes=10),
                ends_at=booked.ends_at + timedelta(minutes=10), price_minor=0, currency="RUB",
                created_at=booked.created_at, status=status))
            uow.commit()

    with pytest.raises(Conflict):
        twin()
    twin("cancelled")  # a cancelled appointment holds no time


def test_postgresql_a_lock_granted_after_the_snapshot_would_hide_its_holders_visit(pg_container):
    """Why `write_in_turn` and not `lock_for_writing` (REPEATABLE READ): the statement that asks
    for the doctor's lock takes the transaction's snapshot before the lock is granted, so the
    visit its holder committed meanwhile is not seen. Under READ COMMITTED the next statement
    sees it. And `lock_doctor` refuses the first setting outright."""
    from sqlalchemy import func as sql_func

    from clinic.adapters.sqlalchemy.unit_of_work import _lock_key
    from clinic.domain.scheduling import Appointment

    container = pg_container
    clinic_ = _clinic(container)
    wanted = TimeRange(START, START + timedelta(minutes=30))
    holding, seen = threading.Event(), {}

    def holder() -> None:
        with container.uow(clinic_["id"]) as uow:
            uow.write_in_turn()
            uow.lock_doctor(clinic_["doctor"])
            uow.appointments.add(Appointment(
                clinic_id=clinic_["id"], patient_id=clinic_["patient"], room_id=clinic_["room"],
                doctor_id=clinic_["doctor"], starts_at=wanted.start, ends_at=wanted.end,
                price_minor=0, currency="RUB", created_at=START))
            holding.set()
            time.sleep(0.5)  # the others ask for the lock meanwhile
            uow.commit()

    def waiter(name: str, snapshot: bool) -> None:
        holding.wait(10)
        with container.uow(clinic_["id"]) as uow:
            if snapshot:  # the lock asked for by hand: lock_doctor would refuse (below)
                uow.lock_for_writing()
                uow.session.execute(select(sql_func.pg_advisory_xact_lock(_lock_key(
                    b"doctor", clinic_["id"], clinic_["doctor"]))))
            else:
                uow.write_in_turn()
                uow.lock_doctor(clinic_["doctor"])
            seen[name] = len(uow.appointments.taken(
                room_id=clinic_["room"], doctor_id=clinic_["doctor"], within=wanted)[1])

    threads = [threading.Thread(target=holder),
               threading.Thread(target=waiter, args=("one snapshot", True)),
               threading.Thread(target=waiter, args=("in turn", False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == {"one snapshot": 0, "in turn": 1}
    with container.uow(clinic_["id"]) as uow, pytest.raises(RuntimeError, match="write_in_turn"):
        uow.lock_for_writing()
        uow.lock_doctor(clinic_["doctor"])


def test_a_cancelled_visit_frees_its_room_and_comes_back_only_if_still_free(container, clinic):
    from clinic.domain.scheduling import AppointmentStatus

    first = container.book_appointment()(clinic["id"], request(clinic))
    change = container.change_appointment_status()
    change(*anna(clinic), first.id, AppointmentStatus.CANCELLED)
    second = container.book_appointment()(clinic["id"], request(clinic))
    with pytest.raises(RoomAlreadyBooked):
        change(*anna(clinic), first.id, AppointmentStatus.SCHEDULED)
    assert change(*anna(clinic), second.id, AppointmentStatus.NO_SHOW).status == "no_show"


def test_a_moved_visit_keeps_its_length_and_obeys_the_room_rule(container, clinic):
    first = container.book_appointment()(clinic["id"], request(clinic))
    second = container.book_appointment()(clinic["id"], request(
        clinic, START + timedelta(hours=2), procedures=("consultation", "xray")))
    move = container.move_appointment()
    moved = move(*anna(clinic), second.id, START + timedelta(hours=3), clinic["room"],
                 clinic["doctor"])
    assert moved.ends_at - moved.starts_at == timedelta(minutes=45)
    with pytest.raises(RoomAlreadyBooked) as raised:
        move(*anna(clinic), second.id, START + timedelta(minutes=15), clinic["room"],
             clinic["doctor"])
    assert raised.value.nearest_free_start == START + timedelta(minutes=30)
    assert move(*anna(clinic), first.id, START + timedelta(minutes=5), clinic["room"],
                clinic["doctor"]).starts_at == START + timedelta(minutes=5)  # past itself


def test_the_offer_for_a_full_day_is_the_next_mornings_opening(container, clinic):
    long = container.save_procedure()(*anna(clinic), ProcedureFields("Long", "0", "480"))
    half = container.save_procedure()(*anna(clinic), ProcedureFields("Half", "0", "240"))
    morning = START.replace(hour=8)
    container.book_appointment()(clinic["id"], request(clinic, morning, (),
                                                       procedure_ids=[long.id]))
    container.book_appointment()(clinic["id"], request(clinic, morning + timedelta(hours=8), (),
                                                       procedure_ids=[half.id]))
    with pytest.raises(RoomAlreadyBooked) as raised:
        container.book_appointment()(clinic["id"], request(clinic))
    assert raised.value.nearest_free_start == morning + timedelta(days=1)  # Wednesday 08:00


def test_a_time_outside_working_hours_needs_a_confirmation(container, clinic):
    evening = START.replace(hour=19, minute=45)  # the clinic closes at 20:00; 30 min do not fit
    with pytest.raises(OutsideWorkingHours):
        container.book_appointment()(clinic["id"], request(clinic, evening))
    sunday = START + timedelta(days=5)
    with pytest.raises(OutsideWorkingHours):
        container.book_appointment()(clinic["id"], request(clinic, sunday))
    booked = container.book_appointment()(
        clinic["id"], request(clinic, evening, confirm_outside_hours=True))
    assert booked.ends_at == evening + timedelta(minutes=30)
    with pytest.raises(OutsideWorkingHours):  # moving there again asks again
        container.move_appointment()(*anna(clinic), booked.id, sunday, clinic["room"],
                                     clinic["doctor"])
    assert container.update_appointment()(
        *anna(clinic), booked.id, AppointmentChanges(note="came late")).note == "came late"


def test_other_procedures_change_the_length_and_price_but_keep_old_prices(container, clinic):
    booked = container.book_appointment()(clinic["id"], request(clinic))
    container.save_procedure()(*anna(clinic), ProcedureFields("Consultation", "9999", "60"),
                               clinic["consultation"])
    changed = container.update_appointment()(*anna(clinic), booked.id, AppointmentChanges(
        procedure_ids=[clinic["consultation"], clinic["xray"]]))
    with container.uow(clinic["id"]) as uow:
        kept = uow.appointments.get(booked.id)
    assert [(line.name, line.price_minor, line.duration_minutes) for line in kept.lines] == [
        ("Consultation", 100000, 30), ("Xray", 50000, 15)]  # the booked price, not 9999
    assert (kept.ends_at, kept.price_minor) == (START + timedelta(minutes=45), 150000)
    assert changed.ends_at == kept.ends_at
    discounted = container.update_appointment()(*anna(clinic), booked.id,
                                                AppointmentChanges(price="1200"))
    assert discounted.price_minor == 120000
    back = container.update_appointment()(*anna(clinic), booked.id, AppointmentChanges(price=""))
    assert back.price_minor == 150000


def test_a_longer_visit_must_still_fit_in_its_room(container, clinic):
    first = container.book_appointment()(clinic["id"], request(clinic))
    container.book_appointment()(clinic["id"], request(clinic, START + timedelta(minutes=30)))
    with pytest.raises(RoomAlreadyBooked):
        container.update_appointment()(*anna(clinic), first.id, AppointmentChanges(
            procedure_ids=[clinic["consultation"], clinic["xray"]]))
    with pytest.raises(ValidationFailed) as raised:
        container.update_appointment()(*anna(clinic), first.id, AppointmentChanges(
            procedure_ids=[], price="abc"))
    assert set(raised.value.errors) == {"procedure_ids", "price"}
    with container.uow(clinic["id"]) as uow:
        kept = uow.appointments.get(first.id)
    assert (kept.ends_at, kept.price_minor, len(kept.lines)) == (
        START + timedelta(minutes=30), 100000, 1)  # nothing half-written


def test_the_same_idempotency_key_books_once_and_a_different_body_is_refused(container, clinic):
    keyed = request(clinic, idempotency_key="k-1", request_hash="aaa")
    first = container.book_appointment()(clinic["id"], keyed)
    again = container.book_appointment()(clinic["id"], keyed)
    assert again.id == first.id
    with pytest.raises(IdempotencyKeyReused):
        container.book_appointment()(clinic["id"], request(
            clinic, START + timedelta(hours=2), idempotency_key="k-1", request_hash="bbb"))
    other = container.sign_up()(SignUpCommand("Other", "Olga", "olga@example.com",
                                              "correct horse", "ru"))
    with pytest.raises(ValidationFailed):  # keys are per clinic: another's key replays nothing
        container.book_appointment()(other.clinic_id, request(
            clinic, idempotency_key="k-1", request_hash="aaa", booked_by=other.user_id))
    with container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.appointments)).scalar() == 1


def test_ten_simultaneous_retries_with_one_key_give_one_appointment(container, clinic):
    results: list[object] = []
    barrier = threading.Barrier(10)

    def book() -> None:
        barrier.wait()
        try:
            results.append(container.book_appointment()(clinic["id"], request(
                clinic, idempotency_key="retry", request_hash="same")).id)
        except Exception as error:
            results.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=book) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 10 and len(set(results)) == 1, results
    with container.engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.appointments)).scalar() == 1


def test_the_appointment_list_filters_and_counts_on_both_databases(container, clinic):
    from clinic.application.scheduling.queries import AppointmentFilter

    made = [container.book_appointment()(clinic["id"], request(clinic, START + timedelta(
        days=day), procedures=("consultation", "xray"))) for day in range(3)]
    container.change_appointment_status()(*anna(clinic), made[1].id, AppointmentStatus.DONE)
    queries = container.calendar_queries()
    everything = queries.find(clinic["id"], AppointmentFilter())
    assert everything.total == 3 and [e.id for e in everything.rows] == [a.id for a in made]
    assert [(line.name, line.price_minor) for line in everything.rows[0].lines] == [
        ("Consultation", 100000), ("Xray", 50000)]
    done = queries.find(clinic["id"], AppointmentFilter(statuses=["done"]))
    assert [e.id for e in done.rows] == [made[1].id]
    window = AppointmentFilter(start=START + timedelta(minutes=44), end=START + timedelta(days=2),
                               room_id=clinic["room"], patient_id=clinic["patient"])
    assert [e.id for e in queries.find(clinic["id"], window).rows] == [made[0].id, made[1].id]
    second_page = queries.find(clinic["id"], AppointmentFilter(), offset=2, limit=5)
    assert second_page.total == 3 and [e.id for e in second_page.rows] == [made[2].id]
    assert queries.entry(clinic["id"], made[2].id).price_minor == 150000
    other = container.sign_up()(SignUpCommand("Other", "Olga", "olga@example.com",
                                              "correct horse", "ru"))
    assert queries.find(other.clinic_id, AppointmentFilter()).total == 0
    assert queries.entry(other.clinic_id, made[0].id) is None


def test_an_archived_room_or_another_clinics_takes_no_visit_nor_a_moved_one(container, clinic):
    """The clinic's rooms are read once for both questions (is it there and in use, is it
    beyond the paid chairs): an archived room and an unknown one are both unavailable."""
    second = container.save_room()(*anna(clinic), RoomFields("Room 2"))
    booked = container.book_appointment()(clinic["id"], request(clinic, room_id=second.id))
    container.archive_room()(*anna(clinic), second.id, True)
    for room_id in (second.id, clinic["patient"]):  # archived; no room at all
        with pytest.raises(ValidationFailed) as refused:
            container.book_appointment()(clinic["id"], request(
                clinic, START + timedelta(hours=2), room_id=room_id))
        assert refused.value.errors == {"room_id": "room_unavailable"}
    moved = container.update_appointment()(*anna(clinic), booked.id, AppointmentChanges(
        room_id=clinic["room"]))
    assert moved.room_id == clinic["room"]
    with pytest.raises(ValidationFailed) as refused:
        container.update_appointment()(*anna(clinic), booked.id, AppointmentChanges(
            room_id=second.id))
    assert refused.value.errors == {"room_id": "room_unavailable"}


def test_a_visit_drawn_on_the_calendar_takes_the_length_drawn(container, clinic):
    booked = container.book_appointment()(clinic["id"], request(
        clinic, length=timedelta(minutes=50)))  # a 30-minute consultation, drawn 10:00-10:50
    assert booked.ends_at - booked.starts_at == timedelta(minutes=50)
    assert booked.price_minor == sum(line.price_minor for line in booked.lines)
    with pytest.raises(RoomAlreadyBooked) as raised:  # the drawn length holds the room
        container.book_appointment()(clinic["id"], request(clinic, START + timedelta(minutes=40)))
    assert raised.value.nearest_free_start == START + timedelta(minutes=50)
    for wrong in (timedelta(0), timedelta(minutes=7), timedelta(hours=12, minutes=5),
                  timedelta(minutes=-30)):
        with pytest.raises(ValidationFailed) as refused:
            container.book_appointment()(clinic["id"], request(
                clinic, START + timedelta(days=1), length=wrong))
        assert refused.value.errors == {"minutes": "length_invalid"}
    with container.engine().connect() as conn:  # the refused ones wrote nothing
        assert conn.execute(select(func.count()).select_from(tables.appointments)).scalar() == 1


def test_a_stretched_visit_keeps_its_procedures_and_obeys_the_room_rule(container, clinic):
    first = container.book_appointment()(clinic["id"], request(clinic))  # 10:00-10:30
    second = container.book_appointment()(clinic["id"], request(
        clinic, START + timedelta(hours=1)))  # 11:00-11:30
    move = container.move_appointment()
    longer = move(*anna(clinic), first.id, START, clinic["room"], clinic["doctor"],
                  length=timedelta(minutes=60))
    assert (longer.starts_at, longer.ends_at) == (START, START + timedelta(hours=1))
    assert [line.procedure_id for line in longer.lines] == [clinic["consultation"]]
    with pytest.raises(RoomAlreadyBooked):  # into the next visit: refused, nothing written
        move(*anna(clinic), first.id, START, clinic["room"], clinic["doctor"],
             length=timedelta(minutes=75))
    with pytest.raises(ValidationFailed):
        move(*anna(clinic), first.id, START, clinic["room"], clinic["doctor"],
             length=timedelta(minutes=62))
    with container.uow(clinic["id"]) as uow:
        assert uow.appointments.get(first.id).ends_at == START + timedelta(hours=1)
    from clinic.domain.scheduling import ActionNotAllowed, AppointmentStatus
    container.change_appointment_status()(*anna(clinic), second.id, AppointmentStatus.CANCELLED)
    with pytest.raises(ActionNotAllowed):  # a cancelled visit is brought back, not stretched
        move(*anna(clinic), second.id, START + timedelta(hours=1), clinic["room"],
             clinic["doctor"], length=timedelta(minutes=45))
