#!/usr/bin/env python3
"""`make bench`: run every scripts/bench_*.py and collect their Markdown sections into BENCHMARKS.md.

Each bench script prints one Markdown section (what it measured, how, on what machine, ratios from one run).
A script that fails is reported in the file with its exit code; the others still run.

    python scripts/bench.py              # every script: BENCHMARKS.md rewritten
    python scripts/bench.py mock proxy   # these only: their sections replaced, the others kept
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str]) -> int:
    only = set(argv)
    scripts = sorted(p for p in (ROOT / "scripts").glob("bench_*.py") if not only or p.stem[6:] in only)
    sections = [
        "# Benchmarks",
        "",
        f"Produced by `make bench` (`python scripts/bench.py`) on {dt.date.today().isoformat()}; machine: {machine()}.",
        "Each section compares side by side within one run and reports ratios; rerun `make bench` to reproduce.",
    ]
    worst = 0
    blocks: list[str] = []
    for script in scripts:
        print(f"== {script.name}", file=sys.stderr, flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
        sys.stderr.write(result.stderr[-4000:])
        print(f"== {script.name}: exit {result.returncode} after {time.monotonic() - started:.0f} s", file=sys.stderr)
        if result.returncode != 0:
            worst = max(worst, result.returncode)
            blocks.append(
                "\n".join(
                    [
                        f"## {script.stem}",
                        "",
                        f"failed with exit code {result.returncode}:",
                        "",
                        "```",
                        result.stderr[-2000:],
                        "```",
                    ]
                )
            )
        else:
            blocks.append(result.stdout.strip())
    for block in blocks:
        sections += ["", block]
    from conformance.report import atomic_write

    target = ROOT / "BENCHMARKS.md"
    if only and target.exists():
        text = splice(target.read_text(), blocks, [p.name for p in scripts])
    else:
        text = "\n".join(sections) + "\n"
    atomic_write(target, text)
    print(text)
    return worst


def splice(old: str, blocks: list[str], names: list[str]) -> str:
    """``old`` with the section of each script in ``names`` replaced by its block (appended when absent).

    A section is a ``## `` heading and what follows up to the next one; a script's section is the one whose
    heading names it (``scripts/bench_mock.py``) or the ``## bench_mock`` of a failed run.
    """
    parts = old.rstrip("\n").split("\n## ")
    head, sections = parts[0].rstrip("\n"), ["## " + part.rstrip("\n") for part in parts[1:]]
    for name, block in zip(names, blocks, strict=True):
        stem = name.removesuffix(".py")
        for index, section in enumerate(sections):
            heading = section.split("\n", 1)[0]
            if name in heading or heading == f"## {stem}":
                sections[index] = block
                break
        else:
            sections.append(block)
    return "\n\n".join([head, *sections]) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
