"""Planning, sending and answering reminders (application/messaging), on the fakes: due ones
go in the send log once, refusals and merges are written down, a message is sent by one worker
only and never twice, a provider outage is retried and then given up, and the patient's answer
from the link changes only that visit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from clinic.adapters.message_writer import BabelMessageWriter
from clinic.adapters.visit_links import RandomVisitLinks
from clinic.application.audit import AuditTrail
from clinic.application.messaging.answer import CLOSED, MOVED, OPEN, UNKNOWN, AnswerVisit
from clinic.application.messaging.deliver import FAILED, RETRY, SENT, SKIPPED, DeliverPatientMessage
from clinic.application.messaging.plan import DELIVER_JOB, PlanReminders
from clinic.application.messaging.ports import ChannelRefused, ChannelUnavailable, Outgoing
from clinic.application.messaging.settings import MessagingChoices, SaveMessagingSettings
from clinic.application.ports import ANY_CLINIC
from clinic.domain.messaging import Channel
from clinic.domain.patient_messages import MAX_TRIES, MessageStatus, MessagingSettings, Reply
from clinic.domain.scheduling import AppointmentStatus, Confirmation, TimeRange
from clinic.domain.shared import ValidationFailed
from clinic.domain.team import NotAllowed
from tests.factories import (
    NOW,
    AppointmentFactory,
    ClinicFactory,
    DoctorFactory,
    MembershipFactory,
    PatientFactory,
    RoomFactory,
    UserFactory,
    add,
)
from tests.unit.fakes import FakeClock, FakeUowFactory, RecordingQueue

# NOW is 2026-11-23 09:00 UTC, 12:00 in Moscow: past the day-before 10:00, so a visit for
# tomorrow at 13:00 Moscow booked now is reminded two hours before it.
VISIT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 13:00 in Moscow
DUE = VISIT - timedelta(hours=2)


class Sender:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.error: Exception | None = None
        self.price: int | None = None  # kopecks a message, where the provider charges

    def cost_minor(self, message: Outgoing) -> int | None:
        return self.price

    def send(self, message: Outgoing) -> str | None:
        if self.error is not None:
            raise self.error
        self.sent.append(message)
        return f"ref-{len(self.sent)}"


class Channels:
    def __init__(self, *channels: Channel) -> None:
        self.senders = {c: Sender() for c in channels}

    def available(self) -> frozenset[Channel]:
        return frozenset(self.senders)

    def sender(self, channel: Channel) -> Sender:
        return self.senders[channel]


class World:
    def __init__(self, *channels: Channel) -> None:
        self.uow = FakeUowFactory()
        self.clock = FakeClock(NOW)
        self.queue = RecordingQueue()
        self.channels = Channels(*(channels or (Channel.SMS, Channel.EMAIL)))
        self.links = RandomVisitLinks("https://app.example.ru")
        self.clinic = ClinicFactory()
        self.room = RoomFactory(clinic_id=self.clinic.id)
        self.doctor = DoctorFactory(clinic_id=self.clinic.id, name="Ковалёва А. И.")
        self.owner = UserFactory()
        add(self.uow(ANY_CLINIC), self.clinic, self.room, self.doctor, self.owner,
            MembershipFactory(clinic_id=self.clinic.id, user_id=self.owner.id, role="owner"),
            MessagingSettings(clinic_id=self.clinic.id, reminders_on=True))
        self.plan = PlanReminders(self.uow, self.clock, self.channels, BabelMessageWriter(),
                                  self.links, self.queue)
        self.deliver = DeliverPatientMessage(self.uow, self.channels, self.clock,
                                             BabelMessageWriter(), self.links)
        self.answer = AnswerVisit(self.uow, self.links, self.clock,
                                  AuditTrail(self.uow, self.clock))

    def patient(self, **kwargs: object) -> object:
        patient = PatientFactory(clinic_id=self.clinic.id, **kwargs)
        add(self.uow(self.clinic.id), patient)
        return patient

    def visit(self, patient: object, starts_at: datetime = VISIT) -> object:
        visit = AppointmentFactory(clinic_id=self.clinic.id, room_id=self.room.id,
                                   doctor_id=self.doctor.id, patient_id=patient.id,
                                   starts_at=starts_at)
        add(self.uow(self.clinic.id), visit)
        return visit

    def log(self) -> list:
        return sorted(self.uow.store.patient_messages.values(), key=lambda m: m.key)

    def get(self, visit_id: uuid.UUID):
        return self.uow.store.appointments[visit_id]


def test_a_reminder_is_planned_when_due_and_only_once():
    world = World()
    visit = world.visit(world.patient())
    assert world.plan(now=DUE - timedelta(minutes=1)).queued == 0
    result = world.plan(now=DUE)
    assert result.queued == 1
    [message] = world.log()
    assert (message.channel, message.status, message.appointment_id) == (
        Channel.SMS, MessageStatus.QUEUED, visit.id)
    assert message.text.startswith(f"{world.clinic.name}: ждём вас 24 ноября в 13:00, врач "
                                   "Ковалёва А. И. Ответить: https://app.example.ru/v/")
    assert world.queue.jobs == [(DELIVER_JOB, {"message_id": str(message.id)})]
    assert world.plan(now=DUE + timedelta(minutes=1)).queued == 0  # the key is taken
    assert len(world.log()) == 1


def test_nothing_is_planned_while_reminders_are_off_or_in_quiet_hours():
    world = World()
    world.visit(world.patient(), starts_at=datetime(2026, 11, 25, 6, 30, tzinfo=UTC))  # 09:30
    with world.uow(world.clinic.id) as uow:
        uow.messages.settings().reminders_on = False
        uow.commit()
    assert world.plan(now=datetime(2026, 11, 24, 7, 0, tzinfo=UTC)).queued == 0  # 10:00 day before
    with world.uow(world.clinic.id) as uow:
        uow.messages.settings().reminders_on = True
        uow.commit()
    # 23:00 in Moscow: quiet; the reminder went out at 10:00 or waits for the morning
    assert world.plan(now=datetime(2026, 11, 24, 20, 0, tzinfo=UTC)).queued == 0
    assert world.plan(now=datetime(2026, 11, 24, 7, 0, tzinfo=UTC)).queued == 1


def test_a_refusal_is_written_down_and_nothing_is_sent():
    world = World()
    patient = world.patient()
    patient.set_messaging(None, refuses_processing=False, refuses_notifications=True,
                          refuses_advertising=False,
                          today=NOW.date())
    world.visit(patient)
    result = world.plan(now=DUE)
    assert (result.queued, result.skipped) == (0, 1)
    [message] = world.log()
    assert (message.status, message.reason, message.channel) == (
        MessageStatus.SKIPPED, "refused_notifications", None)
    assert world.queue.jobs == []


def test_two_visits_of_one_phone_on_one_day_make_one_message():
    world = World()
    mother = world.patient(phone="+79161234567")
    son = world.patient(phone="+79161234567")
    world.visit(mother)
    world.visit(son, starts_at=VISIT + timedelta(hours=1))
    result = world.plan(now=DUE)
    assert (result.queued, result.skipped) == (1, 0)
    sent = [m for m in world.log() if m.status is MessageStatus.QUEUED]
    merged = [m for m in world.log() if m.reason == "merged"]
    assert len(sent) == 1 and len(merged) == 1
    assert "в 13:00 и 14:00" in sent[0].text


def test_the_preferred_channel_first_and_no_channel_is_said():
    world = World(Channel.EMAIL)
    by_email = world.patient(email="anna@example.com")
    by_email.set_messaging("email", refuses_processing=False, refuses_notifications=False,
                           refuses_advertising=False,
                           today=NOW.date())
    phone_only = world.patient()
    world.visit(by_email)
    world.visit(phone_only, starts_at=VISIT + timedelta(hours=1))
    world.plan(now=DUE + timedelta(hours=1))
    channels = {(m.patient_id, m.channel, m.reason) for m in world.log()}
    assert channels == {(by_email.id, Channel.EMAIL, None),
                        (phone_only.id, None, "no_channel")}
    [email] = [m for m in world.log() if m.channel is Channel.EMAIL]
    assert email.recipient == "anna@example.com" and email.subject.startswith("Напоминание")


def _planned(world: World) -> uuid.UUID:
    world.visit(world.patient())
    world.plan(now=DUE)
    return world.log()[0].id


def test_a_message_is_sent_once_even_when_delivered_twice():
    world = World()
    message_id = _planned(world)
    assert world.deliver(message_id) == SENT
    assert world.deliver(message_id) == SKIPPED
    assert len(world.channels.senders[Channel.SMS].sent) == 1
    message = world.uow.store.patient_messages[message_id]
    assert (message.status, message.provider_ref, message.attempts) == (
        MessageStatus.SENT, "ref-1", 1)


def test_a_provider_outage_is_retried_then_given_up():
    world = World(Channel.SMS)
    message_id = _planned(world)
    world.channels.senders[Channel.SMS].error = ChannelUnavailable("503 Service Unavailable")
    outcomes = [world.deliver(message_id) for _ in range(MAX_TRIES)]
    assert outcomes == [RETRY] * (MAX_TRIES - 1) + [FAILED]
    message = world.uow.store.patient_messages[message_id]
    assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_TRIES)
    assert "503" in message.reason
    assert world.deliver(message_id) == SKIPPED


def test_a_refused_message_fails_at_once():
    world = World(Channel.SMS)
    message_id = _planned(world)
    world.channels.senders[Channel.SMS].error = ChannelRefused("invalid phone number")
    assert world.deliver(message_id) == FAILED
    assert world.uow.store.patient_messages[message_id].reason == "invalid phone number"


def test_a_message_left_by_a_stopped_worker_is_never_sent_again():
    world = World()
    message_id = _planned(world)
    with world.uow(ANY_CLINIC) as uow:  # a worker takes it, then dies before sending
        assert uow.messages.claim(message_id, DUE)
    result = world.plan(now=DUE + timedelta(minutes=11))
    assert result.abandoned == 1
    message = world.uow.store.patient_messages[message_id]
    assert (message.status, message.reason) == (MessageStatus.UNKNOWN, "worker_stopped")
    assert world.deliver(message_id) == SKIPPED
    assert world.channels.senders[Channel.SMS].sent == []


def test_a_queued_message_whose_job_was_lost_is_handed_out_again():
    world = World()
    message_id = _planned(world)
    world.queue.jobs.clear()
    assert world.plan(now=DUE + timedelta(minutes=6)).retried == 1
    assert world.queue.jobs == [(DELIVER_JOB, {"message_id": str(message_id)})]


def _link_token(world: World, visit: object) -> str:
    """The code of the link in the visit's reminder (planned when its time comes)."""
    world.plan(now=max(world.clock.now(), visit.starts_at - timedelta(hours=2)))
    message = next(m for m in world.log() if m.appointment_id == visit.id and m.link_code)
    assert message.text.endswith(f"https://app.example.ru/v/{message.link_code}")
    return message.link_code


