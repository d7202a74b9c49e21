"""An offline Stripe for tests: localstripe, a recording fake and signed webhooks.

- ``localstripe`` (session fixture): a real, stateful Stripe stand-in (PyPI ``localstripe``) run in
  a child process on a free loopback port; yields its base URL, e.g. ``http://127.0.0.1:41234``.
- ``stripe_client(base_url)``: a ``stripe.StripeClient`` bound to that URL (no global state).
- ``register_webhook(...)`` / ``unregister_webhook(...)``: make localstripe POST signed events.
- ``sign_webhook(payload, secret, timestamp)``: a valid ``Stripe-Signature`` header.
- ``recording_stripe`` (fixture): a loopback HTTP server that records every request and answers
  canned JSON, for what localstripe lacks (Checkout Sessions, the billing portal, Prices); it also
  serves as a webhook receiver.

See docs/stripe-testing.md for what localstripe covers and where it differs from real Stripe.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import importlib.util
import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import need

# localstripe accepts any key that starts with "sk_"; the recorder accepts anything.
TEST_API_KEY = "sk_test_chairside"
TEST_WEBHOOK_SECRET = "whsec_chairside_test"
START_TIMEOUT = 20.0

# Runs localstripe's own aiohttp app, but (unlike the `localstripe --port N` command):
# - binds 127.0.0.1 only (the command binds [::], every interface) on a port the kernel picks,
#   so there is no race for a "free" port; the port is printed on the first stdout line;
# - never reads or writes /tmp/localstripe.pickle (the command reloads the last run's objects
#   unless given --from-scratch, and every run on the machine shares that one file);
# - exits when its stdin closes, so even a SIGKILLed pytest leaves no orphan behind.
_LAUNCHER = r"""
import os, socket, sys, threading
import localstripe.resources as resources
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None
from aiohttp import web
from localstripe.server import app
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
def _exit_with_parent():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=_exit_with_parent, daemon=True).start()
web.run_app(app, sock=sock, print=None, access_log=None)
"""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def _call(base_url: str, method: str, path: str, body: dict[str, Any] | None = None,
          timeout: float = 5.0) -> int:
    """One plain HTTP request to a loopback server; its status code."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                            timeout=timeout)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Content-Type": "application/json",
                                    "Authorization": f"Bearer {TEST_API_KEY}"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _answers(base_url: str) -> bool:
    try:
        return _call(base_url, "GET", "/v1/plans?limit=1", timeout=1) == 200
    except OSError:
        return False


