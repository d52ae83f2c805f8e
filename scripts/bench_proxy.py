#!/usr/bin/env python3
"""Benchmark the validating proxy: answers through it vs straight from the same upstream, and vs Prism's proxy.

In one run, on one machine, one load at a time:

* **added latency** (one connection, requests one after another): p50 and p99 of a non-streamed answer
  straight from the upstream (the mock, ``conformance mock --quiet``) and through ``conformance proxy``;
* **stream delay**: an upstream that sends 40 SSE events 5 ms apart, each carrying the moment it was
  written (``CLOCK_MONOTONIC``, shared by the processes of one machine); the client notes when each
  arrives, straight and through the proxy; the difference of the medians (and p99s) is the proxy's delay;
* **throughput** (``wrk``, 32 connections): the upstream alone, the proxy (1 and 2 workers) and
  ``prism proxy`` (Stoplight Prism 5.16, npm, installed by ``scripts/benchlib.py`` into the
  git-ignored ``.cache/prism``; log level warn, which still reports every violation) in front of the same
  upstream.

The proxy checks every exchange in its background thread during the load (as in use); its shutdown report
says how many it checked and how many it had to leave unchecked. Prints a Markdown section.

    .venv/bin/python scripts/bench_proxy.py [--duration 4] [--connections 32] [--no-prism]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import httpx  # noqa: E402
from benchlib import (  # noqa: E402  (the server benchmarks' helpers: servers, wrk, Prism)
    BODY,
    HEADERS,
    PATH,
    free_port,
    install_wrk,
    machine,
    prism_binary,
    prism_spec,
    prism_version,
    run_wrk,
    terminate,
)

PYTHON = sys.executable
MIRROR = ROOT.parent / "shared" / "upstream"

TIMED_UPSTREAM = r"""
import asyncio, sys, time

EVENTS, GAP = int(sys.argv[2]), float(sys.argv[3])

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            for number in range(EVENTS):
                data = b'data: {"n": %d, "t": %d}\n\n' % (number, time.monotonic_ns())
                writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                await writer.drain()
                await asyncio.sleep(GAP)
            done = b"data: [DONE]\n\n"
            writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(done), done))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if not env.get("SPEC_MIRROR") and MIRROR.is_dir():
        env["SPEC_MIRROR"] = str(MIRROR)
    return env


