#!/usr/bin/env python3
"""Benchmark the mock server against Stoplight Prism, and the candidate HTTP front ends, in one run.

For a valid POST /v1/chat/completions (request validation on), under the same load tool and
concurrency, one server at a time, every server running for the whole benchmark:

* the mock (``conformance mock``: the default spec, conformant mode, its log on), with 1 and 2 workers;
* Stoplight Prism (``@stoplight/prism-cli`` 5.16, npm) in static mode, log level silent (Prism at its
  fastest), on a copy of the published spec made in a temporary directory with response descriptions added
  and the type-less ``nullable``s removed (the one variant on which its request validation works);
* the front-end comparison that chose the mock's and the proxy's HTTP front end: the same application
  object (a fixed answer, then the real mock handler) under the project's front end
  (:mod:`conformance.serve`), uvicorn (httptools, uvloop) and granian, one process each
  (``scripts/frontends.py``). Besides requests/s, the servers' own CPU time per request is reported:
  other work on a shared machine inflates wall-clock figures, not CPU time.

Prints a Markdown section (machine, command, tables, ratios against the targets: the mock at least 5x
Prism's requests/s, p99 under 20 ms at 32 connections, memory flat).

    .venv/bin/python scripts/bench_mock.py [--duration 2] [--rounds 4] [--connections 32] [--no-prism]
        [--no-frontends]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from benchlib import (
    BODY,
    HEADERS,
    PATH,
    PYTHON,
    ROOT,
    Server,
    cpu_seconds,
    free_port,
    importable,
    install_wrk,
    machine,
    prism_binary,
    prism_spec,
    prism_version,
    rss_kib,
    run_asyncio,
    run_wrk,
    terminate,
    validates,
    wait_ready,
)

from conformance.report import atomic_write

FRONTENDS = {
    "lean": "conformance.serve (asyncio protocol on httptools, uvloop)",
    "uvicorn": "uvicorn (httptools, uvloop)",
    "granian": "granian (ASGI, uvloop)",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("SPEC_MIRROR") and (ROOT.parent / "shared" / "upstream").is_dir():
        env["SPEC_MIRROR"] = str(ROOT.parent / "shared" / "upstream")
    return env


@contextmanager
def mock_server(workdir: Path, workers: int) -> Iterator[Server]:
    from conformance.mock.server import MockServer

    server = MockServer(
        env=_env(), log_path=workdir / f"mock-{workers}.log", extra_args=["--workers", str(workers)]
    ).start()
    try:
        spec = "normalised" if "from the normalised spec" in server.log_text() else "published"
        yield Server(
            "mock" if workers == 1 else f"mock-{workers}w",
            f"mock (`conformance mock --workers {workers}`, {spec} spec, conformant, validation and log on)",
            server.base_url,
            server.pid,
            lambda: server.stop(),
        )
    finally:
        server.stop()


@contextmanager
def frontend_server(workdir: Path, frontend: str, app: str, body: Path) -> Iterator[Server]:
    port = free_port()
    log = open(workdir / f"{frontend}-{app}.err", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            PYTHON,
            str(ROOT / "scripts" / "frontends.py"),
            "--frontend",
            frontend,
            "--app",
            app,
            "--port",
            str(port),
            "--body",
            str(body),
            "--log",
            str(workdir / f"{frontend}-{app}.log"),
        ],
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc, 60)
        what = "fixed answer" if app == "fixed" else "mock handler"
        yield Server(
            f"{app}-{frontend}", f"{what} under {FRONTENDS[frontend]}", f"http://127.0.0.1:{port}", proc.pid, lambda: 0
        )
    finally:
        terminate(proc)
        log.close()


@contextmanager
def prism_server(workdir: Path, level: str) -> Iterator[Server]:
    from conformance.load.specs import load_spec

    binary = prism_binary()
    spec_path = workdir / "prism-spec.json"
    spec_path.write_text(json.dumps(prism_spec(load_spec("published"))))
    port = free_port()
    log = open(workdir / f"prism-{level}.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [str(binary), "mock", "--verboseLevel", level, "-h", "127.0.0.1", "-p", str(port), str(spec_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc, 120)
        yield Server(
            "prism",
            f"Stoplight Prism {prism_version(binary)}, static, fixed spec copy, log level {level}",
            f"http://127.0.0.1:{port}",
            proc.pid,
            lambda: terminate(proc),
        )
    finally:
        terminate(proc)
        log.close()


def measure(
    server: Server, tool: str, duration: float, warmup: float, connections: int, threads: int, workdir: Path
) -> dict[str, Any]:
    def load(seconds: float) -> dict[str, float]:
        if tool == "wrk":
            return run_wrk(server.base_url, seconds, connections, threads, workdir)
        return run_asyncio(server.base_url, seconds, connections)

    if warmup > 0:
        load(warmup)
    before = rss_kib(server.pid)
    cpu_before = cpu_seconds(server.pid)
    result: dict[str, Any] = dict(load(duration))
    cpu_after = cpu_seconds(server.pid)
    result["rss_before_kib"] = before
    result["rss_after_kib"] = rss_kib(server.pid)
    result["cpu_us"] = (
        (cpu_after - cpu_before) * 1e6 / max(1, int(result["requests"]))
        if cpu_before is not None and cpu_after is not None
        else None
    )
    return result


# -- report -----------------------------------------------------------------------------------------


def _mib(kib: int | None) -> str:
    return "?" if kib is None else f"{kib / 1024:.1f}"


def render(
    results: dict[str, list[dict[str, Any]]],
    labels: dict[str, str],
    checks: dict[str, bool],
    args: argparse.Namespace,
    tool: str,
    command: str,
) -> str:
    def median(name: str, key: str) -> float:
        values = [r[key] for r in results[name] if r.get(key) is not None]
        return float(statistics.median(values)) if values else float("nan")

    goal_rows = [name for name in ("mock", "mock-2w", "prism") if name in results]
    lines = [
        "## Mock server (`scripts/bench_mock.py`)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine(tool)}  ",
        f"Load: {tool}"
        + (f" ({args.threads} thread{'s' if args.threads != 1 else ''})" if tool == "wrk" else "")
        + f", {args.connections} connections, POST {PATH} with a valid body that differs on every request; "
        f"{args.rounds} round(s), each server in turn for {args.duration:g} s (after a {args.warmup:g} s "
        "warm-up in the first round); every server runs for the whole benchmark. Figures are medians over the "
        "rounds, ratios the medians of the per-round ratios. The machine's "
        "cores are shared with other work, and wrk runs on them too: the servers are measured side by side, "
        "in turn, in one run, so read the ratios within the run; CPU µs per request (the server's own user + "
        "system time, its workers included) is what other load inflates least.",
        "",
        "| server | validates requests | requests/s | p50 ms | p99 ms | server CPU µs/request | non-2xx | "
        "RSS MiB first → last |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for name in goal_rows:
        runs = results[name]
        lines.append(
            f"| {labels[name]} | {'yes' if checks[name] else 'no'} | {median(name, 'rps'):,.0f} | "
            f"{median(name, 'p50'):.2f} | {median(name, 'p99'):.2f} | {median(name, 'cpu_us'):,.0f} | "
            f"{sum(int(r['non2xx']) + int(r['socket_errors']) for r in runs)} | "
            f"{_mib(runs[0]['rss_before_kib'])} → {_mib(runs[-1]['rss_after_kib'])} |"
        )
    lines.append("")

    def ratio(one: str, other: str) -> tuple[float, list[float]]:
        """The median of the per-round ratios: the two were measured a few seconds apart in each round, so
        a round's ratio compares them under about the same outside load."""
        per_round = [m["rps"] / o["rps"] for m, o in zip(results[one], results[other], strict=False)]
        return float(statistics.median(per_round)), per_round

    def cpu(one: str, other: str) -> float:
        """The median of the per-round ratios of CPU time per request."""
        pairs = zip(results[one], results[other], strict=False)
        values = [m["cpu_us"] / o["cpu_us"] for m, o in pairs if m.get("cpu_us") and o.get("cpu_us")]
        return float(statistics.median(values)) if values else float("nan")

    verdicts = []
    if "prism" in results:
        for name in (n for n in goal_rows if n.startswith("mock")):
            value, rounds = ratio(name, "prism")
            verdicts.append(
                f"{name}/Prism = **{value:.1f}×** requests/s (target ≥ 5×: {'met' if value >= 5 else 'missed'}; "
                f"per round {', '.join(f'{r:.1f}' for r in rounds)}), Prism spending "
                f"{cpu('prism', name):.1f}× its CPU per request"
            )
    p99 = median("mock", "p99")
    verdicts.append(
        f"mock p99 = **{p99:.1f} ms** at {args.connections} connections "
        f"(target < 20 ms: {'met' if p99 < 20 else 'missed'})"
    )
    first = results["mock"][0]["rss_before_kib"]
    last = results["mock"][-1]["rss_after_kib"]
    if first and last:
        verdicts.append(
            f"mock RSS {_mib(first)} → {_mib(last)} MiB over "
            f"{sum(int(r['requests']) for r in results['mock']):,} requests"
        )
    lines.append("From this run: " + "; ".join(verdicts) + ".")
    fronts = [(app, fe) for app in ("fixed", "mock") for fe in FRONTENDS if f"{app}-{fe}" in results]
    if fronts:
        lines += [
            "",
            "### HTTP front ends: the same application under each (one process each)",
            "",
            "| application | front end | requests/s | vs uvicorn | p50 ms | p99 ms | server CPU µs/request | "
            "CPU vs uvicorn |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for app, fe in fronts:
            name = f"{app}-{fe}"
            base = f"{app}-uvicorn"
            rps_ratio = ratio(name, base)[0] if base in results else float("nan")
            cpu_ratio = cpu(name, base) if base in results else float("nan")
            lines.append(
                f"| {'fixed answer' if app == 'fixed' else 'mock handler'} | {FRONTENDS[fe]} | "
                f"{median(name, 'rps'):,.0f} | {rps_ratio:.2f} | {median(name, 'p50'):.2f} | "
                f"{median(name, 'p99'):.2f} | {median(name, 'cpu_us'):,.0f} | {cpu_ratio:.2f} |"
            )
        if all(f"{app}-{fe}" in results for app in ("fixed", "mock") for fe in ("lean", "uvicorn")):
            fixed = [fe for fe in FRONTENDS if f"fixed-{fe}" in results]
            best = min(fixed, key=lambda fe: median(f"fixed-{fe}", "cpu_us"))
            granian = "fixed-granian" in results and "mock-granian" in results
            lines += [
                "",
                "The front end's own cost is the fixed-answer rows: `conformance.serve` spent "
                f"{cpu('fixed-lean', 'fixed-uvicorn'):.2f}× uvicorn's CPU per request"
                + (f" (granian {cpu('fixed-granian', 'fixed-uvicorn'):.2f}×)" if granian else "")
                + f" and answered {ratio('fixed-lean', 'fixed-uvicorn')[0]:.2f}× its requests/s. With the mock "
                "handler, whose own cost is the same under each, the front end's share shrinks: "
                f"`conformance.serve` answered {ratio('mock-lean', 'mock-uvicorn')[0]:.2f}× uvicorn's requests/s "
                f"for {cpu('mock-lean', 'mock-uvicorn'):.2f}× its CPU per request"
                + (
                    f" (granian {ratio('mock-granian', 'mock-uvicorn')[0]:.2f}× for "
                    f"{cpu('mock-granian', 'mock-uvicorn'):.2f}×)"
                    if granian
                    else ""
                )
                + f". Least front-end CPU per request in this run: {FRONTENDS[best]}. The mock and the proxy run "
                "on `conformance.serve`: the least front-end cost in these measurements, and limits of its own "
                "(400/408/413/414/431, bounded buffers; see docs/mock.md).",
            ]
    lines += [
        "",
        "Per round (requests/s): "
        + "; ".join(f"{name} " + ", ".join(f"{r['rps']:,.0f}" for r in runs) for name, runs in results.items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


# -- main ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--duration", type=int, default=2, help="seconds of load per server per round (wrk takes whole seconds)"
    )
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up load per server, first round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default: 1)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="measure each server this many times, in turn (short rounds: each sees the outside load of its "
        "neighbours); the table shows medians",
    )
    parser.add_argument("--tool", choices=("auto", "wrk", "asyncio"), default="auto", help="load tool")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism (no npm here)")
    parser.add_argument("--no-frontends", action="store_true", help="skip the front-end comparison")
    parser.add_argument("--prism-level", default="silent", help="Prism's --verboseLevel (default: silent)")
    parser.add_argument("--no-install", action="store_true", help="install nothing (wrk with apt-get, Prism with npm)")
    parser.add_argument("--output", "-o", default=None, help="also write the Markdown section to this file")
    parser.add_argument("--json", default=None, help="also write the raw figures as JSON to this file")
    args = parser.parse_args(argv)
    if args.tool in ("auto", "wrk") and not shutil.which("wrk") and not args.no_install:
        install_wrk()
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "asyncio")
    if tool == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk), and --tool wrk was asked for")
    command = "python scripts/bench_mock.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results: dict[str, list[dict[str, Any]]] = {}
    labels: dict[str, str] = {}
    checks: dict[str, bool] = {}
    granian = importable("granian")
    with tempfile.TemporaryDirectory(prefix="bench-mock-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        servers = {"mock": stack.enter_context(mock_server(workdir, 1))}
        servers["mock-2w"] = stack.enter_context(mock_server(workdir, 2))
        prism_ok = (ROOT / ".cache" / "prism" / "node_modules" / ".bin" / "prism").exists() or not args.no_install
        if not args.no_prism and prism_ok:
            servers["prism"] = stack.enter_context(prism_server(workdir, args.prism_level))
        if not args.no_frontends:
            answer = httpx.post(servers["mock"].base_url + PATH, json=BODY, headers=HEADERS, timeout=10).content
            body = workdir / "fixed-body.json"
            body.write_bytes(answer)
            for app in ("fixed", "mock"):
                for fe in FRONTENDS:
                    if fe == "granian" and not granian:
                        continue
                    servers[f"{app}-{fe}"] = stack.enter_context(frontend_server(workdir, fe, app, body))
        for name, server in servers.items():
            labels[name] = server.label
            checks[name] = validates(server)
        for round_ in range(args.rounds):
            for name, server in servers.items():
                sys.stderr.write(f"round {round_ + 1}/{args.rounds}: {name}...\n")
                results.setdefault(name, []).append(
                    measure(
                        server,
                        tool,
                        args.duration,
                        args.warmup if round_ == 0 else 0,
                        args.connections,
                        args.threads,
                        workdir,
                    )
                )
    text = render(results, labels, checks, args, tool, command)
    sys.stdout.write(text)
    if args.output:
        atomic_write(Path(args.output), text)
    if args.json:
        atomic_write(
            Path(args.json), json.dumps({"labels": labels, "validates": checks, "results": results}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
