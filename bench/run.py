"""The load runner: serves a generated dataset with gunicorn (2 workers, as `clinic serve` runs
it) on loopback and drives each scenario from a separate process with wrk.

For each scenario: a warm-up at concurrency 8, then `seconds` at concurrency 1 (latency) and
8 (throughput; the booking POST only at 1); latency percentiles come from wrk itself (a Lua
`done()` prints them as JSON). SQL statements per request are counted once per scenario in
this process, not under load, through Flask's test client against the same database. Every
latency is also given as a multiple of `/healthz`'s median in the same run.

    from bench.run import run; run(Dataset.load(Path("bench/results/dataset-small.json")))
    .venv/bin/python -m bench --scale small --skip-generate    # the same, from the shell
"""

from __future__ import annotations

import gzip
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.dataset import Dataset

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WRK_SCRIPTS = Path(__file__).resolve().parent / "wrk"
SECRET_KEY = "bench-run-secret"  # noqa: S105 - a throwaway server on loopback
WORKERS = 2
C_LATENCY, C_THROUGHPUT, WRK_THREADS = 1, 8, 2
GRID_MINUTES = 5
BOOKING_WARMUP = 20  # slots booked to warm up before the measured booking run

# (scenario, what) -> (bound, unit); "ms" bounds a median at c1, "rps" a floor at c8
TARGETS: dict[str, list[tuple[str, float]]] = {
    "week_html": [("median_ms", 15), ("rps", 300)],
    "day_html": [("median_ms", 25), ("rps", 200)],
    "api_week_room": [("median_ms", 10), ("rps", 400)],
    "api_week_clinic": [("median_ms", 20), ("rps", 100)],
    "booking_post": [("median_ms", 25)],
    "patient_search": [("median_ms", 10)],
    "report_summary": [("median_ms", 60)],
    "report_csv": [("median_ms", 1500)],
}
RSS_LIMIT_MB = 150
PAGE_WEIGHT_LIMIT = 60 * 1024
CSV_RSS_GROWTH_LIMIT_MB = 30  # "memory flat": a worker grows less than this during the CSVs
POLL_X_HEALTHZ = 2  # an unchanged calendar poll costs at most twice /healthz (median, c1)
POLLS_PER_SECOND = 50  # 100 open calendars, each asking every 2 s


@dataclass
class Scenario:
    name: str
    label: str
    auth: str  # "cookie" or "token"
    paths: list[str]  # GET: cycled through; POST: the one path
    method: str = "GET"
    bodies: list[str] = field(default_factory=list)  # POST: one per request
    concurrencies: tuple[int, ...] = (C_LATENCY, C_THROUGHPUT)
    timeout: str = "10s"
    min_seconds: float = 0  # a slow request needs a longer run to complete a few
    warmup_connections: int = C_THROUGHPUT
    ok_status: int = 0  # besides 2xx, the answer this scenario expects (the poll's 304)
    etag_from: str | None = None  # sent as If-None-Match: this path's ETag just before the run


# --- the server ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, instance_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "0",
           "CLINIC_INSTANCE_DIR": str(instance_dir), "SECRET_KEY": SECRET_KEY}
    for name in ("REDIS_URL", "SMTP_HOST", "STRIPE_SECRET_KEY"):
        env.pop(name, None)
    return env


@contextmanager
def serving(database_url: str, workdir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`clinic serve` (gunicorn, gthread workers) on a free loopback port; yields the
    arbiter's process and the base URL once `/healthz` answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [str(BIN / "clinic"), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(WORKERS)],
        cwd=ROOT, env=server_env(database_url, workdir), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: see {workdir / 'server.log'}"
                                       ) from None
                time.sleep(0.2)
        while len(worker_pids(server.pid)) < WORKERS and time.monotonic() < deadline:
            time.sleep(0.1)
        yield server, base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def worker_cpu_seconds(master: int) -> float:
    """The CPU time (user + system) the gunicorn workers have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in worker_pids(master):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def worker_memory(master: int) -> list[dict[str, float]]:
    """Each gunicorn worker's current (VmRSS) and peak (VmHWM) resident memory, in MB."""
    found = []
    for pid in worker_pids(master):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        sizes = {line.split(":")[0]: round(int(line.split()[1]) / 1024, 1)
                 for line in status.splitlines() if line.startswith(("VmRSS:", "VmHWM:"))}
        found.append({"pid": pid, "rss_mb": sizes.get("VmRSS", 0.0),
                      "peak_mb": sizes.get("VmHWM", 0.0)})
    return found


