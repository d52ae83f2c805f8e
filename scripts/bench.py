#!/usr/bin/env python3
"""`make bench`: run every scripts/bench_*.py and collect their Markdown sections into BENCHMARKS.md.

Each bench script prints one Markdown section (what it measured, how, on what machine, ratios from one run).
A script that fails is reported in the file with its exit code; the others still run.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
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
    for script in scripts:
        print(f"== {script.name}", file=sys.stderr, flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
        sys.stderr.write(result.stderr[-4000:])
        if result.returncode != 0:
            worst = max(worst, result.returncode)
            sections += [
                "",
                f"## {script.stem}",
                "",
                f"failed with exit code {result.returncode}:",
                "",
                "```",
                result.stderr[-2000:],
                "```",
            ]
        else:
            sections += ["", result.stdout.strip()]
    from conformance.report import atomic_write

    atomic_write(ROOT / "BENCHMARKS.md", "\n".join(sections) + "\n")
    print("\n".join(sections))
    return worst


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
