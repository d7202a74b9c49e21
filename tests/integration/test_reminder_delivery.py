"""Reminders for real: PostgreSQL, a real Redis with rq worker processes, a real SMTP server on
loopback. Two workers each handed every job twice send each reminder once; a worker killed in
the middle of a send never sends it again; an SMTP outage is retried and then goes through."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import select

from clinic.adapters.sqlalchemy.leases import SqlLease
from clinic.application.messaging.plan import DELIVER_JOB
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
from tests.integration.conftest import empty_tables, make_container, make_settings
from tests.mail_inbox import Inbox

# Tomorrow's visits at 13:00 Moscow + n hours, booked yesterday: due the day before at 10:00.
START = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                        microsecond=0)
DUE = START - timedelta(days=1)  # 13:00 Moscow the day before: past 10:00, not quiet


class HangingInbox(Inbox):
    """An SMTP server that takes the message and never answers: the client waits."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(3600)
        return "250 never"


@pytest.fixture
def world(postgresql_database, redis_url, tmp_path):
    empty_tables(postgresql_database)

    def make(smtp_port: int, visits: int = 1):
        queue = f"test-{uuid.uuid4().hex[:8]}"
        settings = make_settings(postgresql_database, tmp_path, redis_url=redis_url,
                                 queue_name=queue, smtp_host="127.0.0.1", smtp_port=smtp_port,
                                 smtp_starttls=False)
        container = make_container(settings)
        clinic = ClinicFactory()
        room, doctor = RoomFactory(clinic_id=clinic.id), DoctorFactory(clinic_id=clinic.id)
        patients = [PatientFactory(clinic_id=clinic.id, email=f"p{n}@example.com",
                                   created_at=START - timedelta(days=3))
                    for n in range(visits)]
        add(container.uow(ANY_CLINIC), clinic, room, doctor,
            MessagingSettings(clinic_id=clinic.id, reminders_on=True, channels="email"))
        add(container.uow(clinic.id), *patients, *[
            AppointmentFactory(clinic_id=clinic.id, room_id=room.id, doctor_id=doctor.id,
                               patient_id=p.id, starts_at=START + timedelta(hours=n),
                               created_at=START - timedelta(days=3))
            for n, p in enumerate(patients)])
        env = {**os.environ, "DATABASE_URL": postgresql_database, "REDIS_URL": redis_url,
               "RQ_QUEUE": queue, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
               "SMTP_STARTTLS": "0", "SECRET_KEY": "test", "CLINIC_INSTANCE_DIR": str(tmp_path)}
        made.append((container, queue))
        return container, env

    made: list = []
    yield make
    for container, queue in made:
        redis.Redis.from_url(redis_url).delete(f"rq:queue:{queue}")
        container.engine().dispose()


def _cli(env, *args: str, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "clinic.entrypoints.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and every descendant (rq's work horse leaves the worker's group)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    family, todo = [], [pid]
    while todo:
        one = todo.pop()
        family.append(one)
        todo.extend(children.get(one, []))
    for one in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(one, signal.SIGKILL)


def _log(container) -> list[PatientMessage]:
    with container.uow(ANY_CLINIC) as uow:
        return list(uow.session.scalars(select(PatientMessage)).all())


def test_two_workers_handed_every_job_twice_send_each_reminder_once(world, inbox):
    container, env = world(inbox.port, visits=6)
    result = container.plan_reminders()(now=DUE)
    assert result.queued == 6
    queue = container.job_queue()
    for message in _log(container):  # a duplicate of every job, as a lost ack or a retry gives
        queue.enqueue(DELIVER_JOB, message_id=str(message.id))
    workers = [_cli(env, "worker", "--burst") for _ in range(2)]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    recipients = sorted(m["To"] for m in inbox.messages)
    assert recipients == [f"p{n}@example.com" for n in range(6)]
    assert {(m.status, m.attempts) for m in _log(container)} == {(MessageStatus.SENT, 1)}
    assert inbox.messages[0]["Subject"].startswith("Напоминание: ")


def test_a_worker_killed_mid_send_never_sends_the_reminder_again(world, inbox):
    hanging = HangingInbox()
    hanging.start()
    try:
        container, env = world(hanging.port)
        container.plan_reminders()(now=DUE)
        worker = _cli(env, "worker", "--burst")
        deadline = time.monotonic() + 120
        while _log(container)[0].status is not MessageStatus.SENDING:
            if time.monotonic() > deadline:
                _kill_tree(worker.pid)
                pytest.fail(f"the worker never took the message: {_log(container)[0]}\n"
                            f"{worker.communicate()[1][-3000:]}")
            time.sleep(0.05)
        _kill_tree(worker.pid)  # the worker and its work horse (its own group), mid-send
        worker.communicate(timeout=30)
    finally:
        hanging.stop()
    later = (DUE + timedelta(minutes=11)).isoformat()
    run = subprocess.run([sys.executable, "-m", "clinic.entrypoints.cli", "reminders", "run",
                          "--due", "--at", later], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "abandoned 1" in run.stdout
    (message,) = _log(container)
    assert (message.status, message.reason) == (MessageStatus.UNKNOWN, "worker_stopped")
    # whatever is handed out again now, nothing more goes out
    container.job_queue().enqueue(DELIVER_JOB, message_id=str(message.id))
    env = {**env, "SMTP_PORT": str(inbox.port)}
    worker = _cli(env, "worker", "--burst")
    _, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    assert inbox.messages == []
    status = subprocess.run([sys.executable, "-m", "clinic.entrypoints.cli", "reminders",
                             "status"], env=env, capture_output=True, text=True, timeout=60)
    assert "unknown 1" in status.stdout


def test_an_smtp_outage_is_retried_and_the_reminder_goes_out_after(world, inbox):
    container, env = world(inbox.port)
    inbox.stop()
    container.plan_reminders()(now=DUE)
    worker = _cli(env, "worker", "--burst")
    _, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    (message,) = _log(container)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in message.reason
    inbox.start()
    assert container.plan_reminders()(now=datetime.now(UTC) + timedelta(minutes=6)).retried == 1
    worker = _cli(env, "worker", "--burst")
    _, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    (message,) = _log(container)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert [m["To"] for m in inbox.messages] == ["p0@example.com"]


def test_one_scheduler_holds_the_lease_and_another_takes_over_when_it_lapses(database_url,
                                                                              tmp_path):
    container = make_container(make_settings(database_url, tmp_path))
    first, second = (SqlLease(container.engine(), "test", holder, timedelta(seconds=90))
                     for holder in ("server-1", "server-2"))
    now = datetime.now(UTC)
    assert first.acquire(now) and not second.acquire(now)
    assert first.acquire(now + timedelta(seconds=60))  # renewed before it lapses
    assert not second.acquire(now + timedelta(seconds=120))
    assert second.acquire(now + timedelta(seconds=151))  # the first stopped renewing
    assert not first.acquire(now + timedelta(seconds=152))
    container.engine().dispose()
