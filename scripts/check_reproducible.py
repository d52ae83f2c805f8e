#!/usr/bin/env python3
"""Check that a run is reproducible: the same inputs send the same requests and find the same findings.

    .venv/bin/python scripts/check_reproducible.py                       # the whole suite against the mock
    .venv/bin/python scripts/check_reproducible.py -k generated --max-examples 3

Runs ``conformance run --record --no-baseline`` twice, as two processes that differ in what the result must not
depend on: another ``PYTHONHASHSEED`` (the order of sets and dicts of strings); the second one spread over two
pytest-xdist workers (``--workers 2``), with a module of distinctive literals imported first (hypothesis draws
values from the source of loaded modules outside site-packages unless the suite stops it:
``conformance/suite/generation.py``). The requests sent (operation and exact bytes, in any order) and the
findings' fingerprints must be the same. Exit 0 when they are, 1 with the differences otherwise, 2 when a run
itself failed. The nightly ``properties`` workflow runs it (docs/suite.md, "Reproducible generation").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# (PYTHONHASHSEED, extra arguments of `conformance run`, whether the probe module is loaded first)
RUNS: tuple[tuple[str, tuple[str, ...], bool], ...] = (("1", (), False), ("2", ("--workers", "2"), True))
# literals of the kinds generation draws (floats, integers, strings), each valid somewhere in a request
PROBE = "".join(f"F{i} = {0.0173 + i / 97!r}\nI{i} = {11 + i}\nS{i} = {f'probe-{i:03d}'!r}\n" for i in range(80))
LOADER = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); import constants_probe; "
    "from conformance.cli import entry; sys.argv[0] = 'conformance'; entry()"
)


def sent(report_dir: Path) -> Counter[tuple[str, str]]:
    """The requests a recorded run sent: (operation, request text), with how often each was sent."""
    requests: Counter[tuple[str, str]] = Counter()
    for path in sorted((report_dir / "raw").glob("exchanges-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            exchange = json.loads(line)
            requests[(exchange["operation"], exchange.get("request_text") or "")] += 1
    return requests


def fingerprints(report_dir: Path) -> Counter[str]:
    report = json.loads((report_dir / "findings.json").read_text(encoding="utf-8"))
    return Counter(finding["fingerprint"] for finding in report["findings"])


def differences(first: Path, second: Path) -> list[str]:
    """What differs between two recorded runs, in words (empty when they agree)."""
    lines: list[str] = []
    a, b = sent(first), sent(second)
    if a != b:
        only_a, only_b = a - b, b - a
        lines.append(
            f"requests: {sum(a.values())} and {sum(b.values())} sent; {sum(only_a.values())} only in the first, "
            f"{sum(only_b.values())} only in the second"
        )
        lines += [f"  first only:  {op} {text[:160]}" for (op, text) in sorted(only_a)[:5]]
        lines += [f"  second only: {op} {text[:160]}" for (op, text) in sorted(only_b)[:5]]
    fa, fb = fingerprints(first), fingerprints(second)
    if fa != fb:
        lines.append(
            f"findings: {sorted((fa - fb).elements())} only in the first, {sorted((fb - fa).elements())} only in the "
            "second"
        )
    return lines


def run(report_dir: Path, hash_seed: str, extra: tuple[str, ...], selection: list[str], probe: Path | None) -> Any:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    start = [sys.executable, "-c", LOADER, str(probe)] if probe else [sys.executable, "-m", "conformance"]
    command = [*start, "run", "--record", "--no-baseline", "--report-dir", str(report_dir), *selection, *extra]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-k", dest="select", help="the suite's tests to run (pytest -k; default: all)")
    parser.add_argument("--max-examples", type=int, help="examples per operation (default: conformance run's)")
    args = parser.parse_args(argv)
    selection = ["-k", args.select] if args.select else []
    selection += ["--max-examples", str(args.max_examples)] if args.max_examples else []
    with tempfile.TemporaryDirectory(prefix="reproducible-") as scratch:
        probe = Path(scratch) / "probe"
        probe.mkdir()
        (probe / "constants_probe.py").write_text(PROBE)
        dirs = []
        for number, (hash_seed, extra, probed) in enumerate(RUNS):
            report_dir = Path(scratch) / f"run-{number}"
            done = run(report_dir, hash_seed, extra, selection, probe if probed else None)
            if done.returncode not in (0, 1) or not (report_dir / "findings.json").is_file():
                sys.stderr.write(f"check_reproducible: run {number + 1} exited {done.returncode}:\n")
                sys.stderr.write(done.stderr[-3000:])
                return 2
            dirs.append(report_dir)
        found = differences(*dirs)
        total = sum(sent(dirs[0]).values())
    if found:
        sys.stdout.write("NOT reproducible:\n" + "\n".join(found) + "\n")
        return 1
    sys.stdout.write(
        f"reproducible: {total} requests and the same findings (hash seeds 1 and 2; one process, then two workers "
        "with more modules loaded)\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
