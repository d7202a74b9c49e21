"""Architecture rules the build checks by reading the source.

The doors (``clinic.entrypoints``: web views, API handlers, CLI commands) never open a unit of
work themselves: they read through the read models (``application/*/queries.py``, implemented in
``adapters/sqlalchemy/queries.py``) and write through use cases. Issue 17, section 1.

Nor do they write the audit trail: a read that must be audited (a patient's card, a visit's
dialog, a download or archive of patients) is a use case that appends its own row. Issue 17,
section 3.
"""

from __future__ import annotations

import ast
from pathlib import Path

ENTRYPOINTS = Path(__file__).resolve().parents[2] / "src" / "clinic" / "entrypoints"


def _calls_in(node: ast.AST, file: str, scope: str, attr: str) -> list[tuple[str, str, int]]:
    found: list[tuple[str, str, int]] = []
    for child in ast.iter_child_nodes(node):
        inner = scope
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = f"{scope}.{child.name}" if scope else child.name
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and child.func.attr == attr
        ):
            found.append((file, scope or "<module>", child.lineno))
        found += _calls_in(child, file, inner, attr)
    return found


def calls_of(attr: str, root: Path = ENTRYPOINTS) -> list[tuple[str, str, int]]:
    """Every ``<x>.<attr>(...)`` call under ``root``: (file, enclosing Class.function, line)."""
    found: list[tuple[str, str, int]] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += _calls_in(tree, path.relative_to(root).as_posix(), "", attr)
    return found


def uow_calls(root: Path = ENTRYPOINTS) -> list[tuple[str, str, int]]:
    return calls_of("uow", root)


def test_the_doors_never_open_a_unit_of_work() -> None:
    calls = [f"src/clinic/entrypoints/{file}:{line} in {function}()"
             for file, function, line in uow_calls()]
    assert not calls, (
        "A door opens a unit of work; read through a read model (application/*/queries.py) "
        "or write through a use case instead:\n" + "\n".join(calls)
    )


def test_the_check_sees_a_new_call(tmp_path: Path) -> None:
    door = tmp_path / "web" / "views" / "new.py"
    door.parent.mkdir(parents=True)
    door.write_text(
        "def page():\n"
        "    with container().uow(1) as uow:\n"
        "        return uow.rooms.list()\n",
        encoding="utf-8",
    )
    assert uow_calls(tmp_path) == [("web/views/new.py", "page", 2)]


def test_the_doors_never_write_the_audit_trail() -> None:
    calls = [f"src/clinic/entrypoints/{file}:{line} in {function}()"
             for file, function, line in calls_of("audit_trail")]
    assert not calls, (
        "A door writes the audit trail; make the audited read a use case that appends its own "
        "row (application/patients/read.py, application/reporting/export.py):\n"
        + "\n".join(calls)
    )


def test_the_audit_check_sees_a_new_call(tmp_path: Path) -> None:
    door = tmp_path / "api" / "new.py"
    door.parent.mkdir(parents=True)
    door.write_text(
        "class Card:\n"
        "    def get(self, patient_id):\n"
        "        container().audit_trail()(1, 'patient_viewed', 'patient', patient_id)\n",
        encoding="utf-8",
    )
    assert calls_of("audit_trail", tmp_path) == [("api/new.py", "Card.get", 3)]
