"""The patient's notices through the real container (both databases): booking, moving and
cancelling through their use cases publish what happened, and the clinic's settings decide
what the patient is told; each notice once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from clinic.application.ports import ANY_CLINIC
from clinic.application.scheduling.book import BookingRequest
from clinic.application.scheduling.change import AppointmentChanges
from clinic.domain.accounts import Role
from clinic.domain.patient_messages import MessagingSettings, PatientMessage
from clinic.domain.scheduling import AppointmentStatus
from tests.factories import (
    ClinicFactory,
    DoctorFactory,
    MembershipFactory,
    PatientFactory,
    ProcedureFactory,
    RoomFactory,
    UserFactory,
    add,
)


def _log(container) -> list[PatientMessage]:
    with container.uow(ANY_CLINIC) as uow:
        return sorted(uow.session.scalars(select(PatientMessage)).all(),
                      key=lambda m: m.created_at)


def test_booking_moving_and_cancelling_tell_the_patient_once_each(container, capsys):
    clinic = ClinicFactory(name="Улыбка", timezone="UTC")  # no quiet hours in the way by day
    owner = UserFactory()
    room, doctor = RoomFactory(clinic_id=clinic.id), DoctorFactory(clinic_id=clinic.id)
    procedure = ProcedureFactory(clinic_id=clinic.id)
    patient = PatientFactory(clinic_id=clinic.id, email="anna@example.com")
    add(container.uow(ANY_CLINIC), clinic, owner, room, doctor, procedure,
        MembershipFactory(clinic_id=clinic.id, user_id=owner.id, role=Role.OWNER),
        MessagingSettings(clinic_id=clinic.id, reminders_on=True, confirm_on_booking=True,
                          channels="email", quiet_from="00:00", quiet_to="00:00"))
    add(container.uow(clinic.id), patient)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=12, minute=0, second=0,
                                                            microsecond=0)
    visit = container.book_appointment()(clinic.id, BookingRequest(
        patient_id=patient.id, room_id=room.id, doctor_id=doctor.id, starts_at=start,
        procedure_ids=[procedure.id], confirm_outside_hours=True, booked_by=owner.id))
    update = container.update_appointment()
    update(clinic.id, owner.id, visit.id, AppointmentChanges(
        starts_at=start + timedelta(minutes=10), confirm_outside_hours=True))  # too little
    update(clinic.id, owner.id, visit.id, AppointmentChanges(
        starts_at=start + timedelta(hours=2), confirm_outside_hours=True))
    update(clinic.id, owner.id, visit.id, AppointmentChanges(status=AppointmentStatus.CANCELLED))
    update(clinic.id, owner.id, visit.id, AppointmentChanges(status=AppointmentStatus.SCHEDULED))
    update(clinic.id, owner.id, visit.id, AppointmentChanges(status=AppointmentStatus.CANCELLED))
    log = _log(container)
    assert [(m.kind.value, m.status.value) for m in log] == [
        ("confirmation", "sent"), ("change", "sent"), ("cancellation", "sent")]
    assert all(m.recipient == "anna@example.com" for m in log)
    printed = capsys.readouterr().out  # the console mailer (no SMTP in tests)
    assert "Улыбка: вы записаны на" in printed
    assert "Улыбка: ваш визит перенесён на" in printed and "/v/" in log[1].text
    assert "Улыбка: ваш визит " in printed and " отменён. Позвоните нам" in printed
