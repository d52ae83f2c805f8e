"""The published spec and its normalised forms, built once per process and handed to the stages.

* ``published``: the pinned upstream file, byte for byte (sha256 verified);
* ``cosmetic``: published plus the overlay's cosmetic actions only (names,
  descriptions, auth, error responses: nothing that changes which responses are valid);
* ``normalised``: published plus every overlay action (the corrections too).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
from pathlib import Path
from typing import Literal

import attrs

from conformance import paths
from conformance.errors import ToolError
from conformance.fileio import atomic_write
from conformance.inputs import Spec, SpecPair
from conformance.load.fetch import Fetcher, Lock, fetch_pinned

Variant = Literal["published", "cosmetic", "normalised"]
VARIANTS: tuple[Variant, ...] = ("published", "cosmetic", "normalised")

_CACHE: dict[tuple[Path, Path | None, str], Spec] = {}


def forget() -> None:
    """Drop the specs read so far (tests that change the lock or the mirror between cases)."""
    _CACHE.clear()


def _fetcher(fetcher: Fetcher | None) -> Fetcher:
    if fetcher is not None:
        return fetcher
    from conformance.load.context import Context

    return Context.from_sources().fetcher()


def published_spec(fetcher: Fetcher | None = None) -> Spec:
    """A fresh copy of the pinned published spec (fetched once per process and source, then cached)."""
    fetcher = _fetcher(fetcher)
    key = (paths.lock_path(), fetcher.mirror, fetcher.base_url)
    if key not in _CACHE:
        _CACHE[key] = fetch_pinned(fetcher, Lock.load(key[0]))[1]
    return copy.deepcopy(_CACHE[key])


def load_spec(variant: Variant = "normalised", fetcher: Fetcher | None = None) -> Spec:
    """The spec in ``variant`` form. The overlaid forms are kept under the cache directory (``specs/``), keyed by
    the published file's pinned sha256, the overlay's bytes and the code that applies it, so that a command or a
    mock starting again does not apply the overlay again (a quarter of a second); any change to those inputs
    is a new key, and a cache that cannot be read or written is simply not used."""
    spec = published_spec(fetcher)
    if variant == "published":
        return spec
    overlay = paths.overlay_path()
    cached = _cached_variant(variant, overlay)
    if cached is not None and (found := cached.read()) is not None:
        return found
    from conformance.overlay import apply_overlay_file

    kinds = {"cosmetic"} if variant == "cosmetic" else {"cosmetic", "correction"}
    result = apply_overlay_file(spec, overlay, kinds=kinds).spec
    if cached is not None:
        cached.write(result)
    return result


# the code an overlaid spec is made with: a change to any of these files is a change of the cached forms
_MAKERS = ("overlay.py", "load/parse.py", "load/specs.py", "safeload.py")


@attrs.frozen
class _CachedVariant:
    path: Path

    def read(self) -> Spec | None:
        try:
            found = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def write(self, spec: Spec) -> None:
        text = json.dumps(spec)  # key order kept: generation from the spec follows it
        if json.loads(text) != spec:  # a value JSON cannot keep (YAML's int keys, dates): not cached
            return
        with contextlib.suppress(OSError):
            atomic_write(self.path, text)


def _cached_variant(variant: Variant, overlay: Path) -> _CachedVariant | None:
    try:
        digest = hashlib.sha256(variant.encode())
        digest.update(Lock.load(paths.lock_path()).sha256.encode())
        digest.update(overlay.read_bytes())
        package = Path(__file__).resolve().parents[1]
        for name in _MAKERS:
            digest.update((package / name).read_bytes())
    except (OSError, ToolError):
        return None  # the overlay or the lock is unreadable: the overlay step itself says why
    return _CachedVariant(paths.cache_dir() / "specs" / f"{variant}-{digest.hexdigest()[:32]}.json")


def spec_pair(fetcher: Fetcher | None = None) -> SpecPair:
    return SpecPair(load_spec("published", fetcher), load_spec("normalised", fetcher))


def served_spec(choice: str | None, fetcher: Fetcher | None = None) -> tuple[Spec, str, str | None]:
    """The spec the mock serves: ``(spec, label, note)``.

    ``choice`` is ``published``, ``normalised`` or a file path; ``None`` means
    the normalised spec, falling back to the published one (with a ``note``
    saying why) while the normalised spec cannot be built.
    """
    from conformance.load.parse import load_spec_file

    if choice == "published":
        return load_spec("published", fetcher), "published", None
    if choice == "normalised":
        return load_spec("normalised", fetcher), "normalised", None
    if choice is not None:
        return load_spec_file(Path(choice)), choice, None
    try:
        return load_spec("normalised", fetcher), "normalised", None
    except Exception as exc:  # the overlay may be missing or broken: serve what upstream published
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return (
            load_spec("published", fetcher),
            "published",
            f"normalised spec unavailable ({reason}); serving the published spec",
        )
