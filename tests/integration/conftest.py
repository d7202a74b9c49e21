"""Real databases (SQLite and PostgreSQL), the app, its container and a signed-in helper."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, make_url, select, text

from clinic.adapters.passwords import Argon2PasswordHasher
from clinic.adapters.sqlalchemy import migrate
from clinic.adapters.sqlalchemy.tables import metadata
from clinic.application.accounts.sign_up import SignUpCommand
from clinic.config import load_settings
from clinic.container import build_container
from clinic.entrypoints.web.app import create_app
from tests.acting import member_token
from tests.conftest import need
from tests.mail_inbox import Inbox
from tests.s3_server import s3_bucket, s3_endpoint  # noqa: F401 - fixtures for the tests

BACKENDS = ["sqlite", "postgresql"]


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """A fresh database per test session on the server TEST_DATABASE_URL points at."""
    admin_url = _postgres_url()
    if not admin_url:
        need("PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://user@host/db")
    name = f"chairside_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # server down or unreachable
        admin.dispose()
        need(f"PostgreSQL at {make_url(admin_url).host} is not reachable: {error}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite") / "clinic.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return url


def empty_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # the audit trail refuses deletes otherwise
            conn.exec_driver_sql("SET LOCAL chairside.erasing = 'on'")
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test that asks runs twice: on SQLite and on PostgreSQL, against migrated schemas."""
    url = request.getfixturevalue(f"{request.param}_database")
    yield url
    empty_tables(url)


@pytest.fixture
def sqlite_url(sqlite_database: str) -> Iterator[str]:
    """For web tests where the backend does not change the outcome: SQLite only."""
    yield sqlite_database
    empty_tables(sqlite_database)


def make_settings(database_url: str, instance_dir: Path, **overrides: object):
    values: dict[str, object] = {
        "database_url": database_url, "instance_dir": instance_dir, "redis_url": None,
        "smtp_host": None, "ratelimit_enabled": False, "secret_key": "test-secret",
        "testing": True, "base_url": "http://localhost",
    }
    values.update(overrides)
    return load_settings(**values)


def make_container(settings):
    container = build_container(settings)
    # Real argon2id, with test-sized costs so the suite stays quick.
    container.password_hasher.override(Argon2PasswordHasher(time_cost=1, memory_cost=8192))
    return container


@pytest.fixture
def container(database_url: str, tmp_path: Path):
    container = make_container(make_settings(database_url, tmp_path))
    yield container
    container.engine().dispose()
    container.poll_engine().dispose()  # the calendar poll's own pool on PostgreSQL


@pytest.fixture
def web_container(sqlite_url: str, tmp_path: Path):
    container = make_container(make_settings(sqlite_url, tmp_path))
    yield container
    container.engine().dispose()


