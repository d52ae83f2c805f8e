"""Fixtures for the foundation tests: the published spec, the generated client (`project`, `sleep`: tests/conftest)."""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from upstream_data import SpecDict, pinned_mirror

from conformance.load.fetch import Fetcher, Lock

from .helpers import REPO, make_project


@pytest.fixture(autouse=True)
def _isolated(clean_env: None) -> None:
    """Every foundation test runs in a clean environment (tests/conftest.py)."""


@pytest.fixture(scope="session")
def _published_once() -> dict[str, Any]:
    mirror = pinned_mirror()
    lock = Lock.load(REPO / "spec" / "lock.json")
    fetched, spec = Fetcher(mirror=mirror).get_spec(lock.repo, lock.commit, lock.path)
    assert fetched.sha256 == lock.sha256, "the mirror's pinned spec does not match spec/lock.json"
    return SpecDict(spec)


@pytest.fixture
def published(_published_once: dict[str, Any]) -> dict[str, Any]:
    """The pinned published spec, read through the fetcher from the mirror (a fresh copy per test)."""
    return copy.deepcopy(_published_once)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One `regenerate()` for the session, in a copy of the project layout (the real generated/ is untouched)."""
    from conformance.generate import regenerate
    from conformance.load.specs import load_spec

    mirror = pinned_mirror()
    # a name that looks like generator warnings: a path in the generator's output is not a warning
    base = tmp_path_factory.mktemp("generated-error-warning-cannot")
    root = make_project(base / "project")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("SPEC_BASE_URL", "CONFORMANCE_DEBUG"):
            patch.delenv(name, raising=False)
        patch.setenv("CONFORMANCE_ROOT", str(root))
        patch.setenv("CONFORMANCE_CACHE", str(base / "cache"))
        patch.setenv("SPEC_MIRROR", str(mirror))
        result = regenerate(load_spec("normalised"))
    return SimpleNamespace(
        root=root, result=result, package=result.package_dir, surface=root / "spec" / "client-surface.txt"
    )


@pytest.fixture(scope="module")
def gpt52(generated: SimpleNamespace) -> Iterator[ModuleType]:
    """The freshly generated `gpt52_client`, imported from the session's tmp tree (restored afterwards)."""

    def ours() -> list[str]:
        return [name for name in sys.modules if name == "gpt52_client" or name.startswith("gpt52_client.")]

    saved = {name: sys.modules.pop(name) for name in ours()}
    where = str(generated.package.parent)
    sys.path.insert(0, where)
    importlib.invalidate_caches()
    try:
        module = importlib.import_module("gpt52_client")
        assert Path(module.__file__ or "").parent == generated.package
        yield module
    finally:
        sys.path.remove(where)
        for name in ours():
            del sys.modules[name]
        sys.modules.update(saved)
