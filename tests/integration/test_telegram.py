"""Telegram for real, over HTTP: the clinic's bot through our Bot API client against a local
Telegram that answers as the API documents (tests/telegram_api.py), and Telegram's updates
into our webhook through the app. Connecting checks the token and points the bot at us with
a secret; a patient links their chat with Start on the card's link; a reminder arrives with
buttons; a button confirms the visit; without the secret nothing is read; a bot the patient
blocked, or Telegram in trouble, is told apart."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic.adapters.sqlalchemy import tables
from clinic.adapters.telegram import TelegramBotApi, TelegramError
from clinic.application.messaging.ports import ChannelRefused, ChannelUnavailable
from clinic.application.ports import ANY_CLINIC
from clinic.entrypoints.web.app import create_app
from tests.factories import AppointmentFactory, DoctorFactory, PatientFactory, RoomFactory, add
from tests.integration.conftest import Browser, make_container, make_settings
from tests.telegram_api import BOT, TOKEN, TelegramApi


@pytest.fixture
def telegram():
    api = TelegramApi().start()
    yield api
    api.stop()


def test_the_client_tells_a_blocked_bot_from_telegram_in_trouble(telegram):
    client = TelegramBotApi(TOKEN, telegram.url)
    assert client.get_me()["username"] == BOT
    client.send_message("555", "Привет", (("Приду", "Ab3dE6gH9kLm:coming"),))
    [sent] = telegram.called("sendMessage")
    assert sent["reply_markup"] == {"inline_keyboard": [[
        {"text": "Приду", "callback_data": "Ab3dE6gH9kLm:coming"}]]}
    telegram.blocked.add("555")
    with pytest.raises(ChannelRefused, match="403"):
        client.send_message("555", "Привет")
    with pytest.raises(ChannelRefused, match="400"):
        client.send_message("not-a-chat", "Привет")
    for trouble in (429, 502):
        telegram.trouble = trouble
        with pytest.raises(ChannelUnavailable, match=str(trouble)):
            client.send_message("556", "Привет")
    with pytest.raises(TelegramError, match="401"):
        TelegramBotApi("1:wrong", telegram.url).get_me()


def test_a_patient_links_telegram_and_answers_a_reminder_with_a_button(
        telegram, sqlite_url, tmp_path):
    container = make_container(make_settings(sqlite_url, tmp_path,
                                             telegram_api_base=telegram.url))
    app = create_app(container.settings(), container)
    browser = Browser(app.test_client())
    browser.sign_up()
    clinic_id = container.account_queries().tenants()[0].id

    wrong = browser.post("/settings/reminders/telegram", {"telegram_token": "1:wrong"},
                         source="/settings/reminders")
    assert wrong.status_code == 422 and "BotFather" in wrong.get_data(as_text=True)
    unknown = browser.post("/settings/reminders/telegram",
                           {"telegram_token": "7012345678:" + "x" * 35},
                           source="/settings/reminders")
    assert unknown.status_code == 422 and telegram.called("setWebhook") == []
    connected = browser.post("/settings/reminders/telegram", {"telegram_token": TOKEN},
                             source="/settings/reminders")
    assert connected.status_code == 302
    [hook] = telegram.called("setWebhook")
    assert re.fullmatch(r"http://localhost/webhooks/telegram/[0-9a-f-]{36}", hook["url"])
    secret = hook["secret_token"]
    assert len(secret) >= 40 and hook["allowed_updates"] == ["message", "callback_query"]
    path = hook["url"].removeprefix("http://localhost")

    room = RoomFactory(clinic_id=clinic_id, name="Reminders room")  # not a starter name
    doctor = DoctorFactory(clinic_id=clinic_id)
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                            microsecond=0)
    patient = PatientFactory(clinic_id=clinic_id, created_at=start - timedelta(days=3))
    visit = AppointmentFactory(clinic_id=clinic_id, room_id=room.id, doctor_id=doctor.id,
                               patient_id=patient.id, starts_at=start,
                               created_at=start - timedelta(days=3))
    add(container.uow(ANY_CLINIC), room, doctor)
    add(container.uow(clinic_id), patient, visit)
    browser.post("/settings/reminders/switch", {"on": "1"}, source="/settings/reminders")

    card = browser.client.get(f"/patients/{patient.id}/telegram").get_data(as_text=True)
    code = re.search(rf"https://t\.me/{BOT}\?start=([A-Za-z0-9]{{12}})", card).group(1)
    assert "<svg" in card  # the QR code to scan at the desk

    def update(body: dict, token: str = secret):
        return browser.client.post(path, json={"update_id": 1, **body},
                                   headers={"X-Telegram-Bot-Api-Secret-Token": token})

    start_message = {"message": {"message_id": 1, "chat": {"id": 555, "type": "private"},
                                 "from": {"id": 555, "is_bot": False, "first_name": "Иван"},
                                 "date": 1764800000, "text": f"/start {code}"}}
    assert update(start_message, token="guessed").status_code == 403
    assert update(start_message).status_code == 200
    assert update(start_message).status_code == 200  # Telegram may send it twice
    with container.engine().connect() as conn:
        chat = conn.execute(select(tables.patients.c.telegram_chat_id).where(
            tables.patients.c.id == patient.id)).scalar_one()
    assert chat == "555"
    welcome = telegram.called("sendMessage")[-1]
    clinic_name = container.account_queries().tenants()[0].name
    assert welcome == {"chat_id": "555", "link_preview_options": {"is_disabled": True},
                       "text": f"Done: reminders of your visits to {clinic_name} will come "
                               "here."}

    assert container.plan_reminders()(now=start - timedelta(hours=23)).queued == 1
    reminder = telegram.called("sendMessage")[-1]
    assert reminder["chat_id"] == "555" and "/v/" in reminder["text"]
    buttons = reminder["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"].split(":")[1] for b in buttons] == [
        "coming", "reschedule", "cancel"]
    pressed = update({"callback_query": {
        "id": "4382bfdwdsb323b2d9", "from": {"id": 555, "is_bot": False, "first_name": "Иван"},
        "chat_instance": "-1", "data": buttons[0]["callback_data"]}})
    assert pressed.status_code == 200
    with container.engine().connect() as conn:
        confirmation = conn.execute(select(tables.appointments.c.confirmation)).scalar_one()
    assert confirmation.value == "confirmed"
    [ack] = telegram.called("answerCallbackQuery")
    assert ack["callback_query_id"] == "4382bfdwdsb323b2d9"
    container.engine().dispose()


def test_an_update_without_the_right_secret_or_of_another_shape_reads_nothing(client):
    assert client.post("/webhooks/telegram/x", json={}).status_code == 403
    no_hook = client.post("/webhooks/telegram/3f0c0d6e-1111-2222-3333-444455556666",
                          json={"update_id": 1},
                          headers={"X-Telegram-Bot-Api-Secret-Token": "s"})
    assert no_hook.status_code == 403
    bad = client.post("/webhooks/telegram/x", data=b"[" * 100_000,
                      headers={"X-Telegram-Bot-Api-Secret-Token": "s",
                               "Content-Type": "application/json"})
    assert bad.status_code == 400
