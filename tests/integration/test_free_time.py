"""The availability service's read side on both databases: what a page asks about free time."""

from __future__ import annotations

from datetime import timedelta

from clinic.domain.accounts import WorkingHours
from clinic.domain.scheduling import AppointmentStatus, TimeRange
from tests.integration.test_booking import START, _clinic, request

QUARTER = timedelta(minutes=15)
HOURS = WorkingHours.parse("123456", "08:00", "20:00", "Europe/Moscow")


def at(hour: int, minute: int = 0):
    return START.replace(hour=hour, minute=minute)


def test_a_room_and_its_doctor_are_free_around_a_visit_and_again_once_it_is_cancelled(
        container):
    clinic = _clinic(container)
    visit = container.book_appointment()(clinic["id"], request(clinic))  # 10:00-10:30
    free_time = container.free_time()
    day = START.date()
    around = [TimeRange(at(8), at(10)), TimeRange(at(10, 30), at(20))]
    assert free_time.free_intervals(clinic["id"], day, HOURS, room_id=clinic["room"]) == around
    assert free_time.free_intervals(clinic["id"], day, HOURS,
                                    doctor_id=clinic["doctor"]) == around

    def tap(hour, minute, **where):
        return free_time.tapped_start(clinic["id"], at(hour, minute), QUARTER, **where)

    assert tap(10, 5, room_id=clinic["room"]) == at(10, 30)
    assert tap(10, 40, room_id=clinic["room"]) == at(10, 30)
    assert tap(10, 50, room_id=clinic["room"]) == at(10, 45)
    assert tap(10, 5, doctor_id=clinic["doctor"]) == at(10, 30)  # a doctor's week
    assert tap(10, 5) == at(10, 0)  # neither: the step only
    def next_free(hour, minute):
        return free_time.next_free_start(clinic["id"], clinic["room"], at(hour, minute), HOURS,
                                         QUARTER)

    assert next_free(9, 50) == at(10, 30)  # a quarter from 10:00 would clash
    assert next_free(9, 20) == at(9, 30)

    container.change_appointment_status()(clinic["id"], clinic["owner"], visit.id,
                                          AppointmentStatus.CANCELLED)
    assert free_time.free_intervals(clinic["id"], day, HOURS, room_id=clinic["room"]) == [
        TimeRange(at(8), at(20))]
    assert tap(10, 5, room_id=clinic["room"]) == at(10)


def test_a_closed_day_has_no_free_time_and_another_clinic_sees_none_of_ours(container):
    clinic = _clinic(container)
    container.book_appointment()(clinic["id"], request(clinic))
    sunday = START.date() + timedelta(days=(6 - START.weekday()))
    assert container.free_time().free_intervals(clinic["id"], sunday, HOURS,
                                                room_id=clinic["room"]) == []
    other = container.calendar_queries().busy(
        clinic["id"].__class__(int=1), room_id=clinic["room"], within=TimeRange(at(8), at(20)))
    assert other == []
