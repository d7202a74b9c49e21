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
)
from tests.factories import NOW, AppointmentFactory
from tests.unit.test_scheduling_use_cases import TUESDAY_10, _request, desk  # noqa: F401

A, S = AppointmentAction, AppointmentStatus


@pytest.mark.parametrize(("status", "allowed"), [
    (S.SCHEDULED, {A.MARK_DONE, A.MARK_NO_SHOW, A.CANCEL, A.MOVE, A.EDIT}),
    (S.DONE, {A.RESTORE, A.EDIT}),
    (S.NO_SHOW, {A.RESTORE}),
    (S.CANCELLED, {A.RESTORE}),
])
def test_each_status_allows_its_actions(status, allowed):
    assert AppointmentFactory(status=status).allowed_actions() == allowed


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
        visit.check_change(S.CANCELLED, moving=False, editing=False)
    visit.check_change(S.SCHEDULED, moving=True, editing=True)  # back, then anything


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
