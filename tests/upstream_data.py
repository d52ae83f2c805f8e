"""Upstream data for the tests, from wherever it can be had: a mirror, or the network through the fetcher.

* ``pinned_mirror()``: a directory laid out like a mirror (``DIR/{repo}/{ref}/{path}``) that holds at least the
  files pinned in ``spec/lock.json`` (the spec and its doc pages). It is ``$SPEC_MIRROR`` when set (read when
  pytest starts, before any fixture cleans the environment), else ``../shared/upstream`` when it is there, else
  ``.cache/upstream`` filled from the pinned raw GitHub URLs (sha256-verified, kept between runs).
* ``history_mirror()``: a whole mirror (``INDEX.json`` histories, ``main`` snapshots of the catalog); only a
  configured mirror has them.
* ``seed_page()``: the seed doc page, which exists only beside this project's own CI (``../shared/seeds``).

Each skips the calling test with one fixed reason when its data cannot be had, so ``pytest -ra`` lists one line
per reason.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_PAGE = SHARED / "seeds" / "000_01b4fc7a9c1f02a6.txt"
REAL_TRAFFIC = SHARED / "real-traffic"
NETWORK_CACHE = ROOT / ".cache" / "upstream"
# read at import (pytest startup): the clean-environment fixture removes SPEC_MIRROR from each test's environment
_ENV_MIRROR = os.environ.get("SPEC_MIRROR", "")

NO_UPSTREAM = (
    "no upstream data: neither SPEC_MIRROR (a mirror laid out as DIR/{repo}/{ref}/{path}) nor "
    "../shared/upstream is there, and the pinned files cannot be fetched from raw.githubusercontent.com"
)
NO_HISTORY = (
    "needs a whole mirror (INDEX.json histories and the main catalog), which the pinned files alone are "
    "not: set SPEC_MIRROR=DIR, laid out as DIR/{repo}/{ref}/{path} plus DIR/{repo}/INDEX.json"
)
NO_SEEDS = "needs ../shared/seeds/ (the seed doc page exists only beside this project's own CI)"


class SpecDict(dict[str, Any]):
    """A spec with a one-line repr: a property test that fails prints its example, not 90 kB of spec."""

    def __repr__(self) -> str:
        info = self.get("info")
        title = info.get("title", "?") if isinstance(info, dict) else "?"
        return f"<spec {title!r}: {len(self.get('paths') or {})} paths>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def __deepcopy__(self, memo: dict[int, Any]) -> SpecDict:
        import copy

        return SpecDict({key: copy.deepcopy(value, memo) for key, value in self.items()})


def configured_mirror() -> Path | None:
    """$SPEC_MIRROR (as pytest found it), else ../shared/upstream when it is there."""
    if _ENV_MIRROR:
        return Path(_ENV_MIRROR).resolve()
    beside = SHARED / "upstream"
    return beside.resolve() if (beside / "aimlapi").is_dir() else None


@functools.cache
def _network_root() -> Path | None:
    """Fetch every pinned file over the network into .cache/upstream (the mirror layout); None when unreachable."""
    from conformance.errors import ToolError
    from conformance.load.fetch import Fetcher, Lock

    lock = Lock.load(ROOT / "spec" / "lock.json")
    fetcher = Fetcher(timeout=10.0, retries=1, deadline=30.0)
    for pin in lock.pins():
        target = NETWORK_CACHE / pin.repo / pin.commit / pin.path
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == pin.sha256:
            continue
        try:
            fetched = fetcher.get(pin.repo, pin.commit, pin.path)
        except ToolError:
            return None
        if fetched.sha256 != pin.sha256:
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_bytes(fetched.content)
        partial.replace(target)
    return NETWORK_CACHE


@functools.cache
def network_reachable() -> bool:
    """Whether raw.githubusercontent.com accepts a connection (a few seconds at most, once per process)."""
    import socket

    try:
        with socket.create_connection(("raw.githubusercontent.com", 443), timeout=3.0):
            return True
    except OSError:
        return False


def pinned_root() -> Path | None:
    return configured_mirror() or _network_root()


def pinned_mirror() -> Path:
    """A mirror-shaped directory holding the pinned spec and doc pages; skips the test when there is none."""
    root = pinned_root()
    if root is None:
        pytest.skip(NO_UPSTREAM)
    return root


def history_mirror() -> Path:
    """A whole mirror (histories, the main catalog); skips the test when none is configured."""
    mirror = configured_mirror()
    if mirror is None or not (mirror / "aimlapi" / "api-docs" / "INDEX.json").is_file():
        pytest.skip(NO_HISTORY)
    return mirror


def pinned_doc_page() -> Path:
    """The doc page pinned in spec/lock.json, as a file."""
    from conformance.load.fetch import Lock

    pin = Lock.load(ROOT / "spec" / "lock.json").doc_pages[0]
    return pinned_mirror() / pin.repo / pin.commit / pin.path


def seed_page() -> Path:
    if not SEED_PAGE.is_file():
        pytest.skip(NO_SEEDS)
    return SEED_PAGE


class LazyPath(os.PathLike[str]):
    """A path found when first used (so a module-level constant can skip the test that uses it, not the module)."""

    def __init__(self, find: Any) -> None:
        self._find = find

    def path(self) -> Path:
        found: Path = self._find()
        return found

    def __fspath__(self) -> str:
        return str(self.path())

    def __str__(self) -> str:
        return str(self.path())

    def __truediv__(self, other: str) -> Path:
        return self.path() / other

    def __getattr__(self, name: str) -> Any:
        return getattr(self.path(), name)
