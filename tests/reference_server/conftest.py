"""Fixtures for the reference server's own tests: one conformant server per module, modes chosen per request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .harness import ReferenceServer


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(stall_seconds=0.2) as running:
        yield running
