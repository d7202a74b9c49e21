"""Measure the sign-up page's weight over the wire, the server time of sign-up (the form, then
the emailed link's button) and sign-in, and whether sign-in's time tells known emails apart.

Serves the app with gunicorn on loopback (SQLite in a temporary folder, or DATABASE_URL if set),
with production password-hashing costs, and drives it from this separate process.
Server time is read from the app's `Server-Timing` header; wall time is measured here.

    .venv/bin/python scripts/measure_auth.py [--runs 40] [--pairs 20]

The timing pairs: a wrong password for a known email, then for an unknown one, alternately;
the medians of each should be equal within noise (an unknown email must not be slower).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def wait_until_up(base: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server at {base} did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect())

    def get(self, path: str, gzip: bool = False):
        headers = {"Accept-Encoding": "gzip"} if gzip else {}
        request = urllib.request.Request(self.base + path, headers=headers)
        return self.opener.open(request, timeout=30)

    def post(self, path: str, form: dict[str, str]):
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST")
        started = time.perf_counter()
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        wall = (time.perf_counter() - started) * 1000
        timing = response.headers.get("Server-Timing", "")
        server = float(re.search(r"dur=([\d.]+)", timing).group(1)) if timing else float("nan")
        return response.status, server, wall

    def csrf(self, path: str) -> str:
        html = self.get(path).read().decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def page_weight(base: str) -> dict[str, int]:
    client = Client(base)
    response = client.get("/signup", gzip=True)
    html_gz = response.read()
    import gzip as gz

    html = gz.decompress(html_gz).decode() if response.headers.get(
        "Content-Encoding") == "gzip" else html_gz.decode()
    sizes = {"html": len(html_gz), "css": 0, "js": 0}
    for kind, pattern in (("css", r'<link rel="stylesheet" href="([^"]+)"'),
                          ("js", r'<script src="([^"]+)"')):
        for url in re.findall(pattern, html):
            sizes[kind] += len(client.get(url.replace("&amp;", "&"), gzip=True).read())
    sizes["total"] = sum(sizes.values())
    return sizes


def opening_link(workdir: Path, email: str) -> str:
    """The path of the link the sign-up email carries (read from the outbox table)."""
    with sqlite3.connect(workdir / "clinic.sqlite3") as db:
        body = db.execute("SELECT text FROM outbox WHERE recipient = ? ORDER BY created_at DESC",
                          (email,)).fetchone()[0]
    return re.search(r"https?://[^/\s]+(/signup/open/\S+)", body).group(1)


def summarise(samples: list[tuple[int, float, float]], expected: int) -> dict[str, float]:
    statuses = {status for status, _, _ in samples}
    if statuses != {expected}:
        raise SystemExit(f"unexpected statuses {statuses}")
    server = sorted(s for _, s, _ in samples)
    wall = sorted(w for _, _, w in samples)
    p95 = lambda values: values[min(len(values) - 1, int(len(values) * 0.95))]  # noqa: E731
    return {"server_median_ms": statistics.median(server), "server_p95_ms": p95(server),
            "wall_median_ms": statistics.median(wall), "wall_p95_ms": p95(wall),
            "runs": len(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pairs", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="chairside-bench-"))
    env = {**os.environ, "CLINIC_INSTANCE_DIR": str(workdir), "RATELIMIT_ENABLED": "0",
           "SECRET_KEY": "bench"}
    env.pop("REDIS_URL", None)
    subprocess.run([str(BIN / "clinic"), "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    port = free_port()
    env["BASE_URL"] = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        weight = page_weight(base)
        run = os.urandom(3).hex()  # a fresh set of emails, so a reused database works too
        for i in range(3):  # warm up both workers
            client = Client(base)
            client.post("/signup", {"csrf_token": client.csrf("/signup"),
                                    "clinic_name": "Warm", "name": "W",
                                    "email": f"warm{i}-{run}@example.com",
                                    "password": "warm-up-1"})
        signups, openings, signins, known, unknown = [], [], [], [], []
        for i in range(args.runs):
            client = Client(base)
            email = f"anna{i}-{run}@example.com"
            signups.append(client.post("/signup", {
                "csrf_token": client.csrf("/signup"), "clinic_name": f"Clinic {i}",
                "name": "Anna", "email": email, "password": "correct horse",
                "timezone": "Europe/Moscow"}))
            if signups[-1][0] == 200:  # the emailed link opens the clinic (older code: no link)
                link = opening_link(workdir, email)
                openings.append(client.post(link, {"csrf_token": client.csrf(link)}))
        for i in range(args.runs):
            client = Client(base)
            signins.append(client.post("/signin", {
                "csrf_token": client.csrf("/signin"), "email": f"anna{i}-{run}@example.com",
                "password": "correct horse"}))
        for i in range(args.pairs):
            for emails, email in ((known, f"anna{i % args.runs}-{run}@example.com"),
                                  (unknown, f"nobody{i}-{run}@example.com")):
                client = Client(base)
                emails.append(client.post("/signin", {
                    "csrf_token": client.csrf("/signin"), "email": email,
                    "password": "not the password"}))
    finally:
        server.terminate()
        server.wait(timeout=10)
    results = {"database": env.get("DATABASE_URL", "sqlite (embedded)").split("@")[-1],
               "sign_up_page_gzip_bytes": weight,
               "sign_up_post": summarise(signups, 200 if openings else 302),
               "open_clinic_post": summarise(openings, 302) if openings else None,
               "sign_in_post": summarise(signins, 302),
               "wrong_password_known_email": summarise(known, 422),
               "wrong_password_unknown_email": summarise(unknown, 422)}
    out = ROOT / "bench" / "results" / "auth.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"database: {results['database']}, runs: {args.runs}, gunicorn 2 workers on loopback")
    print(f"sign-up page over the wire (gzip): HTML {weight['html']} B + CSS {weight['css']} B"
          f" + JS {weight['js']} B = {weight['total']} B")
    print(f"{'request':<14}{'server median':>15}{'server p95':>12}{'wall median':>13}"
          f"{'wall p95':>10}")
    for name, key in (("POST /signup", "sign_up_post"), ("open clinic", "open_clinic_post"),
                      ("POST /signin", "sign_in_post"),
                      ("known, wrong", "wrong_password_known_email"),
                      ("unknown", "wrong_password_unknown_email")):
        r = results[key]
        if r is None:
            continue
        print(f"{name:<14}{r['server_median_ms']:>12.1f} ms{r['server_p95_ms']:>9.1f} ms"
              f"{r['wall_median_ms']:>10.1f} ms{r['wall_p95_ms']:>7.1f} ms")
    known_ms = results["wrong_password_known_email"]["server_median_ms"]
    unknown_ms = results["wrong_password_unknown_email"]["server_median_ms"]
    print(f"{args.pairs} pairs, a wrong password: known email {known_ms:.1f} ms, unknown "
          f"{unknown_ms:.1f} ms (server medians; difference {unknown_ms - known_ms:+.1f} ms)")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
