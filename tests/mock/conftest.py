"""Fixtures for the mock's tests: real servers on free loopback ports, one per configuration per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from upstream_data import pinned_mirror

from conformance.mock.server import MockServer

from .helpers import Schemas


def mirror() -> str:
    """Where the pinned spec is read from: $SPEC_MIRROR, ../shared/upstream, or fetched (tests/upstream_data.py)."""
    return str(pinned_mirror())


def server_env() -> dict[str, str]:
    return {**os.environ, "SPEC_MIRROR": mirror()}


@pytest.fixture(scope="session")
def published_server() -> Iterator[MockServer]:
    """The mock serving the published spec, conformant by default; tests pick modes per request."""
    with MockServer(spec="published", seed=0, env=server_env()) as server:
        yield server


@pytest.fixture(scope="session")
def default_server() -> Iterator[MockServer]:
    """The mock as `conformance mock` starts it (the normalised spec, or published while it cannot be built)."""
    with MockServer(seed=0, env=server_env()) as server:
        yield server


@pytest.fixture(scope="session")
def published() -> Schemas:
    from conformance.load.fetch import Fetcher
    from conformance.load.specs import load_spec

    return Schemas(load_spec("published", Fetcher(mirror=Path(mirror()))))


@pytest.fixture(scope="session")
def normalised() -> Schemas:
    from conformance.load.fetch import Fetcher
    from conformance.load.specs import load_spec

    return Schemas(load_spec("normalised", Fetcher(mirror=Path(mirror()))))
