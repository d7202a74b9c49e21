"""Every `clinic` command gets the container one way: `@with_container` (cli/context.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner

from clinic.entrypoints.cli.context import Context, with_container

CLI = Path(__file__).resolve().parents[2] / "src" / "clinic" / "entrypoints" / "cli"


def test_a_command_gets_the_contexts_container_before_its_own_arguments():
    @click.command()
    @click.argument("name")
    @with_container
    def hello(container: Any, name: str) -> None:
        click.echo(f"{container} {name}")

    context = Context()
    context._container = "the-container"  # type: ignore[assignment]
    result = CliRunner().invoke(hello, ["Anna"], obj=context)
    assert result.exit_code == 0, result.output
    assert result.output == "the-container Anna\n"


def test_no_cli_module_reaches_the_container_its_own_way():
    """One decorator, no copies: no module but context.py looks the Context up itself."""
    found = [f"{path.name}:{number}"
             for path in sorted(CLI.glob("*.py")) if path.name != "context.py"
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"def _container\b|ensure_object\(|find_object\(|make_pass_decorator",
                          line)]
    assert found == []
