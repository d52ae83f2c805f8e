#!/usr/bin/env python3
"""Benchmark the mock server against a fixed-response app and Stoplight Prism, in one run.

For a valid POST /v1/chat/completions (request validation on), under the same
load tool and concurrency, one server at a time:

* the mock (``conformance mock``: the default spec, conformant mode, its log on);
* a fixed-response starlette app under uvicorn, one worker, the same uvicorn
  settings as the mock (the ceiling of Python HTTP on this machine), answering
  the bytes the mock answered to the same request;
* Stoplight Prism (``@stoplight/prism-cli`` 5.16 from npm, installed into the
  git-ignored ``.cache/prism``) in static mode, on a copy of the published spec
  made in a temporary directory with response descriptions added and the
  type-less ``nullable``s removed (the one variant on which its request
  validation works).

The load tool is wrk (Debian package ``wrk``, installed with apt-get when
missing) with a Lua script that sends a different valid body each time, or,
when wrk cannot be had, a raw asyncio HTTP/1.1 load generator (an httpx client
is slower than the servers it would measure); the same tool for all. Prism is
measured twice: at its default log level (info, a line per request, like the
mock's own log) and at warn (Prism at its fastest). Prints a Markdown section
(machine, command, table, ratios against the targets: at least 5x Prism's
requests/s, at least 60% of the fixed app, p99 under 20 ms at 32 connections,
memory flat).

    .venv/bin/python scripts/bench_mock.py [--duration 8] [--rounds 3] [--connections 32] [--no-prism]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402  (after the path set-up, so the script runs from a checkout)

from conformance.report import atomic_write  # noqa: E402

PRISM_VERSION = "5.16"
PATH = "/v1/chat/completions"
BODY = {"model": "openai/gpt-5-2", "messages": [{"role": "user", "content": "Hello"}]}
INVALID = {"model": "openai/gpt-5-2", "messages": [{"role": "martian", "content": 1}]}
HEADERS = {"Authorization": "Bearer mock-key-not-secret", "Content-Type": "application/json"}  # the mock's test key
PYTHON = sys.executable

FIXED_APP = """
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = open({body_path!r}, "rb").read()


async def completions(request):
    await request.body()
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"]),
                        Route("/chat/completions", completions, methods=["POST"])])