def test_i_will_come_confirms_only_that_visit_and_is_written_on_the_reminder():
    world = World()
    visit = world.visit(world.patient())
    other = world.visit(world.patient(), starts_at=VISIT + timedelta(hours=3))
    token = _link_token(world, visit)
    world.clock.current = DUE + timedelta(minutes=5)
    shown = world.answer.show(token)
    assert shown is not None and shown.state == OPEN and shown.doctor == "Ковалёва А. И."
    assert world.answer(token, Reply.COMING) == OPEN
    assert world.get(visit.id).confirmation is Confirmation.CONFIRMED
    assert world.get(other.id).confirmation is Confirmation.NONE
    reminder = next(m for m in world.log() if m.appointment_id == visit.id)
    assert (reminder.reply, reminder.replied_at) == (Reply.COMING, world.clock.current)


def test_cancel_frees_the_time_and_another_time_is_asked_for():
    world = World()
    cancelled, moving = world.visit(world.patient()), world.visit(
        world.patient(), starts_at=VISIT + timedelta(minutes=30))
    cancelled_code, moving_code = _link_token(world, cancelled), _link_token(world, moving)
    assert world.answer(cancelled_code, Reply.CANCEL) == OPEN
    assert world.get(cancelled.id).status is AppointmentStatus.CANCELLED
    assert world.answer(moving_code, Reply.RESCHEDULE) == OPEN
    assert world.get(moving.id).confirmation is Confirmation.RESCHEDULE_REQUESTED
    assert world.answer(cancelled_code, Reply.COMING) == CLOSED