@contextmanager
def process(
    cmd: list[str], log: Path, ready_url: str | None, *, announce: bool = False
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A server process; with ``announce``, its base URL is read from its ``listening on`` line."""
    out = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=_env(), cwd=ROOT)
    try:
        url = ready_url or ""
        if announce:
            deadline = time.monotonic() + 90
            while not url and time.monotonic() < deadline:
                match = re.search(r"listening on (http://\S+)", log.read_text(errors="replace"))
                url = match.group(1) if match else ""
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[:4]} exited: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.05)
        if not url:
            raise RuntimeError(f"{cmd[:4]}: no listening line")
        yield proc, url
    finally:
        terminate(proc)
        out.close()


def mock(workdir: Path) -> Any:
    return process(
        [PYTHON, "-m", "conformance", "mock", "--port", "0", "--quiet"], workdir / "mock.log", None, announce=True
    )


def proxy(workdir: Path, upstream: str, workers: int, name: str) -> Any:
    return process(
        [
            PYTHON,
            "-m",
            "conformance",
            "proxy",
            "--upstream",
            upstream,
            "--port",
            "0",
            "--workers",
            str(workers),
            "--report-dir",
            str(workdir / f"report-{name}"),
            "--fail-on",
            "never",
        ],
        workdir / f"{name}.log",
        None,
        announce=True,
    )


def prism_proxy(workdir: Path, upstream: str) -> Any:
    from conformance.load.specs import load_spec

    spec_path = workdir / "prism-spec.json"
    spec_path.write_text(json.dumps(prism_spec(load_spec("published"))))
    port = free_port()
    return process(
        [
            str(prism_binary()),
            "proxy",
            "--verboseLevel",
            "warn",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            str(spec_path),
            upstream,
        ],
        workdir / "prism.log",
        f"http://127.0.0.1:{port}",
    )


def ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.post(url + PATH, json=BODY, headers=HEADERS, timeout=10)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def sequential(url: str, seconds: float) -> dict[str, float]:
    """One connection, one request after another: the latency of a request alone."""
    latencies: list[float] = []
    payload = json.dumps(BODY).encode()
    with httpx.Client(headers=HEADERS) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            response = client.post(url + PATH, content=payload)
            latencies.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: status {response.status_code}")
    latencies.sort()
    return {"p50": latencies[len(latencies) // 2], "p99": latencies[int(len(latencies) * 0.99)], "n": len(latencies)}


def stream_delays(url: str, streams: int) -> list[float]:
    """Per event: ms between the upstream writing it and this client reading it."""
    delays: list[float] = []
    with httpx.Client(headers=HEADERS, timeout=60) as client:
        for _ in range(streams):
            with client.stream("POST", url + PATH, json={**BODY, "stream": True}) as response:
                for line in response.iter_lines():
                    if line.startswith("data: {"):
                        now = time.monotonic_ns()
                        delays.append((now - json.loads(line[6:])["t"]) / 1e6)
    return delays


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def shutdown_counters(log: Path) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    match = re.search(r"^(\d+ exchange\(s\) proxied.*)$", text, re.M)
    extra = re.findall(r"^(\d+ left unchecked.*)$", text, re.M)
    return "; ".join([match.group(1), *extra]) if match else "(no shutdown summary)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds of load per server")
    parser.add_argument("--latency-seconds", type=float, default=3.0, help="seconds of sequential requests")
    parser.add_argument("--streams", type=int, default=10, help="streams of 40 events, straight and proxied")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-prism", action="store_true", help="skip Prism (no npm here)")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        install_wrk()
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk)")
    command = "python scripts/bench_proxy.py " + " ".join(argv if argv is not None else sys.argv[1:])
    rows: dict[str, dict[str, float]] = {}
    labels: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-proxy-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        _, upstream = stack.enter_context(mock(workdir))
        ready(upstream)
        servers = {"direct": upstream}
        labels["direct"] = "upstream alone (`conformance mock --quiet`, 1 process)"
        for workers in (1, 2):
            name = f"proxy-{workers}w"
            _, servers[name] = stack.enter_context(proxy(workdir, upstream, workers, name))
            labels[name] = f"`conformance proxy --workers {workers}` → upstream (checks on)"
        prism_note = ""
        if not args.no_prism:
            try:
                prism_binary()  # installed once with npm into .cache/prism
            except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
                prism_note = f"Prism left out: {exc}"
                args.no_prism = True
        if not args.no_prism:
            _, servers["prism"] = stack.enter_context(prism_proxy(workdir, upstream))
            labels["prism"] = (
                f"`prism proxy` (Stoplight Prism {prism_version(prism_binary())}, log level warn) → upstream"
            )
        for url in servers.values():
            ready(url, 180)  # Prism takes a while to start
            httpx.post(url + PATH, json=BODY, headers=HEADERS, timeout=60).raise_for_status()
        latency = {name: sequential(servers[name], args.latency_seconds) for name in ("direct", "proxy-1w")}
        for name, url in servers.items():
            sys.stderr.write(f"wrk: {name}...\n")
            run_wrk(url, 1, args.connections, 1, workdir)  # warm-up
            rows[name] = run_wrk(url, args.duration, args.connections, 1, workdir)
        # streams: a timestamping upstream, straight and through a proxy in front of it
        port = free_port()
        (workdir / "timed.py").write_text(TIMED_UPSTREAM)
        _, timed = stack.enter_context(
            process(
                [PYTHON, str(workdir / "timed.py"), str(port), "40", "0.005"],
                workdir / "timed.log",
                f"http://127.0.0.1:{port}",
            )
        )
        ready(timed)
        _, timed_proxy = stack.enter_context(proxy(workdir, timed, 1, "proxy-stream"))
        stream_delays(timed, 1)
        stream_delays(timed_proxy, 1)
        straight = stream_delays(timed, args.streams)
        proxied = stream_delays(timed_proxy, args.streams)
        stack.close()  # stop everything: the proxies write their shutdown summaries
        counters = shutdown_counters(workdir / "proxy-1w.log")
    lines = [
        "## Validating proxy (`scripts/bench_proxy.py`)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine('wrk')}  ",
        "Upstream: the mock, one process, log off. All figures from this one run; on a machine whose cores "
        "are shared with other work, read the ratios within the run, not the absolute figures.",
        "",
        f"Latency of one request alone (one connection, sequential, httpx client, {args.latency_seconds:g} s each):",
        "",
        "| path | requests | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, value in latency.items():
        lines.append(f"| {labels[name]} | {value['n']:.0f} | {value['p50']:.2f} | {value['p99']:.2f} |")
    added50 = latency["proxy-1w"]["p50"] - latency["direct"]["p50"]
    added99 = latency["proxy-1w"]["p99"] - latency["direct"]["p99"]
    s50, p50 = statistics.median(straight), statistics.median(proxied)
    s99, p99 = pct(straight, 0.99), pct(proxied, 0.99)
    lines += [
        "",
        f"Stream events ({args.streams} streams × 40 events, 5 ms apart): delay from the upstream "
        f"writing an event to the client reading it: straight p50 {s50:.2f} ms / p99 {s99:.2f} ms, "
        f"through the proxy p50 {p50:.2f} ms / p99 {p99:.2f} ms.",
        "",
        f"Throughput (wrk, 1 thread, {args.connections} connections, {args.duration:g} s after a 1 s warm-up, "
        "the mock benchmark's request with a different body each time):",
        "",
        "| path | requests/s | p50 ms | p99 ms | non-2xx + socket errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {labels[name]} | {row['rps']:,.0f} | {row['p50']:.2f} | {row['p99']:.2f} | "
            f"{int(row['non2xx']) + int(row['socket_errors'])} |"
        )
    noise = "within noise (the straight path's was the higher one in this run)"
    verdicts = [
        f"added p50 **{added50:.2f} ms** (goal ≤ 1 ms: {'met' if added50 <= 1 else 'missed'}), added p99 "
        + (f"{added99:.2f} ms" if added99 >= 0 else noise),
        f"stream events delayed **{p50 - s50:.2f} ms** at p50 (goal ≤ 1 ms: "
        f"{'met' if p50 - s50 <= 1 else 'missed'}), at p99 " + (f"{p99 - s99:.2f} ms" if p99 >= s99 else noise),
    ]
    for name in ("proxy-1w", "proxy-2w"):
        verdicts.append(f"{name} reaches {rows[name]['rps'] / rows['direct']['rps']:.2f} of the upstream alone")
    if "prism" in rows:
        best = max(rows["proxy-1w"]["rps"], rows["proxy-2w"]["rps"])
        ratio = best / rows["prism"]["rps"]
        verdicts.append(
            f"proxy / Prism proxy = **{ratio:.1f}×** (1 worker "
            f"{rows['proxy-1w']['rps'] / rows['prism']['rps']:.1f}×; goal ≥ 3×: "
            f"{'met' if ratio >= 3 else 'missed'})"
        )
    lines += [
        "",
        "From this run: " + "; ".join(verdicts) + ".",
        *(["", prism_note] if prism_note else []),
        "",
        f"The 1-worker proxy's shutdown summary after all of it: {counters}.",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
