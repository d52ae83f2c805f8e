"""Fixtures for the load-layer tests: a clean environment, an isolated project layout, a fake sleep."""

from __future__ import annotations

from pathlib import Path

import pytest
from foundation.helpers import SleepRecorder, make_project


@pytest.fixture(autouse=True)
def _isolated(clean_env: None) -> None:
    """Every load test runs in a clean environment (tests/conftest.py)."""


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
