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


def test_the_report_counts_reminded_confirmed_and_missed_visits(container):
    from zoneinfo import ZoneInfo

    from clinic.application.reporting.queries import ReportScope
    from clinic.domain.messaging import Channel, MessageKind
    from clinic.domain.patient_messages import MessageStatus
    from clinic.domain.reporting import Period
    from clinic.domain.scheduling import Confirmation
    from tests.factories import AppointmentFactory

    clinic = ClinicFactory(timezone="UTC")
    room, doctor = RoomFactory(clinic_id=clinic.id), DoctorFactory(clinic_id=clinic.id)
    patient = PatientFactory(clinic_id=clinic.id)
    add(container.uow(ANY_CLINIC), clinic, room, doctor)
    day = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    visits = [AppointmentFactory(clinic_id=clinic.id, room_id=room.id, doctor_id=doctor.id,
                                 patient_id=patient.id, starts_at=day + timedelta(hours=n),
                                 status=status)
              for n, status in enumerate([AppointmentStatus.DONE, AppointmentStatus.NO_SHOW,
                                          AppointmentStatus.DONE, AppointmentStatus.CANCELLED])]
    visits[0].confirmation = Confirmation.CONFIRMED
    visits[2].confirmation = Confirmation.CONFIRMED  # confirmed, but never reminded
    add(container.uow(clinic.id), patient, *visits)
    with container.uow(clinic.id) as uow:
        for n, status in ((0, MessageStatus.DELIVERED), (1, MessageStatus.SENT),
                          (3, MessageStatus.FAILED)):
            uow.messages.add(PatientMessage(
                clinic_id=clinic.id, patient_id=patient.id, appointment_id=visits[n].id,
                kind=MessageKind.REMINDER, key=f"{visits[n].id}:reminder:1",
                created_at=day - timedelta(days=1), channel=Channel.SMS, status=status))
        uow.commit()
    scope = ReportScope(clinic.id, Period(day.date().replace(day=1), day.date().replace(day=30)),
                        ZoneInfo("UTC"), datetime(2026, 12, 1, tzinfo=UTC))
    figures, before = container.report_queries().reminder_figures(scope)
    assert before.reminded == 0 and before.no_show_percent is None
    assert (figures.reminded, figures.confirmed, figures.no_shows, figures.attended) == (
        2, 1, 1, 2)
    assert (figures.confirmed_percent, figures.no_show_percent) == (50, 33)
