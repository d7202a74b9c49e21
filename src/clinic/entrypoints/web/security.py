"""Web security from the first line: CSRF, security headers, rate limits, compression."""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])

# Per client address, so one address cannot try many accounts quickly. Sign-in also counts the
# wrong passwords of one (address, email) pair, with waits that grow (a minute, a quarter of an
# hour, an hour, a day): never per email alone, which let anyone lock the owner out of their
# own clinic by typing wrong passwords for their email.
FAILED_PAIR = "failed-pair:"
FAILED_ADDRESS = "failed-address:"
ANY_METHOD = "any-method:"  # GET too: a page whose address is the secret
RATE_LIMITS = {
    "auth.sign_in": [FAILED_ADDRESS + "10 per minute; 60 per hour",
                     FAILED_PAIR + "3 per minute; 10 per 15 minutes; 20 per hour; 40 per day"],
    # per email too: nobody can have a stranger sent dozens of sign-up emails
    "auth.sign_up": ["10 per minute; 40 per hour", "email:5 per hour"],
    "auth.forgot_password": ["5 per minute; 20 per hour", "email:3 per hour"],
    "auth.reset_password": ["10 per minute"],
    "invitations.open_link": ["10 per minute; 60 per hour"],
    "team.invite": ["10 per minute; 50 per day"],
    # the reminder's link, opened without signing in: guessing tokens gets nowhere fast
    "visit_answer.page": [ANY_METHOD + "20 per minute; 100 per hour"],
    "telegram_webhook.receive": ["600 per minute"],  # Telegram's own servers, many clinics
}

COMPRESSIBLE = ("text/", "application/json", "application/problem+json",
                "application/javascript", "image/svg+xml")

csrf = CSRFProtect()


class StaticFreeSessionInterface(SecureCookieSessionInterface):
    """No session cookie on static files: they are cached for a year and must carry no secret
    (and a late stylesheet response must not re-set a cookie the person just cleared). An open
    calendar's poll (every 2 s) does not re-sign an unchanged cookie either: a person's own
    clicks keep it fresh, and signing it was a fifth of the poll's time."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint == "static":
            return False
        if request.endpoint in QUIET_ENDPOINTS and not session.modified:
            return False
        return super().should_set_cookie(app, session)


QUIET_ENDPOINTS = frozenset({"calendar.version"})


def _email_key() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()


def client_address() -> str:
    """The client's address as rate limits count it: an IPv6 client by its /64 network (one
    household or server gets a whole /64, so counting single addresses is no limit at all)."""
    raw = get_remote_address()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _pair_key() -> str:
    return f"pair:{client_address()}|{(request.form.get('email') or '').strip().lower()}"


def _refused(response: Response) -> bool:
    """Only a refused attempt counts against the pair (the form answers 422)."""
    return response.status_code == 422


Breach = Callable[[RequestLimit], Response | None]


def init_limiter(app: Flask, storage_uri: str | None, enabled: bool,
                 breach_pages: dict[str, Breach] | None = None) -> Limiter:
    limiter = Limiter(
        client_address, app=app, storage_uri=storage_uri or "memory://",
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1},
        in_memory_fallback_enabled=True, swallow_errors=True, enabled=enabled,
        key_prefix="clinic-limits",
    )
    for endpoint, limits in RATE_LIMITS.items():
        view: Any = app.view_functions[endpoint]
        on_breach = (breach_pages or {}).get(endpoint)
        for spec in limits:
            if spec.startswith(FAILED_PAIR):
                view = limiter.limit(spec.removeprefix(FAILED_PAIR), key_func=_pair_key,
                                     methods=["POST"], deduct_when=_refused,
                                     on_breach=on_breach)(view)
            elif spec.startswith(FAILED_ADDRESS):  # a clinic's desk behind one address
                view = limiter.limit(spec.removeprefix(FAILED_ADDRESS), methods=["POST"],
                                     deduct_when=_refused)(view)
            elif spec.startswith(ANY_METHOD):
                view = limiter.limit(spec.removeprefix(ANY_METHOD))(view)
            elif spec.startswith("email:"):
                view = limiter.limit(spec.removeprefix("email:"), key_func=_email_key,
                                     methods=["POST"])(view)
            else:
                view = limiter.limit(spec, methods=["POST"])(view)
        app.view_functions[endpoint] = view
    app.extensions["clinic.limiter"] = limiter  # Flask-Limiter itself keeps only a weak reference
    return limiter


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # pages carry personal data
    return response


def _compress(response: Response) -> Response:
    """gzip text answers for slow phones; static files are compressed once and cached."""
    if ("gzip" not in request.headers.get("Accept-Encoding", "")
            or response.status_code < 200 or response.status_code >= 300
            or "Content-Encoding" in response.headers
            or not (response.mimetype or "").startswith(COMPRESSIBLE)):
        return response
    if response.direct_passthrough:
        if request.endpoint != "static":
            return response
        response.direct_passthrough = False
        body = _gzip_static(request.path, response.get_data())
    else:
        data = response.get_data()
        if len(data) < 500:
            return response
        # Pages go to phones, where bytes count: level 4 is within 4 % of level 6's size at
        # two thirds of its time. JSON goes to programs, where the server's time counts more:
        # level 1 is 2.4 ms for a clinic's week (450 KB) against 6.0 ms, for 28 % more bytes.
        level = 1 if response.mimetype == "application/json" else 4
        body = gzip.compress(data, compresslevel=level)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(body))
    response.vary.add("Accept-Encoding")
    return response


@lru_cache(maxsize=64)
def _gzip_static_cached(path: str, digest: str, data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


def _gzip_static(path: str, data: bytes) -> bytes:
    return _gzip_static_cached(path, hashlib.sha1(data).hexdigest(), data)  # noqa: S324


@lru_cache(maxsize=128)
def _file_version(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """A URL that changes whenever the file does, so browsers may cache it for a year."""
    from flask import current_app

    folder = current_app.static_folder or ""
    return url_for("static", filename=filename, v=_file_version(str(Path(folder) / filename)))


def _start_timer() -> None:
    g.started = time.perf_counter()


def _server_timing(response: Response) -> Response:
    """How long the app took, for the browser's dev tools and scripts/measure_auth.py."""
    started = g.get("started")
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def init_app(app: Flask) -> None:
    app.session_interface = StaticFreeSessionInterface()
    csrf.init_app(app)
    app.before_request(_start_timer)
    app.after_request(_server_timing)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 31536000
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(_security_headers)
    app.after_request(_compress)
