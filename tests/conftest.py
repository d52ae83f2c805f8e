"""Project-wide test configuration: hypothesis profiles, environment isolation, upstream data (tests/upstream_data.py),
and the drift-mode table printed at the end of `make test`.

Hypothesis profiles (``HYPOTHESIS_PROFILE``):

* ``ci`` (default, what `make test` and `.ci/run` use): derandomised, so a run is a function of the code; no
  example database, so nothing a run finds is replayed by the next one in the same checkout (a checkout is red
  exactly when CI is);
* ``nightly`` (the nightly property workflow): random seeds, ten times the examples of each test, failures printed
  with a reproduction blob.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import slowlist
from hypothesis import settings
from upstream_data import history_mirror, pinned_mirror

from conformance.load import specs

NIGHTLY_FACTOR = 10
settings.register_profile("ci", derandomize=True, database=None, print_blob=False)
settings.register_profile("nightly", derandomize=False, database=None, print_blob=True)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def _restore_hypothesis_printer() -> None:
    """schemathesis (its pytest plugin, the mock's property tests and the suite import it) swaps hypothesis' printer
    for one that prints nothing, once per process, which leaves a failing property test's report as
    `test(arg=, ...)`. Let it patch now, then put the real printer back."""
    from hypothesis import core
    from hypothesis.vendor import pretty
    from schemathesis.generation.hypothesis import setup

    setup()
    core.RepresentationPrinter = pretty.RepresentationPrinter  # type: ignore[misc]


def pytest_configure(config: pytest.Config) -> None:
    _restore_hypothesis_printer()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every hypothesis test gets the `property` marker (the nightly job selects them with `-m property`); under
    the nightly profile each runs ten times its examples with random seeds. The tests listed in
    ``tests/slow_tests.txt`` get the `slow` marker (the fast loop, `-m "not slow"`, leaves them out;
    docs/testing.md)."""
    _restore_hypothesis_printer()  # again: a test module may have imported schemathesis during collection
    slow = slowlist.listed()
    for item in items:
        if slowlist.is_listed(item.nodeid, slow):
            item.add_marker(pytest.mark.slow)
        test = getattr(item, "obj", None)
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if getattr(test, "hypothesis", None) is None or current is None:
            continue
        item.add_marker(pytest.mark.property)
        if PROFILE == "nightly":
            test._hypothesis_internal_use_settings = settings(  # type: ignore[union-attr]
                current, max_examples=current.max_examples * NIGHTLY_FACTOR, derandomize=False, database=None
            )


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (every test module, the packages they import, the items) lives until the end: frozen
    out of the collector's reach, so that a full collection walks only what the tests create; and collections run
    less often. Measured side by side on two cores: the garbage collector took 12 s of the workers' CPU, 5 s after;
    the whole suite 171 s of CPU before, 160 s after."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {PROFILE} (hypothesis {hypothesis.__version__}; HYPOTHESIS_PROFILE=ci|nightly)"


# variables that change where specs come from, where files go, or what a run writes
_ENVIRONMENT = (
    "SPEC_MIRROR",
    "SPEC_BASE_URL",
    "CONFORMANCE_ROOT",
    "CONFORMANCE_CACHE",
    "CONFORMANCE_DEBUG",
    "GITHUB_STEP_SUMMARY",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test inherits a mirror, a base URL, a project root, a cache, debug mode or a step summary from the
    shell that runs pytest; the pinned spec cached by the load layer is forgotten afterwards."""
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    yield
    specs.forget()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of spec/ and generated/config.yaml under CONFORMANCE_ROOT, with the cache in tmp."""
    from foundation.helpers import make_project

    root = make_project(tmp_path / "project")
    monkeypatch.setenv("CONFORMANCE_ROOT", str(root))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    return root


@pytest.fixture
def sleep() -> Any:
    """A fake ``sleep`` that records the delays it was asked for (foundation/helpers.SleepRecorder)."""
    from foundation.helpers import SleepRecorder

    return SleepRecorder()


@pytest.fixture
def mirror() -> Path:
    """A mirror-shaped directory with the pinned files ($SPEC_MIRROR, ../shared/upstream, or fetched into .cache)."""
    return pinned_mirror()


@pytest.fixture
def full_mirror() -> Path:
    """A whole mirror with histories and the main catalog ($SPEC_MIRROR or ../shared/upstream)."""
    return history_mirror()


_DRIFT_ROWS: list[tuple[str, str, str, str]] = []  # collected from the reports (of this process or of workers)


@pytest.fixture
def drift_table(request: pytest.FixtureRequest) -> Iterator[list[tuple[str, str, str, str]]]:
    """Rows (mode, expected finding, caught?, exit code) for the summary printed after the tests; they travel in
    the test's report, so the table is complete when xdist workers ran the tests."""
    rows: list[tuple[str, str, str, str]] = []
    yield rows
    for row in rows:
        request.node.user_properties.append(("drift_row", row))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":
        return
    for name, value in report.user_properties:
        if name == "drift_row":
            mode, expected, caught, code = value
            _DRIFT_ROWS.append((mode, expected, caught, code))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    rows = _DRIFT_ROWS
    if not rows:
        return
    terminalreporter.section("mock drift modes vs findings caught by the conformance suite")
    terminalreporter.write_line("| mock mode | finding expected (rule, JSON path) | caught | run exit |")
    terminalreporter.write_line("|---|---|---|---|")
    for mode, expected, caught, code in sorted(set(rows)):
        terminalreporter.write_line(f"| `{mode}` | {expected} | {caught} | {code} |")


@pytest.fixture
def watched_host() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request made to it (and answers a small JSON schema): for tests
    that something is never fetched."""
    import http.server
    import json
    import threading

    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            data = json.dumps({"type": "string", "const": "fetched"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