# --- talking HTTP from here ----------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Http:
    """A tiny client with a cookie jar, no redirects followed."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.headers = headers or {}
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: bytes | None = None, method: str = "GET",
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.base + path, data=data, method=method,
            headers={**self.headers, **(headers or {})})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, path: str) -> Any:
        status, _headers, body = self.request(path, headers={"Accept": "application/json"})
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        return json.loads(body)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise RuntimeError("no csrf_token in the sign-in form")
    return match.group(1)


def sign_in(base: str, email: str, password: str) -> Http:
    client = Http(base)
    _status, _headers, page = client.request("/signin")
    form = urllib.parse.urlencode({"csrf_token": csrf_token(page.decode()), "email": email,
                                   "password": password}).encode()
    status, _headers, body = client.request(
        "/signin", form, "POST", {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302 or "chairside_session" not in client.cookie_header():
        raise RuntimeError(f"signing in as {email} answered {status}: {body[:300]!r}")
    return client


# --- the scenarios -------------------------------------------------------------------------------

def week_bounds(dataset: Dataset) -> tuple[date, date]:
    monday = date.fromisoformat(dataset.busy_week)
    return monday, monday + timedelta(days=6)


def scenarios(dataset: Dataset, bodies: list[str]) -> list[Scenario]:
    first, last = week_bounds(dataset)
    room = dataset.room_ids[0]
    week = {"from": first.isoformat(), "to": last.isoformat(), "limit": "1000"}
    year = {"from": dataset.report_from, "to": dataset.report_to}

    def q(values: dict[str, str]) -> str:
        return urllib.parse.urlencode(values)

    return [
        Scenario("healthz", "GET /healthz (the floor)", "none", ["/healthz"]),
        Scenario("calendar_poll", "calendar poll, unchanged (304)", "cookie",
                 ["/calendar/version"], ok_status=304, etag_from="/calendar/version"),
        Scenario("week_html", "week view HTML, one room", "cookie",
                 [f"/calendar?{q({'view': 'week', 'date': dataset.busy_week, 'room': room})}"]),
        Scenario("day_html", "day view HTML, 10 rooms", "cookie",
                 [f"/calendar?{q({'view': 'day', 'date': dataset.busy_day, 'room': room})}"]),
        Scenario("today_html", "the front desk's Today list HTML", "cookie",
                 ["/calendar/today"]),
        Scenario("unconfirmed_html", "tomorrow's unconfirmed visits HTML", "cookie",
                 ["/calendar/unconfirmed"]),
        Scenario("api_week_room", "appointments JSON, one room's week", "token",
                 [f"/api/v1/appointments?{q({**week, 'room_id': room})}"]),
        Scenario("api_week_clinic", "appointments JSON, the clinic's week", "token",
                 [f"/api/v1/appointments?{q(week)}"]),
        Scenario("booking_post", "booking POST (a free slot each)", "token",
                 ["/api/v1/appointments"], method="POST", bodies=bodies,
                 concurrencies=(C_LATENCY,)),
        Scenario("patient_search", "patient search typeahead", "token",
                 [f"/api/v1/patients?{q({'q': term})}" for term in dataset.search_terms]),
        Scenario("report_summary", "report summary, one year", "token",
                 [f"/api/v1/reports/summary?{q(year)}"]),
        Scenario("report_csv", "CSV export, one year", "cookie",
                 [f"/reports/download.csv?{q({'period': 'custom', **year})}"], timeout="120s",
                 min_seconds=20, warmup_connections=1),
    ]


def booking_bodies(client: Http, dataset: Dataset) -> tuple[list[str], dict[str, Any]]:
    """One JSON body per free slot: the dataset's free days × its rooms × times on a 5-minute
    grid within the clinic's working hours, each as long as the shortest procedure (so no two
    overlap), leaving out what is already booked (a run before this one books too)."""
    clinic = client.json("/api/v1/clinic")
    zone = ZoneInfo(clinic["timezone"])
    hours = clinic["working_hours"]
    opens, closes = (datetime.strptime(hours[k], "%H:%M").time() for k in ("start", "end"))
    procedures = client.json("/api/v1/procedures?limit=200")["items"]
    wanted = {p for p in dataset.procedure_ids}
    usable = [p for p in procedures if p["id"] in wanted and not p.get("archived")] or \
        [p for p in procedures if not p.get("archived")]
    procedure = min(usable, key=lambda p: int(p["duration_minutes"]))
    minutes = -(-int(procedure["duration_minutes"]) // GRID_MINUTES) * GRID_MINUTES
    rooms = dataset.room_ids
    doctors = dataset.doctor_ids
    one_doctor_a_room = len(doctors) >= len(rooms)
    bodies: list[str] = []
    taken_count = 0
    for day_text in dataset.free_days:
        day = date.fromisoformat(day_text)
        if day.isoweekday() not in hours["days"]:
            continue
        booked = client.json("/api/v1/appointments?" + urllib.parse.urlencode(
            {"from": day_text, "to": day_text, "limit": "1000"}))
        taken: dict[str, list[tuple[datetime, datetime]]] = {}
        for item in booked["items"]:
            if item["status"] != "cancelled":
                taken.setdefault(item["room_id"], []).append(
                    (datetime.fromisoformat(item["starts_at"]),
                     datetime.fromisoformat(item["ends_at"])))
        start = datetime.combine(day, opens, zone)
        end_of_day = datetime.combine(day, closes, zone)
        while start + timedelta(minutes=minutes) <= end_of_day:
            end = start + timedelta(minutes=minutes)
            for index, room in enumerate(rooms):
                if any(s < end and start < e for s, e in taken.get(room, [])):
                    taken_count += 1
                    continue
                bodies.append(json.dumps({
                    "patient_id": dataset.patient_ids[len(bodies) % len(dataset.patient_ids)],
                    "room_id": room, "doctor_id": doctors[index % len(doctors)],
                    "starts_at": start.isoformat(), "procedure_ids": [procedure["id"]],
                    "confirm_doctor_overlap": not one_doctor_a_room}))
            start = end
    plan = {"procedure": procedure["name"], "minutes": minutes, "slots": len(bodies),
            "already_taken": taken_count, "days": len(dataset.free_days), "rooms": len(rooms),
            "timezone": clinic["timezone"], "working_hours": hours}
    return bodies, plan


def check(client: Http, scenario: Scenario, headers: dict[str, str]) -> dict[str, Any]:
    """One request before the load: it must answer 2xx, and what came back is noted."""
    status, answer_headers, body = client.request(
        scenario.paths[0], headers={**headers, "Accept-Encoding": "gzip"})
    if not 200 <= status < 300 and status != scenario.ok_status:
        raise RuntimeError(f"{scenario.name}: GET {scenario.paths[0]} answered {status}: "
                           f"{body[:300]!r}")
    if answer_headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    seen: dict[str, Any] = {"status": status, "bytes": len(body)}
    if scenario.ok_status and status == scenario.ok_status:
        pass
    elif scenario.name in ("today_html", "unconfirmed_html"):
        seen["visits_listed"] = body.decode().count('<li class="today-row')
    elif scenario.auth == "cookie" and scenario.name not in ("report_csv", "calendar_poll"):
        seen["appointments_drawn"] = body.decode().count("data-appointment-id")
    elif scenario.name == "report_csv":
        seen["lines"] = body.count(b"\n")
    elif scenario.name.startswith("api_week") or scenario.name == "patient_search":
        answer = json.loads(body)
        seen.update(items=len(answer["items"]), total=answer["total"])
    elif scenario.name == "report_summary":
        seen["appointments_count"] = json.loads(body).get("appointments_count")
    return seen


# --- wrk ---------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not installed: installing it from Debian's packages (apt-get install wrk)")
    command = ["apt-get", "install", "-y", "-q", "wrk"]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]
    done = subprocess.run(  # noqa: S603 - a fixed command
        command, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        capture_output=True, text=True, check=False)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed and could not be installed "
                         f"({done.stderr.strip()[-300:]}); install it with "
                         "`sudo apt-get install wrk` and run again")
    return found


def wrk(base: str, scenario: Scenario, connections: int, seconds: float,
        headers: dict[str, str], workdir: Path, bodies: list[str] | None = None
        ) -> dict[str, Any]:
    threads = min(connections, WRK_THREADS)
    script = workdir / f"{scenario.name}.lua"
    if scenario.method == "POST":
        source, data = WRK_SCRIPTS / "booking.lua", bodies or []
    else:
        source, data = WRK_SCRIPTS / "paths.lua", scenario.paths
    script.write_text(f"OK_STATUS = {scenario.ok_status}\n" + source.read_text() + "\n"
                      + (WRK_SCRIPTS / "done.lua").read_text())
    listing = workdir / f"{scenario.name}-{connections}.txt"
    listing.write_text("\n".join(data) + "\n")
    seconds = max(seconds, scenario.min_seconds, 1)
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{round(seconds)}s",
               f"--timeout={scenario.timeout}", "-s", str(script)]
    for name, value in {**headers, "Accept-Encoding": "gzip"}.items():
        command += ["-H", f"{name}: {value}"]
    command += [base + scenario.paths[0], "--", str(listing), str(threads)]
    done = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                          check=False, timeout=seconds + 180)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures for {scenario.name}: {done.stdout[-500:]}"
                           f"{done.stderr[-500:]}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    statuses: dict[str, int] = {}
    for status in raw.pop("non_2xx_statuses").split():
        statuses[status] = statuses.get(status, 0) + 1
    latency = raw["latency_us"]
    requests = raw["requests"]
    elapsed = raw["duration_us"] / 1e6
    if bodies is not None and requests >= len(bodies):  # stopped when the slots ran out
        elapsed = min(elapsed, requests * latency["mean"] / 1e6 / connections)
    def ms(micros: float) -> float | None:  # None: no request completed in the time
        return round(micros / 1000, 3) if requests else None

    return {
        "connections": connections, "threads": threads, "requests": requests,
        "seconds": round(elapsed, 2), "rps": round(requests / elapsed, 1) if elapsed else 0.0,
        "median_ms": ms(latency["p50"]), "p95_ms": ms(latency["p95"]),
        "p99_ms": ms(latency["p99"]), "mean_ms": ms(latency["mean"]),
        "max_ms": ms(latency["max"]), "ok": raw["ok"], "non_2xx": raw["non_2xx"],
        "non_2xx_statuses": statuses, "socket_errors": raw["errors"],
        "bytes_per_request": round(raw["bytes"] / requests) if requests else 0,
        "ran_out_of_slots": bodies is not None and requests >= len(bodies),
    }


# --- SQL statements per request, in this process ----------------------------------------------

def count_statements(dataset: Dataset, scenario_list: list[Scenario], token: str,
                     workdir: Path) -> dict[str, float]:
    """Each scenario's request through Flask's test client against the same database, once
    to warm up and once counted; a scenario with several paths (the search terms) averages
    them. Counts what a `before_cursor_execute` listener on the container's engine sees."""
    from sqlalchemy import event

    from clinic.config import load_settings
    from clinic.entrypoints.web.app import create_app

    settings = load_settings(database_url=dataset.database_url, secret_key=SECRET_KEY,
                             instance_dir=workdir / "in-process", ratelimit_enabled=False,
                             redis_url=None)
    app = create_app(settings)
    container = app.extensions["clinic.container"]
    engine = container.engine()
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    signed = client.post("/signin", data={"csrf_token": csrf_token(page),
                                          "email": dataset.owner_email,
                                          "password": dataset.owner_password})
    if signed.status_code != 302:
        raise RuntimeError(f"signing in through the test client answered {signed.status_code}")
    api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    counts: dict[str, float] = {}
    # (getattr: an A/B run may serve code from before the poll had an engine of its own)
    poll_engine = getattr(container, "poll_engine", container.engine)()
    engines = list({id(e): e for e in (engine, poll_engine)}.values())
    for each in engines:  # the calendar's poll reads through a small pool of its own
        event.listen(each, "before_cursor_execute", before)
    try:
        for scenario in scenario_list:
            headers = api if scenario.auth == "token" else {}
            per_request = []
            calls: list[tuple[str, str | None]]
            if scenario.method == "POST":
                calls = [(scenario.paths[0], scenario.bodies.pop(0)) for _ in range(2)]
            else:
                calls = [(path, None) for path in scenario.paths for _ in range(2)]
            if scenario.etag_from:
                headers = {"If-None-Match": client.get(scenario.etag_from).headers["ETag"]}
            for index, (path, body) in enumerate(calls):
                seen.clear()
                if body is None:
                    response = client.get(path, headers=headers)
                else:
                    response = client.post(path, data=body, headers={
                        **headers, "Content-Type": "application/json"})
                response.get_data()  # a streamed body runs its queries while read
                if not (200 <= response.status_code < 300
                        or response.status_code == scenario.ok_status):
                    raise RuntimeError(f"{scenario.name} in process answered "
                                       f"{response.status_code}: {response.get_data()[:300]!r}")
                if index % 2 == 1:  # the first of each pair warms up
                    per_request.append(len(seen))
            counts[scenario.name] = round(statistics.mean(per_request), 2)
    finally:
        for each in engines:
            event.remove(each, "before_cursor_execute", before)
            each.dispose()
    return counts


