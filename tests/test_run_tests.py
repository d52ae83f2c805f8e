"""scripts/run_tests.py: one worker more than the cores (workers that steal work) by default, the arguments' choice
otherwise, and paths given run instead of the whole of tests/ (a path named besides `tests` ran every test)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _default_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The defaults as a user without $TEST_WORKERS gets them on a machine with two cores (a run with TEST_WORKERS=3
    tests them too)."""
    monkeypatch.delenv("TEST_WORKERS", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)


def _script() -> ModuleType:
    return load_script("run_tests")


def test_the_default_is_every_test_on_stealing_workers_one_more_than_the_cores() -> None:
    command = _script().pytest_command(["-m", "not slow"])
    assert command[:3] == [sys.executable, "-m", "pytest"]
    assert command[3:] == ["tests", "-n", "3", "--dist", "worksteal", "-m", "not slow"]


@pytest.mark.parametrize(("cores", "workers"), [(1, "2"), (2, "3"), (8, "9")])
def test_the_default_worker_count_follows_the_cores(cores: int, workers: str) -> None:
    assert _script().default_workers(cores) == workers


def test_the_arguments_choose_workers_and_distribution() -> None:
    script = _script()
    assert script.pytest_command(["-n", "0"])[3:] == ["tests", "-n", "0"]
    assert script.pytest_command(["-p", "no:xdist"])[3:] == ["tests", "-p", "no:xdist"]
    assert script.pytest_command(["--dist", "load"])[3:] == ["tests", "-n", "3", "--dist", "load"]


def test_paths_given_replace_the_whole_of_tests() -> None:
    script = _script()
    one = "tests/test_run_tests.py::test_paths_given_replace_the_whole_of_tests"
    assert "tests" not in script.pytest_command(["tests/suite", "-q"])
    assert script.pytest_command([one])[3:] == ["-n", "3", "--dist", "worksteal", one]
    assert script.pytest_command(["-k", "no such path"])[3] == "tests"


def test_test_workers_chooses_the_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_WORKERS", "5")
    assert _script().pytest_command([])[3:6] == ["tests", "-n", "5"]
    assert _script().default_workers(2) == "5"


def test_bytecode_is_cached_under_dot_cache_even_where_the_environment_forbids_it() -> None:
    script = _script()
    env = script.test_environment({"PYTHONDONTWRITEBYTECODE": "1", "HOME": "/h"})
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPYCACHEPREFIX"] == str(ROOT / ".cache" / "pycache")
    assert env["HOME"] == "/h"
    assert script.test_environment({"PYTHONPYCACHEPREFIX": "/mine"})["PYTHONPYCACHEPREFIX"] == "/mine"


def test_bytecode_of_temporary_sources_is_pruned_and_the_rest_kept(tmp_path: Path) -> None:
    project, python, scratch = tmp_path / "work" / "project", tmp_path / "python", tmp_path / "tmp" / "scratch"
    for path in (project, python, scratch):
        path.mkdir(parents=True)
    prefix = tmp_path / "prefix"

    def cached(source_dir: Path, name: str) -> Path:
        pyc = prefix / source_dir.resolve().relative_to(source_dir.resolve().anchor) / f"{name}.cpython-311.pyc"
        pyc.parent.mkdir(parents=True, exist_ok=True)
        pyc.write_bytes(b"pyc")
        return pyc

    kept = [cached(project / "pkg", "a"), cached(project, "b"), cached(python / "lib", "c")]
    gone = [cached(scratch / "copy" / "pkg", "d"), cached(tmp_path / "work" / "other", "e")]
    stray = prefix / "stray.txt"
    stray.write_text("x")
    _script().prune_bytecode(prefix, [project, python])
    assert all(p.exists() for p in kept)
    assert not any(p.exists() for p in gone) and not stray.exists()
    assert not (prefix / scratch.resolve().relative_to(scratch.resolve().anchor)).exists()
    _script().prune_bytecode(tmp_path / "no-such-prefix", [project])  # nothing cached yet: nothing to do
