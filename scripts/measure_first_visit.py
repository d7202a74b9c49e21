"""Sign-up to the first appointment on a phone, at a person's pace: how many taps and typed
fields it takes and how long. Issue 18's figure:

    .venv/bin/python scripts/measure_first_visit.py [--runs 3]

It starts `clinic serve` on a fresh SQLite file (as `make run` does), opens Chromium at
390x844 as Chrome on Android in Russian, and goes as a person does: types every field key by
key at PACE_TYPING seconds a character (a phone keyboard, about 35 words a minute), waits
PACE_LOOK seconds before each tap (finding the next thing to press) and, for the emailed link,
SWITCH_TO_MAIL seconds (to the mail app and back: a model, since no mail app runs here). Page
loads and server answers are real. Prints the steps, the seconds and the seconds without the
email round trip, and writes bench/results/first_visit.json."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PACE_TYPING = 0.30  # s per character
PACE_LOOK = 1.2  # s before each tap
SWITCH_TO_MAIL = 10.0  # s to open the email and tap its link (modelled)
PHONE_USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like "
                    "Gecko) Chrome/156.0.0.0 Mobile Safari/537.36")


class Person:
    def __init__(self, page) -> None:
        self.page, self.steps, self.modelled_mail = page, 0, 0.0

    def tap(self, locator) -> None:
        time.sleep(PACE_LOOK)
        locator.click()
        self.steps += 1

    def type(self, locator, words: str) -> None:
        time.sleep(PACE_LOOK)
        locator.click()
        locator.press_sequentially(words, delay=PACE_TYPING * 1000)
        self.steps += 1

    def open_email_link(self, url: str) -> None:
        time.sleep(SWITCH_TO_MAIL)
        self.modelled_mail += SWITCH_TO_MAIL
        self.page.goto(url)
        self.steps += 1


def _emailed_link(database: str, email: str) -> str:
    engine = create_engine(database)
    try:
        for _ in range(100):
            with engine.connect() as conn:
                body = conn.execute(text("SELECT text FROM outbox WHERE recipient = :to"),
                                    {"to": email}).scalar()
            if body:
                return re.search(r"https?://\S+/signup/open/\S+", body).group(0)
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise SystemExit("no sign-up email")


def one_run(browser, base: str, database: str, number: int) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU",
                                  is_mobile=True, has_touch=True, user_agent=PHONE_USER_AGENT,
                                  extra_http_headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    person = Person(page)
    email = f"anna{number}-{int(time.time())}@example.com"
    started = time.monotonic()
    page.goto(base + "/")
    person.type(page.locator("[name=clinic_name]"), "Улыбка")
    person.type(page.locator("[name=name]"), "Анна Петрова")
    person.type(page.locator("[name=email]"), email)
    person.type(page.locator("[name=password]"), "correct horse")
    person.tap(page.get_by_role("button", name="Создать клинику"))
    expect(page.locator("[data-sign-up-sent]")).to_be_visible()
    person.open_email_link(_emailed_link(database, email))
    person.tap(page.get_by_role("button", name="Открыть мою клинику"))
    expect(page).to_have_url(re.compile(r"/calendar$"))
    cell = page.locator(".cal__col.is-focus .cal__cell:not(.is-closed)").nth(2)
    person.tap(cell)
    dialog = page.locator("#dialog")
    person.type(dialog.locator("[name=new_name]"), "Иван Петров")
    person.type(dialog.locator("[name=new_phone]"), "+7 916 123-45-67")
    person.tap(dialog.locator(".option").first)
    person.tap(dialog.locator("#booking-submit"))
    expect(page.locator("[data-appointment-id]", has_text="Иван Петров")).to_be_visible()
    seconds = time.monotonic() - started
    context.close()
    return {"steps": person.steps, "seconds": round(seconds, 1),
            "seconds_without_email": round(seconds - person.modelled_mail, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        env = {k: v for k, v in os.environ.items()
               if k not in {"DATABASE_URL", "REDIS_URL", "SMTP_HOST"}}
        env.update(CLINIC_INSTANCE_DIR=folder, RATELIMIT_ENABLED="0", SECRET_KEY="measure")  # noqa: S106 - a throwaway local server
        cli = [sys.executable, "-m", "clinic.entrypoints.cli"]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
                runs = [one_run(browser, base, f"sqlite:///{folder}/clinic.sqlite3", n)
                        for n in range(args.runs)]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    result = {"model": {"typing_s_per_char": PACE_TYPING, "look_before_tap_s": PACE_LOOK,
                        "switch_to_mail_s": SWITCH_TO_MAIL, "viewport": "390x844",
                        "language": "ru"},
              "runs": runs,
              "median_seconds": statistics.median(r["seconds"] for r in runs),
              "median_seconds_without_email": statistics.median(
                  r["seconds_without_email"] for r in runs),
              "steps": runs[0]["steps"]}
    out = ROOT / "bench" / "results" / "first_visit.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
