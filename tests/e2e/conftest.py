"""A real server process on loopback and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need
from tests.e2e.narrow import SPENT, assert_fits_narrow_phone

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
SERVER: dict[str, Any] = {}  # the session's server, for helpers that read its database
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def inbox() -> Iterator[Any]:
    """A real SMTP server on loopback: the e2e server sends its emails here."""
    from tests.mail_inbox import Inbox

    box = Inbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, inbox: Any) -> Iterator[dict[str, Any]]:
    """`clinic serve` on an embedded SQLite database, as `make run` starts it, sending email
    at once (no Redis: the inline queue) through the loopback SMTP server."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "SMTP_HOST"}}
    env.update(CLINIC_INSTANCE_DIR=str(instance), RATELIMIT_ENABLED="0", SECRET_KEY="e2e",
               PYTHONUNBUFFERED="1", SMTP_HOST="127.0.0.1", SMTP_PORT=str(inbox.port),
               SMTP_STARTTLS="0")
    cli = [sys.executable, "-m", "clinic.entrypoints.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    log = (instance / "server.log").open("w")
    process = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):  # a busy machine can take a while to start Python and Flask
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the server did not start: " + (instance / "server.log").read_text())
    info = {"url": base, "database": f"sqlite:///{instance / 'clinic.sqlite3'}", "inbox": inbox}
    SERVER.update(info)
    yield info
    process.terminate()
    try:
        process.wait(timeout=30)  # a loaded machine can be slow to stop it
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        need(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-quic", "--no-first-run", "--disable-component-update",
              "--disable-sync", "--disable-dev-shm-usage"])
    yield browser
    browser.close()
    playwright.stop()


# Chrome on an Android phone (Playwright's "Pixel 7" at this Chromium's version)
PHONE_USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like "
                    "Gecko) Chrome/156.0.0.0 Mobile Safari/537.36")


def open_page(chromium, base_url: str, viewport: str, language: str = "en", **options: Any):
    """A fresh browser profile at a phone or desktop size, in English or Russian."""
    locale = {"en": "en-US", "ru": "ru-RU"}[language]
    if viewport == "phone":  # a phone's browser says so, as a real one does
        options.setdefault("user_agent", PHONE_USER_AGENT)
    context = chromium.new_context(
        viewport=VIEWPORTS[viewport], locale=locale, base_url=base_url,
        is_mobile=viewport == "phone", has_touch=viewport == "phone",
        extra_http_headers={"Accept-Language": f"{locale},{language};q=0.9"}, **options)
    page = context.new_page()
    page.emulate_media(reduced_motion="reduce")  # screenshots without half-faded dialogs
    page.set_default_timeout(10_000)
    page.viewport_name = viewport
    return page


def seed_demo(server: dict[str, Any], email: str, password: str, *options: str) -> str:
    """`clinic demo seed` into the e2e server's database; what it printed."""
    env = {**os.environ, "DATABASE_URL": server["database"]}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "clinic.entrypoints.cli", "demo", "seed", "--email", email,
         "--password", password, *options], env=env, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(params=list(VIEWPORTS))
def page(request, chromium, server):
    """A fresh browser profile per test, at a phone size and at a desktop size."""
    page = open_page(chromium, server["url"], request.param)
    yield page
    page.context.close()


