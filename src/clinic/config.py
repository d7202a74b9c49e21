"""Settings read from the environment (and an optional `.env`); no framework imports here."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Where links in emails point when BASE_URL is not set: `make run` on this machine only.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _flag(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def _load_dotenv() -> None:
    try:
        from dotenv import load_dotenv
    except ImportError:  # pragma: no cover - python-dotenv is a dependency
        return
    load_dotenv(PROJECT_ROOT / ".env", override=False)


def _secret_key(instance_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    configured = _env("SECRET_KEY")
    if configured:
        return configured
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Everything the composition root needs to choose and configure adapters."""

    database_url: str
    secret_key: str
    instance_dir: Path
    redis_url: str | None = None
    queue_name: str = "default"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    mail_from: str = "Chairside <no-reply@chairside.local>"
    base_url: str | None = None
    ratelimit_enabled: bool = True
    smsru_api_id: str | None = field(default=None, repr=False)  # SMS through SMS.ru
    smsru_from: str | None = None  # an approved sender name (else SMS.ru's default)
    smsru_api_base: str = "https://sms.ru"  # elsewhere only in tests
    telegram_api_base: str = "https://api.telegram.org"  # elsewhere only in tests
    file_store_url: str | None = None  # s3://bucket/prefix; absent: files under instance/
    s3_endpoint_url: str | None = None  # an S3-compatible service's address (MinIO, a test's)
    scheduler_enabled: bool = True  # the reminder scheduler in `clinic serve` (SCHEDULER=0: off)
    session_cookie_secure: bool = False
    testing: bool = False
    stripe_secret_key: str | None = field(default=None, repr=False)
    stripe_webhook_secret: str | None = field(default=None, repr=False)
    stripe_price_chair: str | None = None
    stripe_price_seat: str | None = None
    stripe_api_base: str | None = None  # tests point the SDK at localstripe or a recorder
    trusted_hosts_setting: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        """The one origin every absolute link is built from (emails, Stripe, the API):
        BASE_URL, never the Host header a request happens to carry."""
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")

    @property
    def trusted_hosts(self) -> list[str]:
        """Host headers the app answers: BASE_URL's host, TRUSTED_HOSTS (a proxy's or a load
        balancer's own names) and loopback (health checks). Others are refused with 400
        before any view runs. (Werkzeug cannot trust an IPv6 literal: serve on `localhost`.)"""
        hosts = list(self.trusted_hosts_setting)
        if self.base_url:
            hosts.append(urlsplit(self.base_url).hostname or "")
        return [host for host in (*hosts, *LOOPBACK_HOSTS) if host]

    def problems(self) -> list[str]:
        """What is half-configured: each line names the settings to fix. Production refuses
        to start while there are any; /readyz lists them."""
        found: list[str] = []
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                found.append(f"BASE_URL must be an http(s) address such as "
                             f"https://clinic.example.com, not {self.base_url!r}")
        stripe = {"STRIPE_SECRET_KEY": self.stripe_secret_key,
                  "STRIPE_WEBHOOK_SECRET": self.stripe_webhook_secret,
                  "STRIPE_PRICE_CHAIR": self.stripe_price_chair,
                  "STRIPE_PRICE_SEAT": self.stripe_price_seat}
        missing = [name for name, value in stripe.items() if not value]
        if missing and len(missing) < len(stripe):
            found.append("Stripe is half-configured: set " + ", ".join(missing)
                         + " too (or none of the STRIPE_* settings for the test-mode "
                         "gateway); `clinic billing setup-prices` prints the prices")
        smtp_extras = {"SMTP_USERNAME": self.smtp_username, "SMTP_PASSWORD": self.smtp_password}
        if not self.smtp_host and any(smtp_extras.values()):
            found.append("SMTP_USERNAME/SMTP_PASSWORD are set but SMTP_HOST is not")
        return found

    def serving_problems(self, host: str) -> list[str]:
        """`problems()` plus what serving on `host` needs: BASE_URL unless bound to loopback."""
        found = self.problems()
        if not self.base_url and not is_loopback(host):
            found.insert(0, f"BASE_URL is required when serving on {host} (links in emails "
                            "are built from it), e.g. BASE_URL=https://clinic.example.com")
        return found

    def serving_on(self, host: str, port: int) -> Settings:
        """On loopback without BASE_URL, links point at the address being served."""
        if self.base_url or not is_loopback(host):
            return self
        shown = f"[{host}]" if ":" in host else host
        return replace(self, base_url=f"http://{shown}:{port}")

    @property
    def files_dir(self) -> Path:
        return self.instance_dir / "files"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def file_store(self) -> str:
        return "s3" if self.file_store_url else "local"

    @property
    def job_queue(self) -> str:
        return "rq" if self.redis_url else "inline"

    @property
    def mailer(self) -> str:
        return "smtp" if self.smtp_host else "console"

    @property
    def payment_provider(self) -> str:
        """Stripe when its secret key is set, else the test-mode gateway (no real payment)."""
        return "stripe" if self.stripe_secret_key else "local"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; keyword arguments win (tests use them)."""
    _load_dotenv()
    instance_dir = Path(str(overrides.pop("instance_dir", None) or _env(
        "CLINIC_INSTANCE_DIR", str(PROJECT_ROOT / "instance"))))
    database_url = _env("DATABASE_URL") or f"sqlite:///{instance_dir / 'clinic.sqlite3'}"
    values: dict[str, object] = {
        "database_url": database_url,
        "instance_dir": instance_dir,
        "redis_url": _env("REDIS_URL"),
        "queue_name": _env("RQ_QUEUE", "default"),
        "smtp_host": _env("SMTP_HOST"),
        "smtp_port": int(_env("SMTP_PORT", "587") or 587),
        "smtp_username": _env("SMTP_USERNAME"),
        "smtp_password": _env("SMTP_PASSWORD"),
        "smtp_starttls": _flag("SMTP_STARTTLS", True),
        "smtp_ssl": _flag("SMTP_SSL", False),
        "mail_from": _env("MAIL_FROM", "Chairside <no-reply@chairside.local>"),
        "base_url": _env("BASE_URL"),
        "ratelimit_enabled": _flag("RATELIMIT_ENABLED", True),
        "scheduler_enabled": _flag("SCHEDULER", True),
        "file_store_url": _env("FILE_STORE_URL"),
        "s3_endpoint_url": _env("S3_ENDPOINT_URL"),
        "smsru_api_id": _env("SMSRU_API_ID"),
        "smsru_from": _env("SMSRU_FROM"),
        "smsru_api_base": _env("SMSRU_API_BASE") or "https://sms.ru",
        "telegram_api_base": _env("TELEGRAM_API_BASE") or "https://api.telegram.org",
        "session_cookie_secure": _flag("SESSION_COOKIE_SECURE", False),
        "stripe_secret_key": _env("STRIPE_SECRET_KEY"),
        "stripe_webhook_secret": _env("STRIPE_WEBHOOK_SECRET"),
        "stripe_price_chair": _env("STRIPE_PRICE_CHAIR"),
        "stripe_price_seat": _env("STRIPE_PRICE_SEAT"),
        "stripe_api_base": _env("STRIPE_API_BASE"),
        "trusted_hosts_setting": tuple(
            host.strip() for host in (_env("TRUSTED_HOSTS") or "").split(",") if host.strip()),
    }
    values.update(overrides)
    if "secret_key" not in values:
        values["secret_key"] = _secret_key(instance_dir)
    if str(values["database_url"]).startswith("sqlite"):
        instance_dir.mkdir(parents=True, exist_ok=True)
    return Settings(**values)  # type: ignore[arg-type]


def is_loopback(host: str) -> bool:
    """Whether a bind address is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
