"""Project-wide test configuration: the drift-mode table printed at the end of `make test`."""

from __future__ import annotations

from typing import Any

import pytest

DRIFT_TABLE: pytest.StashKey[list[tuple[str, str, str, str]]] = pytest.StashKey()


@pytest.fixture
def drift_table(request: pytest.FixtureRequest) -> list[tuple[str, str, str, str]]:
    """Rows (mode, expected finding, caught?, exit code) for the summary printed after the tests."""
    return request.config.stash.setdefault(DRIFT_TABLE, [])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    rows = terminalreporter.config.stash.get(DRIFT_TABLE, [])
    if not rows:
        return
    terminalreporter.section("mock drift modes vs findings caught by the conformance suite")
    terminalreporter.write_line("| mock mode | finding expected (rule, JSON path) | caught | run exit |")
    terminalreporter.write_line("|---|---|---|---|")
    for mode, expected, caught, code in sorted(rows):
        terminalreporter.write_line(f"| `{mode}` | {expected} | {caught} | {code} |")
