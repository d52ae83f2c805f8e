"""Where the project keeps its files; every default path is computed here."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("CONFORMANCE_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parent.parent


def spec_dir() -> Path:
    return project_root() / "spec"


def lock_path() -> Path:
    return spec_dir() / "lock.json"


def overlay_path() -> Path:
    return spec_dir() / "overlay.yaml"


def baseline_path() -> Path:
    return spec_dir() / "baseline.json"


def surface_path() -> Path:
    return spec_dir() / "client-surface.txt"


def cache_dir() -> Path:
    env = os.environ.get("CONFORMANCE_CACHE")
    return Path(env).resolve() if env else project_root() / ".cache"


def generated_dir() -> Path:
    return project_root() / "generated"


def default_mirror() -> Path:
    """The upstream mirror beside the project, used when SPEC_MIRROR is not set (the network otherwise)."""
    return project_root().parent / "shared" / "upstream"


def default_seed_page() -> Path:
    return project_root().parent / "shared" / "seeds" / "000_01b4fc7a9c1f02a6.txt"
