"""Fixtures for the load-layer tests: a clean environment (`project` and `sleep` come from tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated(clean_env: None) -> None:
    """Every load test runs in a clean environment (tests/conftest.py)."""
