"""Send four worst-case doctor photos at once to `clinic serve` and report time and worker memory.

Starts `clinic serve` (gunicorn, threaded workers) on loopback with SQLite in a temporary
instance folder, signs up, adds four doctors, and for each kind of photo starts a fresh server
and sends four uploads at the same moment from four signed-in sessions:

- png-bomb: a palette PNG of 7000 x 7000 px, 6 KB on disk and 49 Mpx to decode;
- jpeg-bomb, webp-bomb, heic-bomb: 12000 x 12000 (HEIC 8000 x 8000) px of one colour, small;
- jpeg: a 4160 x 3120 px JPEG of noise (under 10 MB): the most pixels a photo may have;
- png: a 4160 x 3120 px RGBA PNG, partly noise (under 10 MB): the costliest PNG to decode;
- webp: a WebP of noise at its own limit (3000 x 2000 px);
- heic: a 4160 x 3120 px HEIC of noise (when pillow-heif can write one here).
The same files go to the code before the limits (run this script from a worktree at main,
or with the old `src/` stashed), so the figures compare.

For each upload: the HTTP status, the wall time and what the page then said (saved or refused).
For the server: each worker's RSS before, its peak (VmHWM, and VmRSS sampled every 10 ms) and
its RSS a second after the last answer (what the worker keeps).

    .venv/bin/python scripts/measure_photo_bombs.py [--workers 1] [--kinds bomb,jpeg,png,webp,heic]

With one worker (the default) all four uploads land in the same process: the worst case.
"""

from __future__ import annotations

import argparse
import html as html_text
import http.cookiejar
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"  # noqa: S105 - a throwaway clinic on loopback
MAX_BYTES = 10 * 1024 * 1024
PHOTO = (4160, 3120)  # 12.98 Mpx: the most a photo may have (13 Mpx)
WEBP = (3000, 2000)  # a WebP's most (6 Mpx)


# --- the photos ---------------------------------------------------------------------------------

def _encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_bomb() -> bytes:
    return _encode(Image.new("P", (7000, 7000)), "PNG", optimize=True)


def jpeg_bomb() -> bytes:
    return _encode(Image.new("RGB", (12000, 12000), "teal"), "JPEG", quality=50)


def webp_bomb() -> bytes:
    """144 Mpx: under Pillow's own refusal (179 Mpx), so only the app's limit stops it."""
    return _encode(Image.new("RGB", (12000, 12000), "teal"), "WEBP", lossless=True)


def heic_bomb() -> bytes | None:
    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        return _encode(Image.new("RGB", (8000, 8000), "teal"), "HEIF", quality=30)
    except Exception as error:  # no HEIC encoder here: skip that kind
        print(f"heic-bomb: skipped ({error})")
        return None


def noisy_jpeg() -> bytes:
    noise = Image.frombytes("RGB", PHOTO, os.urandom(PHOTO[0] * PHOTO[1] * 3))
    for quality in range(90, 10, -5):
        data = _encode(noise, "JPEG", quality=quality)
        if len(data) < MAX_BYTES:
            return data
    raise SystemExit("no noisy JPEG under 10 MB")


def rgba_png() -> bytes:
    """As many noisy rows as stay under 10 MB, the rest a gradient: a full-size RGBA decode."""
    image = Image.linear_gradient("L").resize(PHOTO).convert("RGBA")
    rows = 500
    image.paste(Image.frombytes("RGBA", (PHOTO[0], rows), os.urandom(PHOTO[0] * rows * 4)),
                (0, 0))
    data = _encode(image, "PNG", compress_level=6)
    assert len(data) < MAX_BYTES, len(data)
    return data


def heic() -> bytes | None:
    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        image = Image.effect_noise(PHOTO, 60).convert("RGB")
        data = _encode(image, "HEIF", quality=60)  # ~9 MB; encoding takes ~20 s
    except Exception as error:  # no HEIC encoder here: skip that kind
        print(f"heic: skipped ({error})")
        return None
    assert len(data) < MAX_BYTES, len(data)
    return data


