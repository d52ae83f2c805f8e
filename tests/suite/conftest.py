"""Fixtures for the suite's tests."""

from __future__ import annotations

import pytest

from conformance.suite.checks import CheckContext

from .helpers import make_ctx


@pytest.fixture
def ctx() -> CheckContext:
    return make_ctx()
