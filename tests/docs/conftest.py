"""Fixtures for the doc-check tests: isolation from the shell, the fixture pages, the upstream mirror."""

from __future__ import annotations

from pathlib import Path

import pytest
from upstream_data import LazyPath, history_mirror, seed_page

from conformance.load.context import Context
from conformance.load.upstream import UpstreamFiles

DATA = Path(__file__).resolve().parent / "data"
# found when a test first uses them; each skips that test with one reason when its data is not there
CATALOG = LazyPath(lambda: history_mirror() / "aimlapi" / "api-docs" / "main")
SEED = LazyPath(seed_page)
LLM = "docs/api-references/text-models-llm"


@pytest.fixture(autouse=True)
def _isolated(clean_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every doc-check test runs in a clean environment (tests/conftest.py) with a cache of its own."""
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to fetch from the network fails the test, saying why."""
    from conformance.load.fetch import Fetcher

    def refuse(self: Fetcher, url: str, accept: str = "*/*") -> bytes:
        raise AssertionError(f"a doc-check test tried to reach the network: GET {url}")

    monkeypatch.setattr(Fetcher, "_http_get", refuse)


def upstream() -> UpstreamFiles:
    """What the CLI hands the docs stage: upstream files through the context of the current environment."""
    return UpstreamFiles(Context.from_sources())


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle`` in a fixture file."""
    seen = 0
    for number, line in enumerate(path.read_text().split("\n"), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found {occurrence} time(s) in {path}")
