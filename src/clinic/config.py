"""Settings read from the environment (and an optional `.env`); no framework imports here."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    session_cookie_secure: bool = False
    testing: bool = False
    stripe_secret_key: str | None = field(default=None, repr=False)
    stripe_webhook_secret: str | None = field(default=None, repr=False)
    stripe_price_chair: str | None = None
    stripe_price_seat: str | None = None
    stripe_api_base: str | None = None  # tests point the SDK at localstripe or a recorder
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def files_dir(self) -> Path:
        return self.instance_dir / "files"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

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
        "session_cookie_secure": _flag("SESSION_COOKIE_SECURE", False),
        "stripe_secret_key": _env("STRIPE_SECRET_KEY"),
        "stripe_webhook_secret": _env("STRIPE_WEBHOOK_SECRET"),
        "stripe_price_chair": _env("STRIPE_PRICE_CHAIR"),
        "stripe_price_seat": _env("STRIPE_PRICE_SEAT"),
        "stripe_api_base": _env("STRIPE_API_BASE"),
    }
    values.update(overrides)
    if "secret_key" not in values:
        values["secret_key"] = _secret_key(instance_dir)
    if str(values["database_url"]).startswith("sqlite"):
        instance_dir.mkdir(parents=True, exist_ok=True)
    return Settings(**values)  # type: ignore[arg-type]
