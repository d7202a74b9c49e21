"""The WSGI entry point: `gunicorn wsgi:app`. Production: it refuses to start half-configured
(BASE_URL is required here, since the address gunicorn binds is not known to the app)."""

from clinic.config import load_settings
from clinic.entrypoints.web.app import create_app

settings = load_settings()
problems = settings.serving_problems("0.0.0.0")  # noqa: S104 - the strictest case
if problems:
    raise SystemExit("Chairside will not start: " + "; ".join(problems))
app = create_app(settings)
