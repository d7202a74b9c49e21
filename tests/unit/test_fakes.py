"""The in-memory fakes are honest: the fake unit of work has every repository of the
UnitOfWork port, with every method, so a use case can be unit-tested whatever it touches.
(tests/integration/test_repositories.py runs one contract against fakes and both databases.)"""

from __future__ import annotations

import inspect
import typing

from clinic.application.ports import ANY_CLINIC, UnitOfWork
from tests.unit.fakes import FakeUowFactory


def _methods(protocol: type) -> set[str]:
    return {name for name, value in vars(protocol).items()
            if callable(value) and not name.startswith("_")}


def test_the_fake_unit_of_work_has_every_repository_and_method_of_the_port():
    missing: list[str] = []
    with FakeUowFactory()(ANY_CLINIC) as uow:
        for name, protocol in typing.get_type_hints(UnitOfWork).items():
            if not inspect.isclass(protocol):
                continue
            repository = getattr(uow, name, None)
            if repository is None:
                missing.append(name)
                continue
            missing += [f"{name}.{method}" for method in sorted(_methods(protocol))
                        if not callable(getattr(repository, method, None))]
        missing += [f"uow.{method}" for method in sorted(_methods(UnitOfWork))
                    if not callable(getattr(uow, method, None))]
    assert missing == []
