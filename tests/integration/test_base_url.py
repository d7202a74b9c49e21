"""Absolute links come from BASE_URL only; a request naming an unknown host is refused."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from clinic.application.outbox.message import OutboxMessage
from clinic.application.ports import ANY_CLINIC
from clinic.config import load_settings
from clinic.entrypoints.cli import main
from clinic.entrypoints.web.app import create_app
from tests.integration.conftest import Browser, make_container, make_settings

SRC = Path(__file__).resolve().parents[2] / "src" / "clinic"


def _emails(container) -> list[OutboxMessage]:
    """The password-reset emails (sign-up sends its own link first)."""
    with container.uow(ANY_CLINIC) as uow:
        return [m for m in uow.session.scalars(select(OutboxMessage)).all()
                if "Set a new password" in m.subject]


def _app(sqlite_url, tmp_path, **overrides):
    container = make_container(make_settings(sqlite_url, tmp_path, **overrides))
    return create_app(container.settings(), container), container


def test_a_reset_request_with_a_forged_host_is_refused_and_sends_nothing(sqlite_url, tmp_path):
    app, container = _app(sqlite_url, tmp_path, base_url="https://clinic.example.com")
    Browser(app.test_client()).sign_up()
    attacker = app.test_client()
    form = attacker.get("/forgot", base_url="http://evil.example")
    assert form.status_code == 400
    answer = attacker.post("/forgot", data={"email": "anna@example.com"},
                           base_url="http://evil.example")
    assert answer.status_code == 400
    assert _emails(container) == []


def test_every_link_in_an_email_starts_with_base_url(sqlite_url, tmp_path):
    app, container = _app(sqlite_url, tmp_path, base_url="https://clinic.example.com",
                          trusted_hosts_setting=("clinic.example.com", "proxy.internal"))
    browser = Browser(app.test_client(), base_url="http://proxy.internal")
    browser.sign_up()
    browser.post("/forgot", {"email": "anna@example.com"})
    (message,) = _emails(container)
    links = re.findall(r"https?://\S+", message.text)
    assert links and all(link.startswith("https://clinic.example.com/reset/") for link in links)
    assert "proxy.internal" not in message.text and "proxy.internal" not in message.html


def test_the_partner_share_link_uses_base_url(sqlite_url, tmp_path):
    app, _container = _app(sqlite_url, tmp_path, base_url="https://clinic.example.com")
    browser = Browser(app.test_client())
    browser.sign_up()
    page = browser.client.get("/partner").get_data(as_text=True)
    assert "https://clinic.example.com/signup?promo=" in page
    assert "http://localhost/signup" not in page


def test_no_view_builds_a_link_from_the_request_host():
    """`_external=True` and `request.host_url` take the Host header: links go through
    http/links.py, which uses BASE_URL."""
    found = [f"{path.relative_to(SRC)}:{number}"
             for path in SRC.rglob("*.py") if path.name != "links.py"
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"_external\s*=|host_url|url_root", line)]
    assert found == []


def test_trusted_hosts_default_to_base_urls_host_and_loopback(tmp_path):
    settings = load_settings(instance_dir=tmp_path, secret_key="x",
                             base_url="https://clinic.example.com/")
    assert settings.public_url == "https://clinic.example.com"
    assert "clinic.example.com" in settings.trusted_hosts
    assert "evil.example" not in settings.trusted_hosts
    bare = load_settings(instance_dir=tmp_path, secret_key="x", base_url=None)
    assert set(bare.trusted_hosts) == {"localhost", "127.0.0.1", "::1"}


def test_serving_on_loopback_without_base_url_links_to_that_address(tmp_path):
    settings = load_settings(instance_dir=tmp_path, secret_key="x", base_url=None)
    assert settings.serving_problems("127.0.0.1") == []
    assert settings.serving_on("127.0.0.1", 5123).public_url == "http://127.0.0.1:5123"
    assert settings.serving_on("::1", 5123).public_url == "http://[::1]:5123"


def _serve(tmp_path, monkeypatch, *args: str, **env: str):
    monkeypatch.setenv("CLINIC_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.sqlite3'}")
    for name in ("BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_PRICE_CHAIR",
                 "STRIPE_PRICE_SEAT", "SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(main, ["serve", *args])


def test_serve_refuses_a_public_address_without_base_url(tmp_path, monkeypatch):
    result = _serve(tmp_path, monkeypatch, "--host", "0.0.0.0")  # noqa: S104
    assert result.exit_code == 2
    assert "BASE_URL is required when serving on 0.0.0.0" in result.output


def test_serve_refuses_a_malformed_base_url(tmp_path, monkeypatch):
    result = _serve(tmp_path, monkeypatch, "--host", "0.0.0.0",  # noqa: S104
                    BASE_URL="clinic.example.com")
    assert result.exit_code == 2
    assert "BASE_URL must be an http(s) address" in result.output


def test_serve_refuses_half_configured_stripe_naming_what_is_missing(tmp_path, monkeypatch):
    result = _serve(tmp_path, monkeypatch, STRIPE_SECRET_KEY="sk_test_123",
                    STRIPE_WEBHOOK_SECRET="whsec_123")
    assert result.exit_code == 2
    assert "set STRIPE_PRICE_CHAIR, STRIPE_PRICE_SEAT too" in result.output


def test_readyz_says_what_is_half_configured(sqlite_url, tmp_path):
    app, _container = _app(sqlite_url, tmp_path, stripe_secret_key="sk_test_123")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    configuration = answer.get_json()["checks"]["configuration"]
    assert "STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_CHAIR, STRIPE_PRICE_SEAT" in configuration
    ready, _ = _app(sqlite_url, tmp_path)
    assert ready.test_client().get("/readyz").get_json()["checks"]["configuration"] == "ok"
