"""Business time comes from the `Clock` port: no module of `clinic` but the clock adapter reads the
wall clock (`datetime.now`, `datetime.utcnow`, `datetime.today`, `date.today`), so tests pin the
time and a run across midnight in Moscow cannot fail."""

from __future__ import annotations

import ast
from pathlib import Path

import clinic

SOURCE = Path(clinic.__file__).resolve().parent
CLOCK_ADAPTER = SOURCE / "adapters" / "clock.py"
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
              ("date", "today")}


def wall_clock_reads(path: Path) -> list[str]:
    """`file:line` of every wall-clock read in one module, whatever the import's spelling
    (`datetime.now`, `dt.datetime.now`, `from datetime import date as day; day.today`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules = {"datetime"}  # names bound to the datetime module
    classes: dict[str, str] = {}  # local name -> "datetime" or "date"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name == "datetime")
        elif isinstance(node, ast.ImportFrom) and node.module == "datetime":
            classes.update({a.asname or a.name: a.name for a in node.names
                            if a.name in ("datetime", "date")})
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name):
            kind = classes.get(owner.id)
        elif (isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name)
              and owner.value.id in modules):
            kind = owner.attr
        else:
            kind = None
        if kind is not None and (kind, node.func.attr) in WALL_CLOCK:
            where = path.relative_to(SOURCE.parent) if path.is_relative_to(SOURCE) else path
            found.append(f"{where}:{node.lineno}: {kind}.{node.func.attr}()")
    return found


def test_the_check_sees_every_spelling(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "import datetime as dt\n"
        "from datetime import date as day, datetime\n"
        "a = datetime.now()\n"
        "b = dt.datetime.utcnow()\n"
        "c = day.today()\n"
        "d = dt.date.today()\n"
        "e = datetime.fromisoformat('2026-01-01')\n"
        "f = clock.now()\n", encoding="utf-8")
    lines = [read.split(":")[1] for read in wall_clock_reads(module)]
    assert lines == ["3", "4", "5", "6"]


def test_only_the_clock_adapter_reads_the_wall_clock() -> None:
    modules = sorted(p for p in SOURCE.rglob("*.py") if p != CLOCK_ADAPTER)
    assert len(modules) > 50
    reads = [read for path in modules for read in wall_clock_reads(path)]
    assert not reads, ("read the time from the Clock (container().clock().now() in "
                       "entrypoints, the injected clock elsewhere):\n" + "\n".join(reads))


def test_the_clock_adapter_is_where_the_check_looks() -> None:
    assert wall_clock_reads(CLOCK_ADAPTER), "the clock adapter moved: update CLOCK_ADAPTER"
