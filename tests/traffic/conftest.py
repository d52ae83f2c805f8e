"""Fixtures of the traffic tests: the spec mirror for every test that checks, and the real recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import paths

REAL_TRAFFIC = paths.project_root().parent / "shared" / "real-traffic"
CASSETTES = REAL_TRAFFIC / "cassettes" / "pydantic-ai"


@pytest.fixture
def spec_env(clean_env: None, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPEC_MIRROR", str(mirror))
    return mirror


@pytest.fixture
def cassettes() -> Path:
    if not CASSETTES.is_dir():
        pytest.skip(f"the real recordings {CASSETTES} are not there (../shared/real-traffic beside the clone)")
    return CASSETTES
