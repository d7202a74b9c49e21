"""gunicorn, started from `clinic serve`: each worker process builds its own app and container."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from clinic.config import Settings


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from clinic.entrypoints.web.app import create_app

        return create_app(self.settings)


def serve(settings: Settings, host: str, port: int, workers: int = 2) -> None:
    _Server(settings, {
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
        "threads": 4, "accesslog": "-", "timeout": 60, "graceful_timeout": 10,
    }).run()
