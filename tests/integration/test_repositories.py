"""The same contract, run against the fakes and the SQL repositories, keeps the fakes honest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clinic.application.outbox.message import EmailMessage, OutboxMessage
from clinic.application.ports import ANY_CLINIC, Conflict
from clinic.domain.accounts import ApiToken, Clinic, Membership, PasswordReset, Role, User
from tests.integration.conftest import empty_tables, make_container, make_settings
from tests.unit.fakes import FakeUowFactory

NOW = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def uow_factory(request, tmp_path):
    if request.param == "fake":
        yield FakeUowFactory()
        return
    url = request.getfixturevalue(f"{request.param}_database")
    container = make_container(make_settings(url, tmp_path))
    yield container.uow
    container.engine().dispose()
    empty_tables(url)


def _clinic(name="Smile"):
    return Clinic(name=name, timezone="Europe/Moscow", currency="RUB", country="RU", locale="ru",
                  created_at=NOW)


def _owner(clinic, email="anna@example.com"):
    user = User(email=email, name="Anna", password_hash="h", created_at=NOW)
    return user, Membership(clinic.id, user.id, Role.OWNER, created_at=NOW)


def _save(uow_factory, *items_by_repo):
    with uow_factory(ANY_CLINIC) as uow:
        for repo, item in items_by_repo:
            getattr(uow, repo).add(item)
        uow.commit()


def test_a_clinic_and_its_owner_read_back_as_written(uow_factory):
    clinic = _clinic()
    user, membership = _owner(clinic)
    _save(uow_factory, ("clinics", clinic), ("users", user), ("memberships", membership))
    with uow_factory(ANY_CLINIC) as uow:
        got = uow.clinics.get(clinic.id)
        assert (got.name, got.timezone, got.status, got.created_at) == (
            "Smile", "Europe/Moscow", "active", NOW)
        assert uow.users.get_by_email("anna@example.com").id == user.id
        (found,) = uow.memberships.for_user(user.id)
        assert (found.clinic_id, found.role) == (clinic.id, Role.OWNER)


def test_nothing_is_kept_without_commit(uow_factory):
    clinic = _clinic()
    with uow_factory(ANY_CLINIC) as uow:
        uow.clinics.add(clinic)
    with uow_factory(ANY_CLINIC) as uow:
        assert uow.clinics.get(clinic.id) is None


def test_a_second_account_with_the_same_email_is_a_conflict(uow_factory):
    clinic = _clinic()
    user, _ = _owner(clinic)
    _save(uow_factory, ("users", user))
    twin = User(email=user.email, name="Other", password_hash="h", created_at=NOW)
    with pytest.raises(Conflict), uow_factory(ANY_CLINIC) as uow:
        uow.users.add(twin)
        uow.commit()


def test_changes_to_loaded_objects_are_saved_on_commit(uow_factory):
    clinic = _clinic()
    user, _ = _owner(clinic)
    _save(uow_factory, ("users", user))
    with uow_factory(ANY_CLINIC) as uow:
        uow.users.get(user.id).end_all_sessions()
        uow.commit()
    with uow_factory(ANY_CLINIC) as uow:
        assert uow.users.get(user.id).session_version == 2


def test_a_clinic_scoped_unit_sees_only_its_clinic(uow_factory):
    first, second = _clinic("First"), _clinic("Second")
    user, membership = _owner(first)
    token = ApiToken(clinic_id=second.id, name="site", token_hash="x" * 64, prefix="chs_abcd",
                     created_at=NOW)
    _save(uow_factory, ("clinics", first), ("clinics", second), ("users", user),
          ("memberships", membership), ("api_tokens", token))
    with uow_factory(first.id) as uow:
        assert uow.clinics.get(second.id) is None
        assert uow.api_tokens.get_by_hash("x" * 64) is None
        assert len(uow.memberships.for_user(user.id)) == 1
    with uow_factory(second.id) as uow:
        assert uow.memberships.for_user(user.id) == []
        assert uow.api_tokens.get_by_hash("x" * 64).id == token.id


def test_reset_tokens_are_found_by_hash(uow_factory):
    clinic = _clinic()
    user, _ = _owner(clinic)
    reset = PasswordReset.issue(user.id, "a" * 64, NOW)
    _save(uow_factory, ("users", user), ("password_resets", reset))
    with uow_factory(ANY_CLINIC) as uow:
        found = uow.password_resets.get_by_token_hash("a" * 64)
        assert found.id == reset.id and found.expires_at == NOW + timedelta(hours=1)
        assert uow.password_resets.get_by_token_hash("b" * 64) is None


def test_pending_outbox_messages_come_oldest_first(uow_factory):
    older = OutboxMessage.email(EmailMessage("a@x.co", "S1", "T1"), NOW)
    newer = OutboxMessage.email(EmailMessage("b@x.co", "S2", "T2", "<p>T2</p>"),
                                NOW + timedelta(seconds=1))
    sent = OutboxMessage.email(EmailMessage("c@x.co", "S3", "T3"), NOW - timedelta(seconds=1))
    sent.mark_sent(NOW)
    _save(uow_factory, ("outbox", newer), ("outbox", older), ("outbox", sent))
    with uow_factory(ANY_CLINIC) as uow:
        assert [m.to for m in uow.outbox.pending(10)] == ["a@x.co", "b@x.co"]
        assert uow.outbox.get(newer.id).as_email() == EmailMessage("b@x.co", "S2", "T2",
                                                                   "<p>T2</p>")


def test_the_busy_times_of_a_room_and_of_a_doctor_come_in_one_answer(uow_factory):
    """`taken` is `busy` for the room and for the doctor at once: half-open overlaps, cancelled
    visits free their time, `excluding` leaves one out, each list sorted, one clinic only."""
    from clinic.domain.catalog import Doctor, Room
    from clinic.domain.patients import Patient
    from clinic.domain.scheduling import Appointment, AppointmentStatus, TimeRange

    clinic, other = _clinic(), _clinic("Other")
    room, other_room = Room(clinic.id, "1", None, NOW), Room(clinic.id, "2", None, NOW)
    doctor, colleague = (Doctor(clinic.id, "Anna", "#cfe3ff", NOW),
                         Doctor(clinic.id, "Olga", "#ffe3cf", NOW))
    patient = Patient(clinic.id, "Ivan", "+79161234567", NOW)

    def visit(where, who, hour, minutes=30, status=AppointmentStatus.SCHEDULED):
        start = datetime(2026, 11, 24, hour, tzinfo=UTC)
        return Appointment(clinic.id, patient.id, where.id, who.id, start,
                           start + timedelta(minutes=minutes), 0, "RUB", NOW, status=status)

    both = visit(room, doctor, 9)
    room_only = visit(room, colleague, 10)
    doctor_only = visit(other_room, doctor, 10, minutes=60)
    visits = [doctor_only, room_only, both,
              visit(room, doctor, 11, status=AppointmentStatus.CANCELLED),
              visit(other_room, colleague, 9),  # neither
              visit(room, doctor, 8)]  # ends as the span starts: no overlap
    _save(uow_factory, ("clinics", clinic), ("clinics", other), ("rooms", room),
          ("rooms", other_room), ("doctors", doctor), ("doctors", colleague),
          ("patients", patient), *(("appointments", v) for v in visits))
    span = TimeRange(datetime(2026, 11, 24, 8, 30, tzinfo=UTC),
                     datetime(2026, 11, 24, 11, 30, tzinfo=UTC))
    with uow_factory(clinic.id) as uow:
        taken = uow.appointments.taken(room_id=room.id, doctor_id=doctor.id, within=span)
        assert taken == ([both.time, room_only.time], [both.time, doctor_only.time])
        assert sorted(uow.appointments.busy(room_id=room.id, within=span)) == taken[0]
        assert sorted(uow.appointments.busy(doctor_id=doctor.id, within=span)) == taken[1]
        assert uow.appointments.taken(room_id=room.id, doctor_id=doctor.id, within=span,
                                      excluding=both.id) == ([room_only.time],
                                                             [doctor_only.time])
    with uow_factory(other.id) as uow:
        assert uow.appointments.taken(room_id=room.id, doctor_id=doctor.id,
                                      within=span) == ([], [])


def test_the_audit_head_moves_with_each_row_appended_and_only_on_commit(uow_factory):
    from clinic.application.audit import AuditTrail
    from clinic.domain.audit import AuditAction, AuditHead
    from tests.unit.fakes import FakeClock

    clinic = _clinic()
    _save(uow_factory, ("clinics", clinic))
    trail = AuditTrail(uow_factory, FakeClock(NOW))

    def append(uow):
        return trail.append(uow, clinic.id, AuditAction.PATIENT_VIEWED, "clinic", clinic.id)

    with uow_factory(clinic.id) as uow:
        uow.write_in_turn()
        assert uow.audit.claim_head(clinic.id) == AuditHead()  # none yet: row 0, GENESIS
        first = append(uow)
        uow.commit()
    with uow_factory(clinic.id) as uow:  # not committed: neither the row nor the head stays
        uow.write_in_turn()
        append(uow)
    with uow_factory(clinic.id) as uow:
        uow.write_in_turn()
        assert uow.audit.claim_head(clinic.id) == AuditHead(1, first.hash)
        second = append(uow)
        uow.commit()
    assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
