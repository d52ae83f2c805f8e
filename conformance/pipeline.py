"""The published spec and its normalised forms, as every stage reads them.

* ``published``: the pinned upstream file, byte for byte (sha256 verified);
* ``cosmetic``: published plus the overlay's cosmetic actions only (names,
  descriptions, auth, error responses: nothing that changes which responses are valid);
* ``normalised``: published plus every overlay action (the corrections too).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Literal

from conformance import paths
from conformance.fetch import Fetcher, Lock, fetch_pinned
from conformance.specload import Spec

Variant = Literal["published", "cosmetic", "normalised"]
VARIANTS: tuple[Variant, ...] = ("published", "cosmetic", "normalised")


@functools.lru_cache(maxsize=4)
def _published(lock_file: Path, mirror: str | None) -> tuple[Path, Spec]:
    lock = Lock.load(lock_file)
    return fetch_pinned(Fetcher.from_env(mirror=mirror), lock)


def published_spec(mirror: str | None = None) -> Spec:
    """A fresh copy of the pinned published spec (fetched once per process, then cached)."""
    return copy.deepcopy(_published(paths.lock_path(), mirror)[1])


def load_spec(variant: Variant = "normalised", mirror: str | None = None) -> Spec:
    spec = published_spec(mirror)
    if variant == "published":
        return spec
    from conformance.overlay import apply_overlay_file

    kinds = {"cosmetic"} if variant == "cosmetic" else {"cosmetic", "correction"}
    return apply_overlay_file(spec, paths.overlay_path(), kinds=kinds).spec
