"""Fixtures for the foundation tests: an isolated project layout, the published spec, a fake sleep."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import pipeline
from conformance.fetch import Fetcher, Lock

from .helpers import MIRROR, REPO, SleepRecorder, make_project


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test inherits a mirror, a base URL or a project root from the shell that runs pytest."""
    for name in ("SPEC_MIRROR", "SPEC_BASE_URL", "CONFORMANCE_ROOT", "CONFORMANCE_CACHE", "CONFORMANCE_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    yield
    pipeline._published.cache_clear()


@pytest.fixture
def mirror() -> Path:
    if not MIRROR.is_dir():
        pytest.skip(f"the upstream mirror {MIRROR} is not there (CI provides it beside the clone)")
    return MIRROR


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of spec/ and generated/config.yaml under CONFORMANCE_ROOT, with the cache in tmp."""
    root = make_project(tmp_path / "project")
    monkeypatch.setenv("CONFORMANCE_ROOT", str(root))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    return root


@pytest.fixture
def sleep() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture(scope="session")
def _published_once() -> dict[str, Any]:
    if not MIRROR.is_dir():
        pytest.skip(f"the upstream mirror {MIRROR} is not there")
    lock = Lock.load(REPO / "spec" / "lock.json")
    fetched, spec = Fetcher(mirror=MIRROR).get_spec(lock.repo, lock.commit, lock.path)
    assert fetched.sha256 == lock.sha256, "the mirror's pinned spec does not match spec/lock.json"
    return spec


@pytest.fixture
def published(_published_once: dict[str, Any]) -> dict[str, Any]:
    """The pinned published spec, read through the fetcher from the mirror (a fresh copy per test)."""
    return copy.deepcopy(_published_once)