def test_an_old_or_foreign_link_changes_nothing():
    world = World()
    visit = world.visit(world.patient())
    old = _link_token(world, visit)
    with world.uow(world.clinic.id) as uow:  # moved an hour later: a new time, a new link
        moved = uow.appointments.get(visit.id)
        moved.reschedule(TimeRange(VISIT + timedelta(hours=1), VISIT + timedelta(hours=1.5)),
                         moved.room_id, moved.doctor_id)
        uow.commit()
    assert world.answer(old, Reply.COMING) == MOVED
    assert world.get(visit.id).confirmation is Confirmation.NONE
    assert world.answer(world.links.new_code(), Reply.COMING) == UNKNOWN  # nobody's code
    assert world.answer("x" * 200, Reply.COMING) == UNKNOWN
    assert world.answer.show("short") is None
    world.plan(now=VISIT - timedelta(minutes=50))  # the new time's reminder, a new link
    new = next(m for m in world.log() if m.link_code and m.link_code != old)
    world.clock.current = VISIT + timedelta(hours=1, minutes=5)  # the visit has begun
    assert world.answer(new.link_code, Reply.COMING) == CLOSED


def test_confirmed_then_moved_asks_again():
    world = World()
    visit = world.visit(world.patient())
    assert world.answer(_link_token(world, visit), Reply.COMING) == OPEN
    assert world.get(visit.id).confirmation is Confirmation.CONFIRMED
    with world.uow(world.clinic.id) as uow:
        moved = uow.appointments.get(visit.id)
        moved.reschedule(TimeRange(VISIT + timedelta(days=1), VISIT + timedelta(days=1.02)),
                         moved.room_id, moved.doctor_id)
        uow.commit()
    assert world.get(visit.id).confirmation is Confirmation.NONE


