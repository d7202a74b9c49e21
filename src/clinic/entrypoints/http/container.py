"""Views reach the composition root through the app, so each app has its own container."""

from __future__ import annotations

from typing import cast

from flask import current_app

from clinic.container import Container


def container() -> Container:
    return cast(Container, current_app.extensions["clinic.container"])