def rgba_webp() -> bytes:
    data = _encode(Image.effect_noise(WEBP, 60).convert("RGBA"), "WEBP", quality=90)
    assert len(data) < MAX_BYTES, len(data)
    return data


KINDS = {"png-bomb": png_bomb, "jpeg-bomb": jpeg_bomb, "webp-bomb": webp_bomb,
         "heic-bomb": heic_bomb, "jpeg": noisy_jpeg, "png": rgba_png, "webp": rgba_webp,
         "heic": heic}


# --- the server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def status_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def reset_peak(pid: int) -> None:
    """Start VmHWM again from the current RSS (Linux 4.0+), so it is this round's peak."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError as error:
        print(f"cannot reset the peak of {pid} ({error}): VmHWM includes the warm-up")


class Server:
    def __init__(self, instance: Path, workers: int) -> None:
        self.env = {k: v for k, v in os.environ.items()
                    if k not in {"DATABASE_URL", "REDIS_URL", "SMTP_HOST"}}
        self.env.update(CLINIC_INSTANCE_DIR=str(instance), RATELIMIT_ENABLED="0",
                        SECRET_KEY="measure", PYTHONUNBUFFERED="1")  # noqa: S106
        self.cli = [sys.executable, "-m", "clinic.entrypoints.cli"]
        self.instance, self.workers = instance, workers

    def migrate(self) -> None:
        subprocess.run([*self.cli, "db", "upgrade"], env=self.env, check=True,
                       capture_output=True, cwd=ROOT)

    def __enter__(self) -> Server:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (self.instance / "server.log").open("a")
        self.process = subprocess.Popen(
            [*self.cli, "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            self.process.kill()
            raise SystemExit("the server did not start: " + (self.instance / "server.log")
                             .read_text()[-2000:])
        while len(children(self.process.pid)) < self.workers:
            time.sleep(0.1)
        return self

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()  # this script's own child, by its pid
        self.process.wait(timeout=20)
        self.log.close()


# --- a person in a browser ----------------------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Session:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def open(self, path: str, data: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=120)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, dict(response.headers), response.read()

    def csrf(self, path: str) -> str:
        html = self.open(path)[2].decode()
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, path
        return match.group(1)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        data = {"csrf_token": self.csrf(path), **form}
        return self.open(path, urllib.parse.urlencode(data).encode(),
                         {"Referer": self.base + path})

    def upload(self, doctor_id: str, photo: bytes, token: str) -> tuple[int, str]:
        boundary = uuid.uuid4().hex
        body = b"".join([
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{token}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
            f'filename="photo"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode(),
            photo, f"\r\n--{boundary}--\r\n".encode()])
        status, headers, _ = self.open(
            f"/doctors/{doctor_id}/photo", body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}",
             "Referer": f"{self.base}/doctors/{doctor_id}/edit"})
        return status, headers.get("Location", "")

    def said(self, doctor_id: str) -> str:
        """What the doctor's page then says (the flash message), consumed."""
        html = self.open(f"/doctors/{doctor_id}/edit")[2].decode()
        return " / ".join(f"{kind}: {html_text.unescape(text)}" for kind, text in re.findall(
            r'class="alert alert--(\w+)">(.*?)<', html, re.S)) or "nothing"


def set_up(base: str, email: str) -> list[str]:
    """The clinic's owner and four doctors; their ids."""
    owner = Session(base)
    status, _, _ = owner.post("/signup", {"clinic_name": "Bombs", "name": "Anna Petrova",
                                          "email": email, "password": PASSWORD,
                                          "timezone": "Europe/Moscow", "promo_code": ""})
    assert status == 302, status
    for n in range(4):
        owner.post("/doctors/new", {"name": f"Doctor {n}", "color": ""})
    html = owner.open("/doctors")[2].decode()
    ids = []
    for n in range(4):
        block = html.split(f"Doctor {n}", 1)[1]
        ids.append(re.findall(r"/doctors/([0-9a-f-]{36})", block)[0])
    return ids


