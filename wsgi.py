"""The WSGI entry point: `gunicorn wsgi:app`."""

from clinic.entrypoints.web.app import create_app

app = create_app()
