"""The SMS.ru adapter (adapters/smsru.py) over real HTTP against a local SMS.ru that answers as
the provider documents (tests/smsru_gateway.py): what is sent and how, the answers that mean
"never" (refused, not retried) and those that mean "later" (retried), the cost of a text for
the clinic's budget, and delivery states."""

from __future__ import annotations

import pytest

from clinic.adapters.smsru import SmsRu
from clinic.application.messaging.ports import ChannelRefused, ChannelUnavailable, Outgoing
from clinic.domain.messaging import Channel
from tests.smsru_gateway import API_ID, SmsRuGateway, closed_port

TEXT = "Улыбка: ждём вас 4 декабря в 10:00, врач Ковалёва А. И. Ответить: https://x.ru/v/Ab3dE6gH9kLm"


@pytest.fixture
def gateway():
    gateway = SmsRuGateway().start()
    yield gateway
    gateway.stop()


def _sms(to: str = "+79161234567") -> Outgoing:
    return Outgoing(Channel.SMS, to, "", TEXT)


def test_a_message_is_posted_as_smsru_documents_and_its_id_kept(gateway):
    sms_id = SmsRu(API_ID, "Ulybka", gateway.url).send(_sms())
    assert sms_id == "000000-1000001"
    [form] = gateway.sent
    assert form == {"api_id": API_ID, "json": "1", "to": "79161234567", "msg": TEXT,
                    "from": "Ulybka"}


@pytest.mark.parametrize("code", [202, 207, 209, 215])
def test_a_number_that_cannot_be_reached_is_refused_not_retried(gateway, code):
    gateway.refuse["79161234567"] = code
    with pytest.raises(ChannelRefused, match=str(code)):
        SmsRu(API_ID, None, gateway.url).send(_sms())
    assert gateway.sent == []


@pytest.mark.parametrize("trouble", ["503", "220", "not-json"])
def test_a_gateway_in_trouble_is_tried_again_later(gateway, trouble):
    gateway.trouble = trouble
    with pytest.raises(ChannelUnavailable):
        SmsRu(API_ID, None, gateway.url).send(_sms())


def test_a_wrong_key_a_closed_port_and_a_slow_gateway_are_tried_again_later(gateway):
    with pytest.raises(ChannelUnavailable, match="200"):
        SmsRu("wrong", None, gateway.url).send(_sms())
    with pytest.raises(ChannelUnavailable, match="unreachable"):
        SmsRu(API_ID, None, f"http://127.0.0.1:{closed_port()}").send(_sms())
    gateway.trouble = "slow"
    with pytest.raises(ChannelUnavailable, match="Timeout"):
        SmsRu(API_ID, None, gateway.url, timeout=0.5).send(_sms())


def test_the_cost_of_a_text_in_kopecks(gateway):
    client = SmsRu(API_ID, None, gateway.url)
    assert client.cost_minor(_sms()) == 2 * 174  # 96 Cyrillic characters: two parts
    assert client.cost_minor(Outgoing(Channel.SMS, "+79161234567", "", "Hi")) == 174


def test_delivery_states_are_read_by_id(gateway):
    client = SmsRu(API_ID, None, gateway.url)
    first, second, third = (client.send(_sms()) for _ in range(3))
    gateway.states = {first: 103, second: 106, third: 102}
    found = client.deliveries([first, second, third, "000000-9"])
    assert found[first].delivered and found[first].failed_reason is None
    assert not found[second].delivered and found[second].failed_reason == "the phone failed"
    assert third not in found and "000000-9" not in found  # on its way; unknown


def test_reminders_go_by_smsru_its_cost_counts_and_an_undelivered_one_goes_by_email(
        gateway, database_url, tmp_path):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from clinic.application.ports import ANY_CLINIC
    from clinic.domain.patient_messages import MessageStatus, MessagingSettings, PatientMessage
    from tests.factories import (
        AppointmentFactory,
        ClinicFactory,
        DoctorFactory,
        PatientFactory,
        RoomFactory,
        add,
    )
    from tests.integration.conftest import make_container, make_settings

    container = make_container(make_settings(database_url, tmp_path, smsru_api_id=API_ID,
                                             smsru_api_base=gateway.url))
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                            microsecond=0)
    clinic = ClinicFactory(name="Улыбка")
    room, doctor = RoomFactory(clinic_id=clinic.id), DoctorFactory(clinic_id=clinic.id)
    patients = [PatientFactory(clinic_id=clinic.id, phone=f"+7916000000{n}",
                               email=f"p{n}@example.com") for n in range(3)]
    add(container.uow(ANY_CLINIC), clinic, room, doctor, MessagingSettings(
        clinic_id=clinic.id, reminders_on=True, channels="sms,email", sms_budget_minor=700))
    add(container.uow(clinic.id), *patients, *[
        AppointmentFactory(clinic_id=clinic.id, room_id=room.id, doctor_id=doctor.id,
                           patient_id=p.id, starts_at=start + timedelta(hours=n),
                           created_at=start - timedelta(days=3))
        for n, p in enumerate(patients)])

    result = container.plan_reminders()(now=start - timedelta(hours=23))  # inline: sent at once

    def log() -> list[PatientMessage]:
        with container.uow(ANY_CLINIC) as uow:
            return sorted(uow.session.scalars(select(PatientMessage)).all(),
                          key=lambda m: (m.recipient, m.key))

    assert result.queued == 3
    assert [form["to"] for form in gateway.sent] == ["79160000000", "79160000001"]
    by_sms = [m for m in log() if m.channel.value == "sms"]
    assert [(m.status, m.cost_minor) for m in by_sms] == [
        (MessageStatus.SENT, 348), (MessageStatus.SENT, 348),
        (MessageStatus.SKIPPED, None)]  # the third would pass 7 roubles this month
    assert by_sms[2].reason == "sms_budget_reached"
    gateway.states = {by_sms[0].provider_ref: 103, by_sms[1].provider_ref: 106}
    assert container.track_deliveries()() == (1, 1)
    statuses = {m.recipient: (m.status, m.reason) for m in log() if m.channel.value == "sms"}
    assert statuses["+79160000000"] == (MessageStatus.DELIVERED, None)
    assert statuses["+79160000001"] == (MessageStatus.FAILED, "the phone failed")
    later = container.plan_reminders()(now=datetime.now(UTC) + timedelta(minutes=6))
    assert later.retried == 2  # the two email fallbacks, handed out by the next round
    emails = {m.recipient: m.status for m in log() if m.channel.value == "email"}
    assert emails == {"p1@example.com": MessageStatus.SENT, "p2@example.com": MessageStatus.SENT}
    container.engine().dispose()
