"""gunicorn, started from `clinic serve`: each worker process builds its own app and container."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

from gunicorn.app.base import BaseApplication

from clinic.config import Settings

M_ARENA_MAX = -8  # glibc's mallopt parameters
M_MMAP_THRESHOLD = -3
MMAP_FROM = 1024 * 1024


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


def _fewer_malloc_arenas() -> None:
    """glibc gives each thread its own malloc arena, and each keeps what it freed: with four
    threads a worker grew by tens of MB after a few large answers and kept them. Two arenas per
    process (inherited by the workers) keep the memory a worker holds near what it uses.

    Blocks of 1 MB and more (a photo's pixels, an upload) are mapped and given back when freed:
    left to itself glibc raises that threshold to the size of the last block freed (up to
    32 MB), and a worker that had decoded four photos kept ~70 MB of them."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_ARENA_MAX, 2)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_FROM)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        pass


def _start_scheduler(worker: Any) -> None:
    """gunicorn's post_worker_init: each worker starts the reminder scheduler's thread; the
    database lease lets one of them (of every server) run it."""
    from clinic.entrypoints.scheduler import ReminderScheduler

    ReminderScheduler(worker.wsgi.extensions["clinic.container"]).start()


def serve(settings: Settings, host: str, port: int, workers: int = 2) -> None:
    _fewer_malloc_arenas()
    options: dict[str, Any] = {
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
        "threads": 4, "accesslog": "-", "timeout": 60, "graceful_timeout": 10,
    }
    if settings.scheduler_enabled:
        options["post_worker_init"] = _start_scheduler
    _Server(settings, options).run()