def signed_in(base: str, email: str) -> Session:
    session = Session(base)
    status, _, _ = session.post("/signin", {"email": email, "password": PASSWORD})
    assert status == 302, status
    return session


# --- one round ----------------------------------------------------------------------------------

def round_of_four(server: Server, email: str, doctors: list[str], photo: bytes) -> dict[str, Any]:
    sessions = [signed_in(server.base, email) for _ in doctors]
    tokens = [s.csrf(f"/doctors/{d}/edit") for s, d in zip(sessions, doctors, strict=True)]
    small = _encode(Image.new("RGB", (800, 600), "teal"), "JPEG")
    for session, doctor, token in zip(sessions, doctors, tokens, strict=True):  # warm up
        session.upload(doctor, small, token)
        session.said(doctor)
    time.sleep(0.5)
    pids = server.worker_pids()
    hwm_before = {pid: status_kb(pid, "VmHWM") for pid in pids}  # sign-in's argon2 is in it
    for pid in pids:
        reset_peak(pid)
    before = {pid: status_kb(pid, "VmRSS") for pid in pids}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], status_kb(pid, "VmRSS"))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    barrier = threading.Barrier(len(doctors))
    results: list[dict[str, Any]] = [{} for _ in doctors]

    def send(n: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        status, _ = sessions[n].upload(doctors[n], photo, tokens[n])
        results[n].update(status=status, seconds=round(time.perf_counter() - started, 2))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(doctors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(1.0)
    done.set()
    sampler.join()
    for n, doctor in enumerate(doctors):
        results[n]["page_says"] = sessions[n].said(doctor)
    mb = lambda kb: round(kb / 1024, 1)  # noqa: E731
    workers = [{"pid": pid, "rss_before_mb": mb(before[pid]),
                "hwm_before_reset_mb": mb(hwm_before[pid]),
                "peak_rss_sampled_mb": mb(peak[pid]), "hwm_mb": mb(status_kb(pid, "VmHWM")),
                "rss_after_mb": mb(status_kb(pid, "VmRSS"))} for pid in pids]
    return {"uploads": results, "workers": workers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary instance folder (its server.log)")
    args = parser.parse_args()
    photos = {}
    for kind in args.kinds.split(","):
        data = KINDS[kind]()
        if data is not None:
            photos[kind] = data
    instance = Path(tempfile.mkdtemp(prefix="chairside-photos-"))
    server = Server(instance, args.workers)
    server.migrate()
    email = f"bombs-{uuid.uuid4().hex[:6]}@example.com"
    with server:
        doctors = set_up(server.base, email)
    report: dict[str, Any] = {"workers": args.workers, "threads_per_worker": 4, "rounds": {}}
    for kind, data in photos.items():
        with Image.open(io.BytesIO(data)) as image:
            shape = f"{image.format} {image.mode} {image.width}x{image.height}"
        with server:  # a fresh server: its workers' peak is this round's alone
            result = round_of_four(server, email, doctors, data)
        result["photo"] = {"bytes": len(data), "image": shape}
        report["rounds"][kind] = result
        print(f"\n{kind}: {shape}, {len(data):,} bytes, 4 at once, "
              f"{args.workers} worker(s) x 4 threads")
        for n, upload in enumerate(result["uploads"]):
            print(f"  upload {n + 1}: HTTP {upload['status']} in {upload['seconds']:.2f} s"
                  f" - {upload['page_says']}")
        for worker in result["workers"]:
            print(f"  worker {worker['pid']}: RSS {worker['rss_before_mb']} MB before,"
                  f" peak {worker['hwm_mb']} MB (VmHWM; sampled VmRSS"
                  f" {worker['peak_rss_sampled_mb']} MB), {worker['rss_after_mb']} MB after")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if args.keep:
        print(f"\nthe instance folder (database, photos, server.log): {instance}")
    else:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