def _read_port(process: subprocess.Popen[bytes], deadline: float) -> int | None:
    """The first stdout line of the launcher, read in a thread so a hung child cannot block us."""
    found: list[bytes] = []
    reader = threading.Thread(
        target=lambda: found.append(process.stdout.readline()) if process.stdout else None,
        daemon=True)
    reader.start()
    reader.join(timeout=max(0.0, deadline - time.monotonic()))
    line = found[0].strip() if found else b""
    return int(line) if line.isdigit() else None


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh localstripe for the test session; yields its base URL (``http://127.0.0.1:PORT``).

    Its objects live as long as the session: make each test create its own customers, and filter
    lists by customer or subscription. ``flush_localstripe(url)`` empties it if a test must.
    """
    if importlib.util.find_spec("localstripe") is None:
        need("localstripe is not installed: pip install -e '.[dev]'")
    log: Path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        port = _read_port(process, deadline)
        base_url = f"http://127.0.0.1:{port}"
        while port is not None and process.poll() is None and time.monotonic() < deadline:
            if _answers(base_url):
                break
            time.sleep(0.05)
        else:
            code = process.poll()
            _stop(process)
            tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-5:])
            why = (f"exited with code {code}" if code is not None
                   else f"did not answer within {START_TIMEOUT:.0f}s")
            need(f"localstripe {why}: {tail or 'no output'}")
        yield base_url
    finally:
        _stop(process)


def stripe_client(base_url: str, api_key: str = TEST_API_KEY) -> Any:
    """A ``stripe.StripeClient`` whose every request goes to ``base_url``.

    Per client, so nothing global (``stripe.api_base``/``stripe.api_key``) is touched. No retries
    (a retried POST would create twice) and no proxy from the environment.
    """
    import requests
    import stripe

    session = requests.Session()
    session.trust_env = False  # never send loopback traffic through an HTTP(S)_PROXY
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base_url, "connect": base_url, "files": base_url},
        http_client=stripe.RequestsClient(timeout=10, session=session),
        max_network_retries=0,
    )


def _config(base_url: str, method: str, path: str, body: dict[str, Any] | None) -> None:
    status = _call(base_url, method, path, body)
    if status != 200:
        raise RuntimeError(f"localstripe {method} {path} answered {status}")


def register_webhook(base_url: str, endpoint_id: str, url: str,
                     secret: str = TEST_WEBHOOK_SECRET, events: list[str] | None = None) -> None:
    """Make localstripe POST every event (or only ``events``) to ``url``, signed with ``secret``.

    localstripe sends each event about 1 s after the API call that caused it, with
    ``Stripe-Signature: t=<event.created>,v1=<hmac>``. Registering the same id again replaces it.
    """
    body: dict[str, Any] = {"url": url, "secret": secret}
    if events is not None:
        body["events"] = events
    _config(base_url, "POST", f"/_config/webhooks/{endpoint_id}", body)


def unregister_webhook(base_url: str, endpoint_id: str) -> None:
    """localstripe cannot delete an endpoint: this one is kept but subscribed to no event."""
    register_webhook(base_url, endpoint_id, "http://127.0.0.1:9/", "whsec_off", events=[])


def flush_localstripe(base_url: str) -> None:
    """Delete every object in localstripe (registered webhooks stay)."""
    _config(base_url, "DELETE", "/_config/data", None)


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``: ``t=<ts>,v1=<hex HMAC-SHA256("ts.payload")>``.

    ``timestamp`` defaults to now; pass ``int(time.time()) - 360`` for a stale (6-minute-old) one.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{ts}.".encode() + payload, hashlib.sha256)
    return f"t={ts},v1={mac.hexdigest()}"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: list[tuple[str, str]]
    headers: dict[str, str]  # keys lower-cased
    body: bytes
    form: list[tuple[str, str]]  # the urlencoded body, in order, repeated keys kept

    @property
    def params(self) -> dict[str, str]:
        """The form as a dict (``line_items[0][quantity]`` style keys, last value wins)."""
        return dict(self.form)

    def json(self) -> Any:
        return json.loads(self.body)


def _canned(path: str, n: int) -> dict[str, Any]:
    if path == "/v1/checkout/sessions":
        return {"id": f"cs_test_{n:04d}", "object": "checkout.session", "mode": "subscription",
                "status": "open", "url": f"https://checkout.stripe.test/c/pay/cs_test_{n:04d}"}
    if path == "/v1/billing_portal/sessions":
        return {"id": f"bps_test_{n:04d}", "object": "billing_portal.session",
                "url": f"https://billing.stripe.test/p/session/test_{n:04d}"}
    return {"id": f"obj_test_{n:04d}", "object": "unknown"}


@dataclass
class RecordingStripe:
    """Records every request; answers ``responses[path]`` or a canned object for the path."""

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    responses: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def respond(self, path: str, body: dict[str, Any], status: int = 200) -> None:
        """Answer ``path`` (any method) with ``body`` and ``status`` from now on."""
        self.responses[path] = (status, body)

    def answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()
        if request.path in self.responses:
            return self.responses[request.path]
        return 200, _canned(request.path, next(self._counter))

    def to(self, path: str) -> list[RecordedRequest]:
        return [r for r in list(self.requests) if r.path == path]

    def wait_for(self, predicate: Callable[[RecordedRequest], bool],
                 timeout: float = 10.0) -> RecordedRequest:
        """The first recorded request matching ``predicate``, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for request in self.requests:
                    if predicate(request):
                        return request
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [f"{r.method} {r.path}" for r in self.requests]
                    raise AssertionError(f"no matching request within {timeout}s; saw {seen}")
                self._changed.wait(left)


class _Handler(BaseHTTPRequestHandler):
    server: _RecordingServer
    protocol_version = "HTTP/1.0"  # one request per connection: nothing left half-read

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        content_type = self.headers.get("Content-Type", "")
        form = (parse_qsl(body.decode("utf-8"), keep_blank_values=True)
                if content_type.startswith("application/x-www-form-urlencoded") else [])
        status, answer = self.server.recorder.answer(RecordedRequest(
            method=self.command, path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()}, body=body, form=form))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_test_recorded")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, recorder: RecordingStripe) -> None:
        self.recorder = recorder
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is fine
            super().handle_error(request, client_address)


@pytest.fixture
def recording_stripe() -> Iterator[RecordingStripe]:
    """A fresh recorder on a loopback port (``.url``), stopped after the test."""
    recorder = RecordingStripe()
    server = _RecordingServer(recorder)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
