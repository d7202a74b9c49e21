"""Fixtures for unit tests: the in-memory fakes of the ports (tests/unit/fakes.py)."""

from __future__ import annotations

import pytest

from tests.unit.fakes import FakeClock, FakeUowFactory


@pytest.fixture
def uow() -> FakeUowFactory:
    """A fresh fake database; each unit of work made from it sees what the others committed."""
    return FakeUowFactory()


@pytest.fixture
def clock() -> FakeClock:
    """A pinned clock (2026-11-23 09:00 UTC) that a test moves with `advance`."""
    return FakeClock()