@pytest.fixture
def app(web_container):
    return create_app(web_container.settings(), web_container)


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Browser:
    """A few steps a person takes, through the Flask test client."""

    def __init__(self, client, base_url: str = "http://localhost") -> None:
        self.client = client
        self.base_url = base_url

    def token(self, path: str = "/signin") -> str:
        page = self.client.get(path, base_url=self.base_url)
        return csrf_of(page.get_data(as_text=True))

    def post(self, path: str, data: dict[str, str], source: str | None = None, **kwargs):
        data = {"csrf_token": self.token(source or path), **data}
        headers = {"Referer": self.base_url + (source or path), **kwargs.pop("headers", {})}
        return self.client.post(path, data=data, base_url=self.base_url, headers=headers,
                                **kwargs)

    def sign_up(self, email: str = "anna@example.com", password: str = "correct horse",
                clinic: str = "Smile", name: str = "Anna Petrova", promo_code: str = "",
                follow_redirects: bool = False, **kwargs):
        """The form, then the link from the email and its one button, as a person does;
        the form's own answer when it was refused or sent no link."""
        return self.sign_up_with({"clinic_name": clinic, "name": name, "email": email,
                                  "password": password, "timezone": "Europe/Moscow",
                                  "promo_code": promo_code}, follow_redirects, **kwargs)

    def sign_up_with(self, form: dict[str, str], follow_redirects: bool = False, **kwargs):
        """The sign-up form as given, then the emailed link's button."""
        sent = self.post("/signup", form, **kwargs)
        email = form.get("email", "")
        link = self.emailed_link(email, "/signup/open/") if sent.status_code == 200 else None
        if link is None:
            return sent
        return self.post(link, {}, follow_redirects=follow_redirects, **kwargs)

    def emailed_link(self, email: str, path: str) -> str | None:
        """The newest link under `path` in an email to that address, as a local path."""
        from clinic.adapters.sqlalchemy.tables import outbox

        container = self.client.application.extensions["clinic.container"]
        with container.engine().connect() as conn:
            texts = conn.execute(select(outbox.c.text).where(
                outbox.c.recipient == email.strip().lower()).order_by(
                outbox.c.created_at.desc())).scalars().all()
        for text_ in texts:
            match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", text_)
            if match:
                return match.group(1)
        return None

    def sign_in(self, email: str = "anna@example.com", password: str = "correct horse",
                **kwargs):
        return self.post("/signin", {"email": email, "password": password}, **kwargs)

    def sign_out(self):
        return self.post("/signout", {}, source="/account")


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


class Api:
    """One clinic's token, sent with every request."""

    def __init__(self, client, clinic_id, secret: str) -> None:
        self.client, self.clinic_id = client, clinic_id
        self.headers = {"Authorization": f"Bearer {secret}"}

    def __getattr__(self, method: str):
        def call(path: str, **kwargs):
            return getattr(self.client, method)(f"/api/v1/{path}", headers=self.headers, **kwargs)
        return call


def api_sign_up(client, web_container, email: str) -> Api:
    signed_in = web_container.sign_up()(SignUpCommand(
        "Smile", "Anna Petrova", email, "correct horse", "ru", "Europe/Moscow"))
    token = web_container.create_operator_token()(signed_in.clinic_id, "website")
    return Api(client, signed_in.clinic_id, token.secret)


@pytest.fixture
def api(client, web_container) -> Api:
    return api_sign_up(client, web_container, "anna@example.com")


@pytest.fixture
def other(client, web_container) -> Api:
    return api_sign_up(client, web_container, "olga@example.com")


def add_member(container, clinic_id, email: str, name: str, role: str,
               paid: bool = True) -> uuid.UUID:
    """A person in the clinic with that role, written directly (the invitation flow aside);
    with a paid seat for them unless `paid` is False."""
    from clinic.domain.accounts import Role
    from tests.factories import MembershipFactory, UserFactory, add
    from tests.licences import grant_licence

    now = container.clock().now()
    user = UserFactory(email=email, name=name, password_hash="not-a-password-hash",
                       created_at=now)
    add(container.uow(clinic_id), user, MembershipFactory(
        clinic_id=clinic_id, user_id=user.id, role=Role(role), created_at=now))
    with container.uow(clinic_id) as uow:
        others = sum(1 for m in uow.memberships.for_clinic(clinic_id) if m.role != Role.OWNER)
    if paid and role != "owner":
        grant_licence(container, clinic_id, seats=others)
    return user.id


def member_api(client, container, clinic_id, user_id, name: str = "theirs") -> Api:
    """An API token made by that person, as if they made it on the settings page."""
    token = member_token(container, clinic_id, user_id, name)
    return Api(client, clinic_id, token.secret)


# -- email: a real Redis and a real SMTP server on loopback --

@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        need("Redis: set REDIS_URL=redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        need(f"Redis at {url} is not reachable: {error}")
    return url


@pytest.fixture
def inbox():
    inbox = Inbox()
    inbox.start()
    yield inbox
    inbox.stop()