def _choices(**changes: object) -> MessagingChoices:
    values: dict[str, object] = dict(
        reminders_on=True, confirm_on_booking=False, channels=["sms", "email"],
        day_before_at="10:00", same_day_lead_minutes=120, quiet_from="21:00", quiet_to="09:00")
    values.update(changes)
    return MessagingChoices(**values)  # type: ignore[arg-type]


def test_settings_are_checked_and_saved_and_staff_may_not_change_them():
    world = World()
    save = SaveMessagingSettings(world.uow, world.clock)
    with pytest.raises(ValidationFailed) as error:
        save(world.clinic.id, world.owner.id, _choices(
            day_before_at="22:30", quiet_to="25:00", channels=[], same_day_lead_minutes=7,
            reminder_template="  "))
    assert error.value.errors == {
        "quiet_to": "time_invalid", "channels": "channels_empty",
        "same_day_lead_minutes": "choice_invalid", "template_reminder": "template_empty"}
    with pytest.raises(ValidationFailed) as error:
        save(world.clinic.id, world.owner.id, _choices(day_before_at="22:30"))
    assert error.value.errors == {"day_before_at": "reminder_in_quiet_hours"}
    saved = save(world.clinic.id, world.owner.id, _choices(channels=["email"],
                                                           day_before_at="11:15"))
    assert (saved.channels, saved.day_before_at) == ("email", "11:15")
    staff = UserFactory()
    add(world.uow(ANY_CLINIC), staff, MembershipFactory(clinic_id=world.clinic.id,
                                                        user_id=staff.id))
    with pytest.raises(NotAllowed):
        save.switch(world.clinic.id, staff.id, False)