def shot(page, name: str) -> None:
    """Save a full-page screenshot for a person to look at (tests/e2e/artifacts/); the page must
    not scroll sideways at 360 px either."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{page.viewport_name}.png"), full_page=True)
    assert_fits_narrow_phone(page)


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now, and the page
    does not scroll sideways at 360 px."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5]) for v in bad)
    assert not bad, f"accessibility violations on {page.url}:\n{report}"
    assert_fits_narrow_phone(page)


def pytest_terminal_summary(terminalreporter) -> None:
    if SPENT["pages"]:
        terminalreporter.write_line(
            f"360 px check: {SPENT['pages']} pages, {SPENT['seconds']:.1f} s")


def open_section(page, name: str) -> None:
    """A section from the menu: the sidebar on a desktop, the "More" page on a phone."""
    from playwright.sync_api import expect

    if page.viewport_name == "desktop":
        page.get_by_role("link", name=name).first.click()
    else:
        page.goto("/more")
        page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


# What the sign-up form says, and what is typed into it, in each language a test uses.
SIGN_UP_WORDS = {
    "en": {"Clinic name": "Smile Dental", "Your name": "Anna Petrova", "Email": "",
           "Password": "", "button": "Create clinic", "open": "Open my clinic"},
    "ru": {"Название клиники": "Улыбка", "Ваше имя": "Анна Петрова", "Электронная почта": "",
           "Пароль": "", "button": "Создать клинику", "open": "Открыть мою клинику"},
}


def sign_up(page, email: str | None = None, password: str = "correct horse",
            language: str = "en") -> str:
    """Create a clinic through the form, as a person does (finding each field by its label in
    the page's language), and wait for its calendar."""
    import uuid

    email = email or f"anna-{uuid.uuid4().hex[:8]}@example.com"
    words = SIGN_UP_WORDS[language]
    clinic_label, name_label, email_label, password_label = list(words)[:4]
    page.goto("/signup")
    page.get_by_label(clinic_label).fill(words[clinic_label])
    page.get_by_label(name_label).fill(words[name_label])
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label, exact=True).fill(password)
    page.get_by_role("button", name=words["button"]).click()
    open_emailed_clinic(page, email, words["open"])
    return email


def sign_up_in_russian(page, email: str | None = None, password: str = "correct horse") -> str:
    """`sign_up` from a Russian browser: the clinic, and its owner, speak Russian."""
    return sign_up(page, email, password, language="ru")


def emailed_link(email: str, path: str) -> str:
    """The newest link under `path` in the email the server sent to that address."""
    import re

    from sqlalchemy import create_engine, text

    engine = create_engine(SERVER["database"])
    try:
        for _ in range(50):
            with engine.connect() as conn:
                bodies = conn.execute(text(
                    "SELECT text FROM outbox WHERE recipient = :to ORDER BY created_at DESC"),
                    {"to": email.lower()}).scalars().all()
            for body in bodies:
                match = re.search(r"https?://\S+" + re.escape(path) + r"\S+", body)
                if match:
                    return match.group(0)
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise AssertionError(f"no email to {email} with a {path} link")


def open_emailed_clinic(page, email: str, button: str = "Open my clinic") -> None:
    """After the sign-up form: the page says to check the email; its link, then one button."""
    import re

    from playwright.sync_api import expect

    expect(page.locator("[data-sign-up-sent]")).to_be_visible()
    page.goto(emailed_link(email, "/signup/open/"))
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(r"/calendar$"))


def api_token(email: str) -> str:
    """An operator's token for the clinic that `email` owns (`clinic tokens create`)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(SERVER["database"])
    try:
        with engine.connect() as conn:
            clinic_id = conn.execute(text(
                "SELECT m.clinic_id FROM memberships m JOIN users u ON u.id = m.user_id "
                "WHERE u.email = :email"), {"email": email}).scalar_one()
    finally:
        engine.dispose()
    env = {**os.environ, "DATABASE_URL": SERVER["database"]}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "clinic.entrypoints.cli", "tokens", "create",
                           str(clinic_id), "--name", "e2e"], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


def book_by_api(page, token: str, patient: tuple[str, str], starts_at: Any) -> None:
    """A patient and a visit of theirs (the first room, doctor and procedure), by the API."""
    auth = {"Authorization": f"Bearer {token}"}
    first = {kind: page.request.get(f"/api/v1/{kind}", headers=auth).json()["items"]
             for kind in ("rooms", "doctors", "procedures")}
    made = page.request.post("/api/v1/patients", headers=auth,
                             data={"name": patient[0], "phone": patient[1]})
    assert made.ok, made.text()
    booked = page.request.post("/api/v1/appointments", headers=auth, data={
        "patient_id": made.json()["id"], "room_id": first["rooms"][0]["id"],
        "doctor_id": first["doctors"][0]["id"], "starts_at": starts_at.isoformat(),
        "procedure_ids": [first["procedures"][0]["id"]], "confirm_doctor_overlap": True})
    assert booked.ok, booked.text()