"""


# -- servers --------------------------------------------------------------------------------------


class Server:
    """A server process under test: a name, a base URL, a pid, how to stop it."""

    def __init__(self, name: str, label: str, base_url: str, pid: int, stop: Callable[[], object]) -> None:
        self.name = name
        self.label = label
        self.base_url = base_url
        self.pid = pid
        self.stop = stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with code {proc.returncode} before answering")
        try:
            httpx.post(url + PATH, json=BODY, headers=HEADERS, timeout=5)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url}: no answer within {timeout:.0f}s")


def terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@contextmanager
def mock_server(workdir: Path) -> Iterator[Server]:
    from conformance.mock.server import MockServer

    env = dict(os.environ)
    if not env.get("SPEC_MIRROR") and (ROOT.parent / "shared" / "upstream").is_dir():
        env["SPEC_MIRROR"] = str(ROOT.parent / "shared" / "upstream")
    server = MockServer(env=env, log_path=workdir / "mock.log").start()
    try:
        spec = "normalised" if "from the normalised spec" in server.log_text() else "published"
        yield Server(
            "mock",
            f"mock (`conformance mock`, {spec} spec, conformant, validation and log on)",
            server.base_url,
            server.pid,
            lambda: server.stop(),
        )
    finally:
        server.stop()


@contextmanager
def fixed_server(workdir: Path, body: bytes) -> Iterator[Server]:
    body_path = workdir / "fixed-body.json"
    body_path.write_bytes(body)
    (workdir / "fixed_app.py").write_text(FIXED_APP.format(body_path=str(body_path)))
    port = free_port()
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "uvicorn",
            "fixed_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
            # the same uvicorn settings as the mock
            "--no-proxy-headers",
            "--no-server-header",
            "--timeout-keep-alive",
            "30",
        ],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc, 60)
        yield Server(
            "fixed",
            "fixed-response starlette app, uvicorn, 1 worker (no validation)",
            f"http://127.0.0.1:{port}",
            proc.pid,
            lambda: terminate(proc),
        )
    finally:
        terminate(proc)


def install_wrk() -> None:
    """``apt-get install -y wrk`` when apt-get is there and we are root; silently nothing otherwise."""
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        return
    sys.stderr.write("installing wrk (apt-get install -y wrk)...\n")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run([apt, "install", "-y", "-qq", "wrk"], env=env, capture_output=True)
    if done.returncode != 0:
        subprocess.run([apt, "update", "-qq"], env=env, capture_output=True)
        subprocess.run([apt, "install", "-y", "-qq", "wrk"], env=env, capture_output=True)


def prism_binary() -> Path:
    """Install ``@stoplight/prism-cli@5.16`` into ``.cache/prism`` once (npm), return its executable."""
    prefix = ROOT / ".cache" / "prism"
    binary = prefix / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: cannot install Stoplight Prism (apt-get install -y npm)")
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(prefix),
                "--no-audit",
                "--no-fund",
                f"@stoplight/prism-cli@{PRISM_VERSION}",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return binary


def prism_installed() -> bool:
    return (ROOT / ".cache" / "prism" / "node_modules" / ".bin" / "prism").exists()


def prism_spec(published: dict[str, Any]) -> dict[str, Any]:
    """The published spec as Prism needs it: every response described, no ``nullable`` without a ``type``."""
    spec = copy.deepcopy(published)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "nullable" in node and "type" not in node:
                del node["nullable"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for item in spec.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict):
                for code, response in op.get("responses", {}).items():
                    if isinstance(response, dict):
                        response.setdefault("description", f"{code} response")
    walk(spec)
    return spec


@contextmanager
def prism_server(workdir: Path, level: str) -> Iterator[Server]:
    """Prism in static mode (its default) at log level ``level``: ``info`` (its default, a line per request,
    as the mock's own log) or ``warn`` (Prism at its fastest)."""
    from conformance.pipeline import load_spec

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
        name = "prism" if level == "info" else f"prism-{level}"
        yield Server(
            name,
            f"Stoplight Prism {prism_version(binary)}, static, fixed spec copy, log level {level}"
            + (" (its default)" if level == "info" else ""),
            f"http://127.0.0.1:{port}",
            proc.pid,
            lambda: terminate(proc),
        )
    finally:
        terminate(proc)
        log.close()


def prism_version(binary: Path) -> str:
    try:
        return subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return PRISM_VERSION


# -- load -------------------------------------------------------------------------------------------


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def validates(server: Server) -> bool:
    """Whether the server refuses a request that breaks the request schema (4xx)."""
    response = httpx.post(server.base_url + PATH, json=INVALID, headers=HEADERS, timeout=10)
    return 400 <= response.status_code < 500


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _varied(counter: int) -> bytes:
    """The benchmark body with a counter in the message, so that no two requests are the same."""
    return json.dumps({**BODY, "messages": [{"role": "user", "content": f"Hello {counter}"}]}).encode()


def run_wrk(url: str, duration: float, connections: int, threads: int, workdir: Path) -> dict[str, float]:
    script = workdir / "post.lua"
    headers = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in HEADERS.items())
    head, tail = _varied(0).decode().split("Hello 0")
    # every request differs (a counter in the message): a generator cannot answer from a cache
    script.write_text(
        f'wrk.method = "POST"\n{headers}counter = 0\n'
        f"request = function()\n  counter = counter + 1\n"
        f"  return wrk.format(nil, nil, nil, {json.dumps(head + 'Hello ')} .. counter .. "
        f"{json.dumps(tail)})\nend\n"
    )
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency", "-s", str(script), url + PATH],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "requests": total,
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
    }


