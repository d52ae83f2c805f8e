"""Project-wide test configuration: environment isolation, the upstream mirror, and the drift-mode table
printed at the end of `make test`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import pipeline

UPSTREAM_MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "upstream"
# variables that change where specs come from, where files go, or what a run writes
_ENVIRONMENT = ("SPEC_MIRROR", "SPEC_BASE_URL", "CONFORMANCE_ROOT", "CONFORMANCE_CACHE", "CONFORMANCE_DEBUG",
                "GITHUB_STEP_SUMMARY")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test inherits a mirror, a base URL, a project root, a cache, debug mode or a step summary from the
    shell that runs pytest; the pinned spec cached by the pipeline is forgotten afterwards."""
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    yield
    pipeline._published.cache_clear()


@pytest.fixture
def mirror() -> Path:
    """The upstream mirror beside the clone (../shared/upstream); the test is skipped when it is not there."""
    if not (UPSTREAM_MIRROR / "aimlapi" / "api-docs").is_dir():
        pytest.skip(f"the upstream mirror {UPSTREAM_MIRROR} is not there (CI provides it beside the clone)")
    return UPSTREAM_MIRROR

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
