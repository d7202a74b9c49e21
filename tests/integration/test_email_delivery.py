"""Emails for real: the outbox, a real Redis with an rq worker process, a real SMTP server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
import redis
from sqlalchemy import select

from clinic.application.accounts.sign_up import SignUpCommand
from clinic.application.outbox.message import OutboxMessage
from clinic.application.ports import ANY_CLINIC
from tests.integration.conftest import make_container, make_settings


@pytest.fixture
def mail_setup(database_url, redis_url, inbox, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(database_url, tmp_path, redis_url=redis_url, queue_name=queue,
                             smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_starttls=False)
    container = make_container(settings)
    container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com", "correct horse", "ru"))
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "RQ_QUEUE": queue, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(inbox.port),
           "SMTP_STARTTLS": "0", "SECRET_KEY": "test", "CLINIC_INSTANCE_DIR": str(tmp_path)}
    yield container, env
    redis.Redis.from_url(redis_url).delete(f"rq:queue:{queue}")
    container.engine().dispose()


def _run_cli(env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clinic.entrypoints.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def _outbox(container) -> list[OutboxMessage]:
    with container.uow(ANY_CLINIC) as uow:
        return list(uow.session.scalars(select(OutboxMessage)).all())


def _request_reset(container) -> None:
    container.request_password_reset()("anna@example.com", "en",
                                       lambda token: f"http://clinic.test/reset/{token}")


def test_a_reset_email_travels_through_redis_and_the_worker_to_smtp(mail_setup, inbox):
    container, env = mail_setup
    _request_reset(container)
    (waiting,) = _outbox(container)
    assert waiting.sent_at is None and not inbox.messages  # queued, not sent by the web process
    worker = _run_cli(env, "worker", "--burst")
    assert worker.returncode == 0, worker.stderr
    (email,) = inbox.messages
    assert email["To"] == "anna@example.com"
    assert email["Subject"] == "Новый пароль для Chairside"
    text = email.get_body(("plain",)).get_content()
    assert "Здравствуйте, Anna!" in text
    assert 'href="http://clinic.test/reset/' in email.get_body(("html",)).get_content()
    assert re.search(r"http://clinic\.test/reset/\S+", text)
    (sent,) = _outbox(container)
    assert sent.sent_at is not None


def test_with_smtp_down_the_email_waits_and_the_relay_sends_it_later(mail_setup, inbox):
    container, env = mail_setup
    inbox.stop()
    _request_reset(container)
    worker = _run_cli(env, "worker", "--burst")
    assert worker.returncode == 0, worker.stderr
    (waiting,) = _outbox(container)
    assert waiting.sent_at is None and waiting.attempts >= 1 and waiting.last_error
    inbox.start()
    relay = _run_cli(env, "outbox", "relay")
    assert relay.returncode == 0, relay.stderr
    assert "sent 1" in relay.stdout
    assert [m["To"] for m in inbox.messages] == ["anna@example.com"]


def test_with_redis_down_the_request_still_succeeds_and_the_email_waits(database_url, inbox,
                                                                        tmp_path):
    settings = make_settings(database_url, tmp_path, redis_url="redis://127.0.0.1:1/0",
                             smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_starttls=False)
    container = make_container(settings)
    container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com", "correct horse", "ru"))
    _request_reset(container)
    (waiting,) = _outbox(container)
    assert waiting.sent_at is None
    result = container.relay_outbox()()
    assert (result.sent, result.failed) == (1, 0)
    assert [m["To"] for m in inbox.messages] == ["anna@example.com"]
    container.engine().dispose()
