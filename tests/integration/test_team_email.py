"""The invitation email for real: the outbox, a real Redis and `clinic worker --burst` as a
separate process, a real SMTP server on loopback; and Redis down while inviting."""

from __future__ import annotations

import os
import re
import uuid

import pytest
import redis
from sqlalchemy import select

from clinic.adapters.sqlalchemy import tables
from clinic.application.accounts.sign_up import SignUpCommand
from tests.integration.conftest import make_container, make_settings
from tests.integration.test_email_delivery import _run_cli
from tests.licences import grant_licence

LINK = re.compile(r"http://clinic\.test/join/(\S+)")
# The subject as the Russian catalogue has it (the clinic's language is Russian).
RU_SUBJECT = "Anna приглашает вас в «Smile» в Chairside"


def link_for(token: str) -> str:
    return f"http://clinic.test/join/{token}"


def _clinic(container):
    """Clinic "Smile" in Russian, its owner Anna."""
    signed = container.sign_up()(SignUpCommand("Smile", "Anna", "anna@example.com",
                                               "correct horse", "ru"))
    grant_licence(container, signed.clinic_id, seats=5)
    return signed


def _outbox(container) -> list:
    with container.engine().connect() as conn:
        return list(conn.execute(select(tables.outbox)))


@pytest.fixture
def mail_setup(database_url, redis_url, inbox, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(database_url, tmp_path, redis_url=redis_url, queue_name=queue,
                             smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_starttls=False)
    container = make_container(settings)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "RQ_QUEUE": queue, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(inbox.port),
           "SMTP_STARTTLS": "0", "SECRET_KEY": "test", "CLINIC_INSTANCE_DIR": str(tmp_path)}
    yield container, env
    redis.Redis.from_url(redis_url).delete(f"rq:queue:{queue}")
    container.engine().dispose()


def test_an_invitation_travels_through_redis_and_the_worker_to_smtp(mail_setup, inbox):
    container, env = mail_setup
    owner = _clinic(container)
    container.invite_member()(owner.clinic_id, owner.user_id, "olga@example.com", "staff",
                              link_for)
    (waiting,) = _outbox(container)
    assert waiting.sent_at is None and not inbox.messages  # queued, not sent by the caller

    worker = _run_cli(env, "worker", "--burst")
    assert worker.returncode == 0, worker.stderr

    (email,) = inbox.messages
    assert email["To"] == "olga@example.com"
    assert email["Subject"] == RU_SUBJECT
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Smile" in text and "72" in text
    token = LINK.search(text).group(1)
    assert f'href="{link_for(token)}"' in html
    view = container.open_invitation()(token)
    assert (view.clinic_id, view.email, view.role) == (owner.clinic_id, "olga@example.com",
                                                       "staff")
    (sent,) = _outbox(container)
    assert sent.sent_at is not None and sent.attempts == 1


def test_with_redis_down_inviting_succeeds_and_the_relay_sends_the_email_once(
        database_url, redis_url, inbox, tmp_path):
    settings = make_settings(database_url, tmp_path, redis_url="redis://127.0.0.1:1/0",
                             smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_starttls=False)
    container = make_container(settings)
    owner = _clinic(container)

    invitation = container.invite_member()(owner.clinic_id, owner.user_id, "olga@example.com",
                                           "admin", link_for)

    assert invitation.email == "olga@example.com"
    (waiting,) = _outbox(container)
    assert waiting.sent_at is None and waiting.recipient == "olga@example.com"
    assert not inbox.messages
    pending = container.team_queries().pending_invitations(owner.clinic_id,
                                                           invitation.created_at)
    assert [p.email for p in pending] == ["olga@example.com"]

    # Redis is back: the relay (here in-process; `clinic outbox relay` is the same call) sends
    # what waited, and a second relay, and a worker on the real Redis, send nothing more.
    first = container.relay_outbox()()
    assert (first.sent, first.failed) == (1, 0)
    second = container.relay_outbox()()
    assert (second.sent, second.failed) == (0, 0)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "RQ_QUEUE": queue, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(inbox.port),
           "SMTP_STARTTLS": "0", "SECRET_KEY": "test", "CLINIC_INSTANCE_DIR": str(tmp_path)}
    relay = _run_cli(env, "outbox", "relay")
    assert relay.returncode == 0, relay.stderr
    assert "sent 0" in relay.stdout
    worker = _run_cli(env, "worker", "--burst")
    assert worker.returncode == 0, worker.stderr

    (email,) = inbox.messages
    assert email["To"] == "olga@example.com" and email["Subject"] == RU_SUBJECT
    token = LINK.search(email.get_body(("plain",)).get_content()).group(1)
    assert container.open_invitation()(token).role == "admin"
    (sent,) = _outbox(container)
    assert sent.sent_at is not None and sent.attempts == 1
    container.engine().dispose()
