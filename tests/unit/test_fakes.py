"""The in-memory fakes are honest: the fake unit of work has every repository of the
UnitOfWork port, with every method, so a use case can be unit-tested whatever it touches.
(tests/integration/test_repositories.py runs one contract against fakes and both databases.)"""

from __future__ import annotations

import inspect
import typing

from clinic.application.ports import ANY_CLINIC, UnitOfWork
from tests.unit.fakes import FakeUowFactory

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _methods(protocol: type) -> set[str]:
    return {name for name, value in vars(protocol).items()
            if callable(value) and not name.startswith("_")}


def _accepts(fake: object, port: object) -> bool:
    """The fake takes what the port's callers may pass: as many positional arguments, and
    each keyword-only one by its name."""
    have = list(inspect.signature(fake).parameters.values())  # type: ignore[arg-type]
    want = [p for name, p in inspect.signature(port).parameters.items()  # type: ignore[arg-type]
            if name != "self"]
    if any(p.kind is p.VAR_KEYWORD for p in have):
        keywords_ok = True
    else:
        names = {p.name for p in have}
        keywords_ok = all(p.name in names for p in want if p.kind is p.KEYWORD_ONLY)
    can_take = len([p for p in have if p.kind in POSITIONAL])
    if any(p.kind is p.VAR_POSITIONAL for p in have):
        can_take = len(want)
    return keywords_ok and can_take >= len([p for p in want if p.kind in POSITIONAL])


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
            for method in sorted(_methods(protocol)):
                fake = getattr(repository, method, None)
                if not callable(fake):
                    missing.append(f"{name}.{method}")
                elif not _accepts(fake, getattr(protocol, method)):
                    missing.append(f"{name}.{method}: its parameters")
        missing += [f"uow.{method}" for method in sorted(_methods(UnitOfWork))
                    if not callable(getattr(uow, method, None))]
    assert missing == []


def test_the_factories_fill_the_fakes_with_what_a_test_names_and_sensible_rest(uow):
    from tests.factories import ClinicFactory, PatientFactory, RoomFactory, add

    clinic = ClinicFactory(name="Smile")
    room, patient = RoomFactory(clinic_id=clinic.id), PatientFactory(clinic_id=clinic.id,
                                                                      name="Ivan  Petrov")
    add(uow(ANY_CLINIC), clinic, room, patient)
    with uow(clinic.id) as u:
        assert [r.name for r in u.rooms.list()] == [room.name]
        assert u.patients.get(patient.id).name_folded == "ivan petrov"
