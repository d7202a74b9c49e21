"""Test policy: service-backed tests skip locally but fail under CLINIC_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("CLINIC_REQUIRE_SERVICES") == "1"


def need(reason: str) -> None:
    """Skip with a one-line reason, unless CI requires every service: then fail."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not REQUIRE_SERVICES:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"CLINIC_REQUIRE_SERVICES=1 but {len(skipped)} test(s) were skipped", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
