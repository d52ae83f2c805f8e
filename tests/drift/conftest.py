"""Fixtures for the drift tests: isolation from the shell's environment, the mirror, tiny spec builders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEC_REPO = "aimlapi/api-docs"
OPENAI_DIR = "docs/api-references/text-models-llm/OpenAI"


@pytest.fixture(autouse=True)
def _isolated(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every drift test runs in a clean environment (tests/conftest.py), with no GitHub API or token."""
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root in tmp with a copy of spec/lock.json and the overlay (and the surface summary), the cache in
    tmp."""
    root = tmp_path / "project"
    (root / "spec").mkdir(parents=True)
    shutil.copy(REPO / "spec" / "lock.json", root / "spec" / "lock.json")
    shutil.copy(REPO / "spec" / "overlay.yaml", root / "spec" / "overlay.yaml")
    surface = REPO / "spec" / "client-surface.txt"
    if surface.is_file():
        shutil.copy(surface, root / "spec" / "client-surface.txt")
    monkeypatch.setenv("CONFORMANCE_ROOT", str(root))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    return root


def write(path: Path, spec: object) -> str:
    path.write_text(json.dumps(spec))
    return str(path)


def steps_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """A drift JSON report's steps, each with its findings (the report lists findings once, numbered by step)."""
    return [
        {**step, "findings": [f for f in payload["findings"] if f["step"] == step["index"]]}
        for step in payload["steps"]
    ]


def specs_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """A catalog drift report's specs (``details.specs``, one step each, in order), each with its findings."""
    pairs = zip(payload["details"]["specs"], steps_of(payload), strict=True)
    return [{**spec, "findings": step["findings"]} for spec, step in pairs]