# --- the calendar page's weight --------------------------------------------------------------

def page_weight(client: Http, path: str) -> dict[str, Any]:
    """Bytes over the wire (asking for gzip) of the page and the CSS and JS it links."""
    status, headers, body = client.request(path, headers={"Accept-Encoding": "gzip"})
    if status != 200:
        raise RuntimeError(f"the calendar page answered {status}")
    html = gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body
    sizes: dict[str, Any] = {"html": len(body), "css": 0, "js": 0, "files": [],
                             "html_encoding": headers.get("Content-Encoding", "identity")}
    links = [("css", href) for href in re.findall(
        r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html.decode())]
    links += [("js", src) for src in re.findall(r'<script[^>]*src="([^"]+)"', html.decode())]
    for kind, url in links:
        url = url.replace("&amp;", "&")
        path_only = urllib.parse.urlsplit(url)
        if path_only.netloc and not url.startswith(client.base):
            sizes["files"].append({"url": url, "skipped": "another host"})
            continue
        status, headers, file_body = client.request(
            urllib.parse.urlunsplit(("", "", path_only.path, path_only.query, "")),
            headers={"Accept-Encoding": "gzip"})
        sizes[kind] += len(file_body)
        sizes["files"].append({"url": url, "status": status, "bytes": len(file_body),
                               "encoding": headers.get("Content-Encoding", "identity")})
    sizes["total"] = sizes["html"] + sizes["css"] + sizes["js"]
    return sizes


