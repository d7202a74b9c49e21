"""What each status of a visit allows: the domain's table, the entity's methods, and the use
case refusing before it writes anything."""

from datetime import timedelta

import pytest

from clinic.application.scheduling.book import BookAppointment
from clinic.application.scheduling.change import AppointmentChanges, UpdateAppointment
from clinic.domain.scheduling import (
    ActionNotAllowed,
    AppointmentAction,
    AppointmentStatus,
    TooEarly,
    is_late,
)
from tests.factories import NOW, AppointmentFactory
from tests.unit.test_scheduling_use_cases import TUESDAY_10, _request, desk  # noqa: F401

A, S = AppointmentAction, AppointmentStatus


@pytest.mark.parametrize(("status", "allowed"), [
    (S.SCHEDULED, {A.MARK_ARRIVED, A.MARK_DONE, A.MARK_NO_SHOW, A.CANCEL, A.MOVE, A.EDIT}),
    (S.ARRIVED, {A.MARK_DONE, A.RESTORE, A.CANCEL, A.MOVE, A.EDIT}),
    (S.DONE, {A.RESTORE, A.EDIT}),
    (S.NO_SHOW, {A.RESTORE}),
    (S.CANCELLED, {A.RESTORE}),
])
def test_each_status_allows_its_actions_once_the_visit_has_started(status, allowed):
    visit = AppointmentFactory(status=status)
    assert visit.allowed_actions(visit.starts_at) == allowed


@pytest.mark.parametrize(("before_start", "arrived", "no_show"), [
    (timedelta(hours=2), False, False),
    (timedelta(minutes=31), False, False),
    (timedelta(minutes=30), True, False),  # a patient may be marked arrived a little early
    (timedelta(minutes=1), True, False),
    (timedelta(0), True, True),  # "did not come" only once the start has passed
    (-timedelta(hours=3), True, True),
])
def test_arrival_and_no_show_wait_for_the_visits_time(before_start, arrived, no_show):
    visit = AppointmentFactory()
    now = visit.starts_at - before_start
    allowed = visit.allowed_actions(now)
    assert (A.MARK_ARRIVED in allowed, A.MARK_NO_SHOW in allowed) == (arrived, no_show)
    assert {A.MARK_DONE, A.CANCEL, A.MOVE, A.EDIT} <= allowed  # the rest does not wait


def test_no_show_before_the_start_is_refused_as_too_early_and_changes_nothing():
    visit = AppointmentFactory()
    early = visit.starts_at - timedelta(minutes=5)
    with pytest.raises(TooEarly) as refused:
        visit.change_status(S.NO_SHOW, early, None)
    assert refused.value.action is A.MARK_NO_SHOW and visit.status is S.SCHEDULED
    with pytest.raises(TooEarly):
        visit.check_change(S.ARRIVED, moving=False, editing=False,
                           now=visit.starts_at - timedelta(hours=1))
    visit.change_status(S.ARRIVED, early, None)
    assert visit.status is S.ARRIVED


def test_an_arrived_patient_is_not_a_no_show_but_a_mistake_can_be_undone():
    visit = AppointmentFactory(status=S.ARRIVED)
    later = visit.starts_at + timedelta(hours=1)
    with pytest.raises(ActionNotAllowed):
        visit.change_status(S.NO_SHOW, later, None)
    visit.change_status(S.SCHEDULED, later, None)
    visit.change_status(S.NO_SHOW, later, None)
    assert visit.status is S.NO_SHOW


def test_an_arrived_visit_holds_its_time_and_is_done_from_there():
    visit = AppointmentFactory(status=S.ARRIVED)
    assert S.ARRIVED.holds_time
    visit.change_status(S.DONE, visit.starts_at, None)
    assert visit.status is S.DONE


@pytest.mark.parametrize(("status", "after_start", "late"), [
    (S.SCHEDULED, timedelta(minutes=1), True),
    (S.SCHEDULED, timedelta(0), False),
    (S.SCHEDULED, -timedelta(minutes=10), False),
    (S.ARRIVED, timedelta(minutes=20), False),
    (S.DONE, timedelta(minutes=20), False),
    (S.NO_SHOW, timedelta(minutes=20), False),
    (S.CANCELLED, timedelta(minutes=20), False),
])
def test_a_visit_is_late_once_its_start_has_passed_without_an_arrival(status, after_start,
                                                                        late):
    visit = AppointmentFactory(status=status)
    assert is_late(visit.status, visit.starts_at, visit.starts_at + after_start) is late


