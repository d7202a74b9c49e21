"""The one way a `clinic` command gets the container: `@with_container` hands it in as the first
argument. The container is built on first use, so `--help` never touches a database; tests pass
their own with `CliRunner().invoke(main, args, obj=context)`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import click

from clinic.config import load_settings
from clinic.container import Container, build_container

P = ParamSpec("P")
R = TypeVar("R")


class Context:
    """Builds the container on first use."""

    def __init__(self) -> None:
        self._container: Container | None = None

    @property
    def container(self) -> Container:
        if self._container is None:
            self._container = build_container(load_settings())
        return self._container


def with_container(command: Callable[Concatenate[Container, P], R]) -> Callable[P, R]:
    """Put right above the command's `def` (below its options): the command's first argument
    is then the container."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        context = click.get_current_context().ensure_object(Context)
        return command(context.container, *args, **kwargs)

    return run