# --- the run ---------------------------------------------------------------------------------

def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(dataset: Dataset, seconds: float = 10, warmup: float = 2,
        out_dir: Path = Path("bench/results"), progress: Callable[[str], object] = print,
        only: frozenset[str] | None = None) -> dict[str, Any]:
    """`only`: these scenarios (and `/healthz`, the floor every latency is compared with);
    such a partial run writes `bench-<scale>[-sqlite]-partial.{json,md}`."""
    ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="chairside-bench-run-"))
    database = "sqlite" if dataset.database_url.startswith("sqlite") else "postgresql"
    result: dict[str, Any] = {
        "scale": dataset.scale, "database": database,
        "database_url": dataset.database_url.split("@")[-1],
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "server": f"clinic serve: gunicorn {WORKERS} gthread workers × 4 threads, loopback",
        "load_generator": f"wrk (c{C_LATENCY}/t1 and c{C_THROUGHPUT}/t{WRK_THREADS})",
        "seconds": seconds, "warmup_seconds": warmup, "cpus": os.cpu_count(),
        "loadavg_before": loadavg(), "dataset_counts": dataset.counts, "scenarios": {},
    }
    progress(f"bench {dataset.scale} on {database}: load average {result['loadavg_before']}")
    try:
        with serving(dataset.database_url, workdir) as (server, base):
            result["worker_memory_start"] = worker_memory(server.pid)
            browser = sign_in(base, dataset.owner_email, dataset.owner_password)
            cookie = {"Cookie": browser.cookie_header()}
            token = {"Authorization": f"Bearer {dataset.api_token}", "Accept": "application/json"}
            api = Http(base, token)
            bodies, plan = booking_bodies(api, dataset)
            result["booking_plan"] = plan
            if len(bodies) < BOOKING_WARMUP + 10:
                raise RuntimeError(f"only {len(bodies)} free slots on the dataset's free days")
            scenario_list = [s for s in scenarios(dataset, bodies)
                             if only is None or s.name in only or s.name == "healthz"]
            unknown = (only or frozenset()) - {s.name for s in scenarios(dataset, [])}
            if unknown:
                raise SystemExit(f"no such scenario: {', '.join(sorted(unknown))}")
            progress("counting SQL statements per request in process")
            sql = count_statements(dataset, scenario_list, dataset.api_token, workdir)
            week_page = next(s for s in scenarios(dataset, []) if s.name == "week_html")
            result["page_weight"] = page_weight(browser, week_page.paths[0])
            for scenario in scenario_list:
                headers = cookie if scenario.auth == "cookie" else \
                    token if scenario.auth == "token" else {}
                if scenario.etag_from:  # what the calendar drew: nothing changes meanwhile
                    _status, answered, _body = browser.request(scenario.etag_from)
                    headers = {**headers, "If-None-Match": answered["ETag"]}
                entry: dict[str, Any] = {"label": scenario.label, "paths": scenario.paths,
                                         "sql_per_request": sql[scenario.name]}
                if scenario.method == "GET":
                    entry["check"] = check(Http(base), scenario, headers)
                    if scenario.name == "report_csv":
                        entry["worker_memory_before"] = worker_memory(server.pid)
                    wrk(base, scenario, scenario.warmup_connections, warmup, headers,
                        workdir)  # warm-up
                else:
                    warm, scenario.bodies = (scenario.bodies[:BOOKING_WARMUP],
                                             scenario.bodies[BOOKING_WARMUP:])
                    entry["warmup"] = wrk(base, scenario, C_LATENCY, warmup, headers, workdir,
                                          bodies=warm)
                    entry["slots_for_measuring"] = len(scenario.bodies)
                for connections in scenario.concurrencies:
                    cpu_before = worker_cpu_seconds(server.pid)
                    measured = wrk(base, scenario, connections, seconds, headers, workdir,
                                   bodies=scenario.bodies if scenario.method == "POST" else None)
                    cpu = worker_cpu_seconds(server.pid) - cpu_before
                    measured["cpu_ms_per_request"] = \
                        round(cpu * 1000 / measured["requests"], 3) if measured["requests"] \
                        else None
                    entry[f"c{connections}"] = measured
                    median, p95 = _n(measured["median_ms"]), _n(measured["p95_ms"])
                    progress(f"  {scenario.name:<16} c{connections}: median {median:>8} ms  "
                             f"p95 {p95:>8} ms  {measured['rps']:8.1f} req/s  "
                             f"non-2xx {measured['non_2xx']}")
                if scenario.name == "report_csv":
                    entry["worker_memory_after"] = worker_memory(server.pid)
                result["scenarios"][scenario.name] = entry
            result["worker_memory_end"] = worker_memory(server.pid)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    floor = result["scenarios"]["healthz"]["c1"]["median_ms"]
    for entry in result["scenarios"].values():
        for key in ("c1", "c8"):
            if key in entry:
                for what in ("median", "p95"):
                    value = entry[key][f"{what}_ms"]
                    entry[key][f"{what}_x_healthz"] = \
                        round(value / floor, 1) if value is not None and floor else None
    memory = result["worker_memory_end"]
    result["worker_rss_mb_max"] = max((w["rss_mb"] for w in memory), default=None)
    result["worker_peak_rss_mb_max"] = max((w["peak_mb"] for w in memory), default=None)
    result["loadavg_after"] = loadavg()
    result["verdicts"] = verdicts(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = f"{dataset.scale}-sqlite" if database == "sqlite" else dataset.scale
    if only is not None:
        result["only"] = sorted(only)
        suffix += "-partial"
    (out_dir / f"bench-{suffix}.json").write_text(json.dumps(result, indent=2,
                                                             ensure_ascii=False))
    markdown = table(result)
    (out_dir / f"bench-{suffix}.md").write_text(
        markdown + "\n\n" + targets_table(result) + "\n")
    print(markdown)
    return result


# --- targets and the table -------------------------------------------------------------------

def verdicts(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name, bounds in TARGETS.items():
        entry = result["scenarios"].get(name)
        if entry is None:
            continue
        for what, bound in bounds:
            if what == "median_ms":
                value = entry["c1"]["median_ms"]
                met = value is not None and value <= bound
                text = f"median ≤ {bound:g} ms (c1)"
            else:
                value = entry["c8"]["rps"]
                met = value >= bound
                text = f"≥ {bound:g} req/s (c8)"
            bad = sum(entry[k]["non_2xx"] for k in ("c1", "c8") if k in entry)
            found.append({"scenario": name, "target": text, "value": value,
                          "met": met and bad == 0, "non_2xx": bad})
    poll, floor = result["scenarios"].get("calendar_poll"), result["scenarios"].get("healthz")
    if poll and floor:
        ratio = poll["c1"]["median_x_healthz"]
        bad = sum(poll[k]["non_2xx"] for k in ("c1", "c8") if k in poll)
        found.append({"scenario": "calendar_poll",
                      "target": f"median ≤ {POLL_X_HEALTHZ}× /healthz's (c1)", "value": ratio,
                      "unit": "×",
                      "met": ratio is not None and ratio <= POLL_X_HEALTHZ and bad == 0,
                      "non_2xx": bad})
        booking = result["scenarios"].get("booking_post")
        poll_cpu = poll["c8"].get("cpu_ms_per_request")
        booking_cpu = booking and booking["c1"].get("cpu_ms_per_request")
        if booking and poll_cpu is not None and booking_cpu:
            # CPU per second: 100 calendars polling, against one person booking one visit
            # after another (c1). (Against a single booking it cannot hold for any poll: 50
            # of even /healthz cost more than one booking.)
            hundred = round(poll_cpu * POLLS_PER_SECOND, 1)
            booker = round(booking_cpu * booking["c1"]["rps"], 1)
            found.append({"scenario": "calendar_poll",
                          "target": "CPU ms per second: 100 open calendars (50 polls, c8) < "
                                    f"one person booking back to back ({booker} ms: "
                                    f"{booking['c1']['rps']:g} bookings × {booking_cpu} ms)",
                          "value": hundred, "unit": " ms", "met": hundred < booker})
    csv = result["scenarios"].get("report_csv")
    if csv:
        pairs = [(before, after) for before in csv["worker_memory_before"]
                 for after in csv["worker_memory_after"] if after["pid"] == before["pid"]]
        growth = max((a["rss_mb"] - b["rss_mb"] for b, a in pairs), default=0.0)
        csv["worker_peak_growth_mb"] = max((a["peak_mb"] - b["peak_mb"] for b, a in pairs),
                                           default=0.0)
        found.append({"scenario": "report_csv",
                      "target": f"memory flat (a worker grows < {CSV_RSS_GROWTH_LIMIT_MB} MB)",
                      "value": round(growth, 1), "met": growth < CSV_RSS_GROWTH_LIMIT_MB})
    rss = result.get("worker_rss_mb_max")
    if rss is not None:
        found.append({"scenario": "workers", "target": f"RSS < {RSS_LIMIT_MB} MB after the run",
                      "value": rss, "met": rss < RSS_LIMIT_MB})
    weight = result["page_weight"]["total"]
    found.append({"scenario": "page_weight", "target": "calendar page ≤ 60 KB gzip",
                  "value": weight, "met": weight <= PAGE_WEIGHT_LIMIT})
    return found


def _n(value: float | None, spec: str = ".2f") -> str:
    return "–" if value is None else format(value, spec)


def table(result: dict[str, Any]) -> str:
    lines = [
        f"### {result['scale']} scale, {result['database']} — {result['server']}; "
        f"{result['load_generator']}, {result['seconds']:g} s each after "
        f"{result['warmup_seconds']:g} s warm-up",
        "",
        f"{result['cpus']} CPUs; load average before {result['loadavg_before']}, "
        f"after {result['loadavg_after']}; started {result['started']}",
        "",
        "| scenario | SQL/req | c1 median ms | c1 p95 ms | × healthz (median / p95) | c1 req/s "
        "| c8 median ms | c8 p95 ms | c8 req/s | CPU ms/req (c1 / c8) | non-2xx |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for entry in result["scenarios"].values():
        one, eight = entry["c1"], entry.get("c8")
        bad = one["non_2xx"] + (eight["non_2xx"] if eight else 0)
        lines.append(
            f"| {entry['label']} | {entry['sql_per_request']:g} | {_n(one['median_ms'])} "
            f"| {_n(one['p95_ms'])} | {_n(one['median_x_healthz'], 'g')} / "
            f"{_n(one['p95_x_healthz'], 'g')} | {one['rps']:.0f} | "
            + (f"{_n(eight['median_ms'])} | {_n(eight['p95_ms'])} | {eight['rps']:.0f}"
               if eight else "– | – | –")
            + f" | {_n(one.get('cpu_ms_per_request'))} / "
            + (_n(eight.get("cpu_ms_per_request")) if eight else "–")
            + f" | {bad} |")
    weight = result["page_weight"]
    memory = result["worker_memory_end"]
    plan = result.get("booking_plan", {})
    booking = result["scenarios"].get("booking_post", {})
    lines += [
        "",
        f"Calendar week page over the wire (gzip): HTML {weight['html']:,} B + CSS "
        f"{weight['css']:,} B + JS {weight['js']:,} B = {weight['total']:,} B.",
        "Workers after the run: " + ", ".join(
            f"pid {w['pid']} RSS {w['rss_mb']} MB (peak {w['peak_mb']} MB)" for w in memory)
        + ".",
    ]
    if booking:
        lines.append(
            f"Booking: {booking['c1']['requests']} POSTs ({booking['c1']['ok']} booked, "
            f"{booking['c1']['non_2xx']} refused {booking['c1']['non_2xx_statuses'] or ''}) "
            f"of {plan.get('slots')} free {plan.get('minutes')}-minute slots "
            f"({plan.get('procedure')}); ran out of slots: "
            f"{booking['c1']['ran_out_of_slots']}.")
    checks = {name: e["check"] for name, e in result["scenarios"].items() if "check" in e}
    lines.append("Checked before loading: " + "; ".join(
        f"{name} {', '.join(f'{k}={v}' for k, v in c.items() if k != 'status')}"
        for name, c in checks.items() if name != "healthz") + ".")
    return "\n".join(lines)


def targets_table(result: dict[str, Any]) -> str:
    lines = ["| target | measured | |", "|---|--:|:-:|"]
    for v in result["verdicts"]:
        unit = v["unit"] if "unit" in v else \
            " ms" if "ms" in v["target"] and "MB" not in v["target"] else \
            " req/s" if "req/s" in v["target"] else " MB" if "MB" in v["target"] else " B"
        extra = f" ({v['non_2xx']} non-2xx)" if v.get("non_2xx") else ""
        shown = "no request completed" if v["value"] is None else f"{v['value']:g}{unit}"
        lines.append(f"| {v['scenario']}: {v['target']} | {shown}{extra} "
                     f"| {'✓' if v['met'] else '✗'} |")
    return "\n".join(lines)
