#!/usr/bin/env python3
"""The project's tests, as `make test` and CI run them.

Runs on one worker (pytest-xdist) more than the machine has cores, three on two cores, unless the arguments choose
(`-n N`, `-n 0`, `-p no:xdist`) or `TEST_WORKERS=N` does: a fifth of the tests' time is spent waiting (for a
server to start, a timeout to fire, a back-off to pass), and the extra worker runs tests meanwhile. The tests are
parallel-safe: servers take free loopback ports, files go to per-test temporary directories. The workers start
with a share of the tests each, in file order, and take over tests from each other's queue when theirs runs out
(`--dist worksteal`): the tests of one module mostly stay in one worker, so a server its module starts once is
started once, and a worker left with the long tests is helped out.
Paths given (`tests/suite`, `tests/x.py::test_y`) are run instead of the whole of `tests`.
pytest's exit code 5 (no test collected) fails the run instead of passing silently.
Compiled bytecode is cached under `.cache/pycache` even where the environment says not to write it
(`PYTHONDONTWRITEBYTECODE`, set on some machines): the tests start hundreds of Python processes (the CLI, the mock,
the doc blocks), and without the cache each compiles the package again, and pytest rewrites every test module again.
After the run, the bytecode of temporary sources (scratch copies, fresh venvs) is removed from that cache, so that it
does not grow with every run.
Extra arguments go to pytest, e.g. `-m "not slow"` for the fast loop (docs/testing.md).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

NO_TESTS = 5


def default_workers(cores: int | None = None) -> str:
    """``$TEST_WORKERS``, else one more than the cores this process may run on (at least two)."""
    if os.environ.get("TEST_WORKERS"):
        return os.environ["TEST_WORKERS"]
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return str(max(2, cores + 1))


def pytest_command(argv: list[str]) -> list[str]:
    chooses = any(a in ("-n", "--numprocesses", "no:xdist") or a.startswith(("-n", "--numprocesses=")) for a in argv)
    workers = [] if chooses else ["-n", default_workers()]
    if not chooses and not any(a == "--dist" or a.startswith("--dist=") for a in argv):
        workers += ["--dist", "worksteal"]
    names_tests = any(not a.startswith("-") and Path(a.split("::", 1)[0]).exists() for a in argv)
    return [sys.executable, "-m", "pytest", *([] if names_tests else ["tests"]), *workers, *argv]


ROOT = Path(__file__).resolve().parents[1]


def test_environment(base: dict[str, str]) -> dict[str, str]:
    """The environment the tests run in: bytecode cached in the (git-ignored) `.cache/pycache`."""
    env = {k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("PYTHONPYCACHEPREFIX", str(ROOT / ".cache" / "pycache"))
    return env


def prune_bytecode(prefix: Path, keep: list[Path]) -> None:
    """Remove the bytecode cached for sources outside ``keep`` (the project, its venv, the Python installation).

    The cache mirrors absolute source paths; the tests also run code from temporary places (scratch copies of the
    project, fresh venvs, pip build environments), whose bytecode would pile up run after run and is never read
    again."""
    mirrors = [prefix / path.resolve().relative_to(path.resolve().anchor) for path in keep]

    def prune(directory: Path) -> None:
        for child in directory.iterdir():
            if child in mirrors:
                continue
            if child.is_dir() and not child.is_symlink() and any(m.is_relative_to(child) for m in mirrors):
                prune(child)
            elif child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)

    if prefix.is_dir():
        prune(prefix)


def main(argv: list[str]) -> int:
    env = test_environment(dict(os.environ))
    code = subprocess.call(pytest_command(argv), env=env)
    prefix = Path(env["PYTHONPYCACHEPREFIX"])
    if prefix == ROOT / ".cache" / "pycache":  # ours to tidy; a prefix the caller chose is left alone
        prune_bytecode(prefix, [ROOT, Path(sys.prefix), Path(sys.base_prefix)])
    if code == NO_TESTS:
        sys.stderr.write("run_tests: pytest collected no test; failing instead of passing silently\n")
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