def test_the_one_tap_switch_turns_on_the_defaults():
    world = World()
    other = ClinicFactory()
    add(world.uow(ANY_CLINIC), other, MembershipFactory(clinic_id=other.id,
                                                         user_id=world.owner.id, role="owner"))
    settings = SaveMessagingSettings(world.uow, world.clock).switch(other.id, world.owner.id,
                                                                    True)
    assert settings.reminders_on and settings.enabled_channels() == [
        Channel.SMS, Channel.EMAIL]  # Telegram too, once the clinic connects its bot
    settings.telegram_token = "7012345678:token"
    assert settings.enabled_channels() == [Channel.TELEGRAM, Channel.SMS, Channel.EMAIL]
    assert (settings.day_before_at, settings.quiet_from, settings.quiet_to) == (
        "10:00", "21:00", "09:00")


def _by_sms_then_email(world: World) -> uuid.UUID:
    world.visit(world.patient(email="anna@example.com"))
    world.plan(now=DUE)
    [message] = world.log()
    assert message.channel is Channel.SMS
    return message.id


def test_a_message_that_failed_for_good_goes_on_by_the_next_channel_with_its_link():
    world = World()
    message_id = _by_sms_then_email(world)
    code = world.uow.store.patient_messages[message_id].link_code
    world.channels.senders[Channel.SMS].error = ChannelRefused("207 no route")
    assert world.deliver(message_id) == FAILED
    failed, following = sorted(world.uow.store.patient_messages.values(),
                               key=lambda m: len(m.key))
    assert (failed.status, failed.link_code) == (MessageStatus.FAILED, None)
    assert (following.channel, following.status, following.recipient) == (
        Channel.EMAIL, MessageStatus.QUEUED, "anna@example.com")
    assert following.key == failed.key + ">email" and following.link_code == code
    assert following.text.endswith(f"/v/{code}") and following.subject.startswith("Напоминание")
    assert world.deliver(following.id) == SENT
    assert len(world.channels.senders[Channel.EMAIL].sent) == 1
    world.channels.senders[Channel.EMAIL].error = ChannelRefused("550 no such user")
    assert len(world.log()) == 2  # nothing after the last channel


def test_the_sms_budget_stops_sms_and_email_takes_over():
    world = World()
    with world.uow(world.clinic.id) as uow:
        uow.messages.settings().sms_budget_minor = 1000  # 10 roubles a month
        uow.commit()
    sms = world.channels.senders[Channel.SMS]
    sms.price = 600
    first = _by_sms_then_email(world)
    assert world.deliver(first) == SENT
    assert world.uow.store.patient_messages[first].cost_minor == 600
    world.visit(world.patient(email="boris@example.com"), starts_at=VISIT + timedelta(hours=1))
    world.plan(now=DUE + timedelta(hours=1))
    second = next(m for m in world.log() if m.channel is Channel.SMS and m.id != first)
    assert world.deliver(second.id) == SKIPPED  # 600 + 600 > 1000
    assert (second.status, second.reason) == (MessageStatus.SKIPPED, "sms_budget_reached")
    assert len(sms.sent) == 1
    by_email = next(m for m in world.log() if m.channel is Channel.EMAIL)
    assert by_email.recipient == "boris@example.com" and by_email.status is MessageStatus.QUEUED


def _notify(world: World):
    from clinic.application.messaging.compose import Composer
    from clinic.application.messaging.notify import NotifyPatient

    return NotifyPatient(world.uow, world.clock, Composer(world.channels, BabelMessageWriter(),
                                                          world.links), world.queue)