def run_asyncio(url: str, duration: float, connections: int) -> dict[str, float]:
    """The fallback load tool: ``connections`` keep-alive HTTP/1.1 connections on raw asyncio streams.

    (An httpx client spends more time per request than the servers it measures; this one does not.)
    """
    parsed = httpx.URL(url)
    host, port = parsed.host, parsed.port or 80
    head = f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())

    async def main() -> dict[str, float]:
        latencies: list[float] = []
        bad = 0
        errors = 0
        counter = 0
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal bad, errors, counter
            reader, writer = await asyncio.open_connection(host, port)
            try:
                while time.perf_counter() < deadline:
                    counter += 1
                    payload = _varied(counter)
                    start = time.perf_counter()
                    writer.write(f"{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
                    status_line = await reader.readline()
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        if line[:15].lower() == b"content-length:":
                            length = int(line[15:])
                    await reader.readexactly(length)
                    latencies.append((time.perf_counter() - start) * 1000)
                    bad += status_line[9:10] != b"2"
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
            finally:
                writer.close()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
        latencies.sort()
        if not latencies:
            raise RuntimeError(f"{url}: no request completed")
        return {
            "rps": len(latencies) / elapsed,
            "p50": latencies[len(latencies) // 2],
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "requests": len(latencies),
            "non2xx": bad,
            "socket_errors": errors,
        }

    try:
        import uvloop

        return uvloop.run(main())
    except ImportError:
        return asyncio.run(main())


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
    result: dict[str, Any] = dict(load(duration))
    result["rss_before_kib"] = before
    result["rss_after_kib"] = rss_kib(server.pid)
    return result


# -- report -----------------------------------------------------------------------------------------


def machine(tool: str) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    parts = [
        f"{os.cpu_count()} CPUs ({cpu})",
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}",
    ]
    try:
        import uvicorn

        extras = [name for name in ("httptools", "uvloop") if _importable(name)]
        parts.append(f"uvicorn {uvicorn.__version__} ({', '.join(extras) or 'h11, asyncio'})")
    except ImportError:
        pass
    if tool == "wrk":
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0].strip()
        parts.append(version or "wrk")
    else:
        parts.append("asyncio load generator (raw HTTP/1.1 keep-alive connections)")
    node = shutil.which("node")
    if node:
        parts.append("Node " + subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip())
    return ", ".join(parts)


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


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
        return float(statistics.median(r[key] for r in results[name]))

    lines = [
        "## Mock server (`scripts/bench_mock.py`)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine(tool)}  ",
        f"Load: {tool}"
        + (f" ({args.threads} thread{'s' if args.threads != 1 else ''})" if tool == "wrk" else "")
        + f", {args.connections} connections, POST {PATH} with a valid body that differs on every request; "
        f"{args.rounds} round(s), each server in turn for {args.duration:g} s after a {args.warmup:g} s "
        "warm-up; every server runs for the whole benchmark. Figures are medians over the rounds.",
        "",
        "| server | validates requests | requests/s | p50 ms | p99 ms | non-2xx | RSS MiB first → last |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name in results:
        runs = results[name]
        lines.append(
            f"| {labels[name]} | {'yes' if checks[name] else 'no'} | {median(name, 'rps'):,.0f} | "
            f"{median(name, 'p50'):.2f} | {median(name, 'p99'):.2f} | "
            f"{sum(int(r['non2xx']) + int(r['socket_errors']) for r in runs)} | "
            f"{_mib(runs[0]['rss_before_kib'])} → {_mib(runs[-1]['rss_after_kib'])} |"
        )
    lines.append("")

    def ratio(other: str) -> tuple[float, list[float]]:
        per_round = [m["rps"] / o["rps"] for m, o in zip(results["mock"], results[other], strict=False)]
        return median("mock", "rps") / median(other, "rps"), per_round

    verdicts = []
    if "fixed" in results:
        value, rounds = ratio("fixed")
        verdicts.append(
            f"mock/fixed = **{value:.2f}** (target ≥ 0.60: {'met' if value >= 0.6 else 'missed'}; "
            f"per round {', '.join(f'{r:.2f}' for r in rounds)})"
        )
    for name, what in (("prism", "Prism"), ("prism-warn", "Prism at log level warn")):
        if name in results:
            value, rounds = ratio(name)
            verdicts.append(
                f"mock/{what} = **{value:.1f}×** (target ≥ 5×: {'met' if value >= 5 else 'missed'}; "
                f"per round {', '.join(f'{r:.1f}' for r in rounds)})"
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
    if len(results["mock"]) > 1:
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
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of load per server per round")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up load before each measure")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="wrk threads (default: 1, which saturates one server and leaves it a core)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="measure each server this many times, in turn; the table shows medians"
    )
    parser.add_argument(
        "--tool",
        choices=("auto", "wrk", "asyncio"),
        default="auto",
        help="load tool: wrk, or (auto, when wrk is missing) a raw asyncio HTTP/1.1 generator",
    )
    parser.add_argument("--no-prism", action="store_true", help="skip Prism (no npm here)")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="install nothing (wrk with apt-get, Prism with npm); without wrk, use asyncio",
    )
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
    with tempfile.TemporaryDirectory(prefix="bench-mock-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        # every server runs for the whole benchmark (memory is compared across all of its rounds);
        # only the one under load is busy
        servers = {"mock": stack.enter_context(mock_server(workdir))}
        answer = httpx.post(servers["mock"].base_url + PATH, json=BODY, headers=HEADERS, timeout=10).content
        servers["fixed"] = stack.enter_context(fixed_server(workdir, answer))
        if not args.no_prism and (args.no_install is False or prism_installed()):
            servers["prism"] = stack.enter_context(prism_server(workdir, "info"))
            servers["prism-warn"] = stack.enter_context(prism_server(workdir, "warn"))
        for name, server in servers.items():
            labels[name] = server.label
            checks[name] = validates(server)
        for round_ in range(args.rounds):
            for name, server in servers.items():
                sys.stderr.write(f"round {round_ + 1}/{args.rounds}: {name}...\n")
                results.setdefault(name, []).append(
                    measure(server, tool, args.duration, args.warmup, args.connections, args.threads, workdir)
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
