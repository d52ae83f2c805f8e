"""What the README promises of the command line, held: `normalise --kind published`, a hint (not "a bug") when
the Python running `conformance` lacks a dependency, and `make mock` on a free loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from upstream_data import pinned_mirror

from conformance.cli import main

from .helpers import REPO


def test_normalise_writes_each_of_the_three_forms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance.load.fetch import Fetcher, Lock

    monkeypatch.setenv("SPEC_MIRROR", str(pinned_mirror()))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    lock = Lock.load(REPO / "spec" / "lock.json")
    _, published = Fetcher(mirror=pinned_mirror()).get_spec(lock.repo, lock.commit, lock.path)
    written = {}
    for kind in ("published", "cosmetic", "normalised"):
        out = tmp_path / f"{kind}.json"
        assert main(["normalise", "--kind", kind, "--write", str(out), "--format", "json"]) == 0, kind
        written[kind] = json.loads(out.read_text())
    assert "the published spec as pinned" in capsys.readouterr().err
    assert written["published"] == published
    assert written["cosmetic"] != published and written["normalised"] != written["cosmetic"]


def test_a_missing_dependency_gets_a_hint_not_a_bug_report() -> None:
    """A Python without the project's packages (here: one of them blocked) is told how to get them (exit 2)."""
    code = (
        "import sys; sys.modules['jsonschema_rs'] = None; sys.modules['httptools'] = None\n"
        "from conformance.cli import main\nraise SystemExit(main(['mock', '--port', '0']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2, result.stderr
    assert "lacks the package" in result.stderr and "bug" not in result.stderr
    assert "hint: run `make setup` and use .venv/bin/python" in result.stderr


def test_make_mock_binds_a_free_loopback_port_as_contributing_says() -> None:
    result = subprocess.run(["make", "-n", "mock"], cwd=REPO, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "conformance mock --port 0" in result.stdout
    contributing = (REPO / "CONTRIBUTING.md").read_text()
    assert "make mock    # the mock on a free loopback port" in contributing