def test_a_cancelled_visit_is_brought_back_before_it_moves_or_is_repriced():
    visit = AppointmentFactory(status=S.CANCELLED)
    later = visit.time.shifted_to(visit.starts_at + timedelta(hours=2))
    with pytest.raises(ActionNotAllowed):
        visit.reschedule(later, visit.room_id, visit.doctor_id)
    with pytest.raises(ActionNotAllowed):
        visit.reprice(1)
    with pytest.raises(ActionNotAllowed):
        visit.change_status(S.DONE, NOW, None)
    visit.annotate("called, will come")  # a note is always welcome
    visit.change_status(S.SCHEDULED, NOW, None)
    visit.reschedule(later, visit.room_id, visit.doctor_id)
    assert visit.time == later and visit.status is S.SCHEDULED


def test_a_done_visit_can_be_repriced_but_not_moved_or_cancelled_directly():
    visit = AppointmentFactory(status=S.DONE)
    visit.reprice(100)
    with pytest.raises(ActionNotAllowed):
        visit.reschedule(visit.time, visit.room_id, visit.room_id)
    with pytest.raises(ActionNotAllowed):
        visit.check_change(S.CANCELLED, moving=False, editing=False, now=NOW)
    visit.check_change(S.SCHEDULED, moving=True, editing=True, now=NOW)  # back, then anything


def test_the_use_case_refuses_a_move_of_a_cancelled_visit_and_writes_nothing(uow, clock, desk):  # noqa: F811
    clinic_id = desk[0]
    visit = BookAppointment(uow, clock)(clinic_id, _request(desk))
    update = UpdateAppointment(uow, clock)
    update(clinic_id, desk.owner, visit.id, AppointmentChanges(status=S.CANCELLED))
    later = TUESDAY_10 + timedelta(hours=3)
    with pytest.raises(ActionNotAllowed):
        update(clinic_id, desk.owner, visit.id, AppointmentChanges(starts_at=later, note="moved"))
    with uow(clinic_id) as u:
        kept = u.appointments.get(visit.id)
    assert (kept.starts_at, kept.note, kept.status) == (TUESDAY_10, None, S.CANCELLED)
    back = update(clinic_id, desk.owner, visit.id, AppointmentChanges(status=S.SCHEDULED,
        starts_at=later))
    assert (back.starts_at, back.status) == (later, S.SCHEDULED)


def test_the_use_case_asks_its_clock_whether_the_visit_has_started(uow, clock, desk):  # noqa: F811
    clinic_id = desk[0]
    visit = BookAppointment(uow, clock)(clinic_id, _request(desk))
    update = UpdateAppointment(uow, clock)
    assert clock.now() < TUESDAY_10 - timedelta(minutes=30)
    for status in (S.ARRIVED, S.NO_SHOW):
        with pytest.raises(TooEarly):
            update(clinic_id, desk.owner, visit.id, AppointmentChanges(status=status, note="early"))
    with uow(clinic_id) as u:
        kept = u.appointments.get(visit.id)
    assert (kept.status, kept.note) == (S.SCHEDULED, None)
    clock.current = TUESDAY_10 - timedelta(minutes=10)
    with pytest.raises(TooEarly):
        update(clinic_id, desk.owner, visit.id, AppointmentChanges(status=S.NO_SHOW))
    assert update(clinic_id, desk.owner, visit.id,
        AppointmentChanges(status=S.ARRIVED)).status is S.ARRIVED
    clock.current = TUESDAY_10 + timedelta(minutes=40)
    update(clinic_id, desk.owner, visit.id, AppointmentChanges(status=S.SCHEDULED))
    assert update(clinic_id, desk.owner, visit.id,
        AppointmentChanges(status=S.NO_SHOW)).status is S.NO_SHOW