def test_a_move_by_more_than_15_minutes_or_to_another_doctor_is_told_once():
    from clinic.domain.visit_events import VisitMoved

    world = World()
    visit = world.visit(world.patient())
    notify = _notify(world)
    world.clock.current = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 12:00 in Moscow

    def moved(minutes: int, doctor: uuid.UUID | None = None):
        with world.uow(world.clinic.id) as uow:
            found = uow.appointments.get(visit.id)
            old = found.starts_at
            found.reschedule(found.time.shifted_to(old + timedelta(minutes=minutes)),
                             found.room_id, doctor or found.doctor_id)
            uow.commit()
        return notify(VisitMoved(world.clinic.id, visit.id, old, old + timedelta(
            minutes=minutes), world.doctor.id, doctor or world.doctor.id))

    assert moved(10) is None  # 10 minutes: not worth a message
    assert moved(30) == "queued"
    [change] = world.log()
    assert change.text.startswith(f"{world.clinic.name}: ваш визит перенесён на 24 ноября в "
                                  "13:40")
    assert change.link_code and world.queue.jobs[-1][1] == {"message_id": str(change.id)}
    with world.uow(world.clinic.id) as uow:
        same = uow.appointments.get(visit.id)
    assert notify(VisitMoved(world.clinic.id, visit.id, same.starts_at, same.starts_at,
                             world.doctor.id, world.doctor.id)) is None  # said already


def test_a_cancellation_made_in_quiet_hours_waits_for_the_morning():
    from clinic.domain.visit_events import VisitCancelled

    world = World()
    visit = world.visit(world.patient())
    world.clock.current = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)  # 22:30 in Moscow
    assert _notify(world)(VisitCancelled(world.clinic.id, visit.id)) == "queued"
    [notice] = world.log()
    assert notice.kind.value == "cancellation" and notice.link_code is None
    assert notice.not_before == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    assert world.queue.jobs == []  # held
    assert world.deliver(notice.id) == SKIPPED  # not before its time, whoever asks
    assert world.plan(now=datetime(2026, 11, 24, 6, 6, tzinfo=UTC)).retried == 1


def test_a_booking_confirmation_only_when_the_clinic_wants_one():
    from clinic.domain.visit_events import VisitBooked

    world = World()
    visit = world.visit(world.patient())
    assert _notify(world)(VisitBooked(world.clinic.id, visit.id)) is None
    with world.uow(world.clinic.id) as uow:
        uow.messages.settings().confirm_on_booking = True
        uow.commit()
    assert _notify(world)(VisitBooked(world.clinic.id, visit.id)) == "queued"
    assert world.log()[0].kind.value == "confirmation"


def test_reminder_figures_are_shares_rounded_half_up_and_none_without_a_base():
    from clinic.domain.reporting import Period, ReminderFigures

    figures = ReminderFigures(reminded=8, confirmed=5, no_shows=1, attended=7)
    assert (figures.confirmed_percent, figures.no_show_percent) == (63, 13)  # 62.5, 12.5
    assert ReminderFigures(0, 0, 0, 0).confirmed_percent is None
    assert ReminderFigures(0, 0, 0, 0).no_show_percent is None
    from datetime import date
    assert Period(date(2026, 11, 1), date(2026, 11, 30)).before() == Period(
        date(2026, 10, 1), date(2026, 10, 31))  # a month: the whole month before
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).before() == Period(
        date(2026, 2, 1), date(2026, 2, 28))
    assert Period(date(2026, 11, 30), date(2026, 12, 6)).before() == Period(
        date(2026, 11, 23), date(2026, 11, 29))  # a week: the week before


def test_erasing_a_patient_wipes_where_their_messages_went_and_their_telegram():
    from clinic.application.patients.erase import ErasePatient
    from tests.unit.fakes import FakeHasher

    world = World()
    patient = world.patient(email="anna@example.com")
    patient.telegram_chat_id, patient.telegram_code = "555", "Tg3code7Abcd"
    world.visit(patient)
    world.plan(now=DUE)
    assert world.log()[0].recipient == patient.phone
    ErasePatient(world.uow, FakeHasher(), world.clock, AuditTrail(world.uow, world.clock))(
        world.clinic.id, world.owner.id, patient.id, "correct horse", "Deleted patient")
    erased = world.uow.store.patients[patient.id]
    assert (erased.telegram_chat_id, erased.telegram_code, erased.phone) == (None, None, "")
    assert [m.recipient for m in world.log()] == [""]
