#!/usr/bin/env python3
"""Helpers of the server benchmarks (``bench_mock.py``, ``bench_proxy.py``): servers, load tools, Prism, machine.

Load tools: wrk (Debian package ``wrk``, installed with apt-get when missing) with a Lua script that sends
a different valid body each time, or, when wrk cannot be had, a raw asyncio HTTP/1.1 load generator (an
httpx client is slower than the servers it would measure). Prism: ``@stoplight/prism-cli`` 5.16 from npm,
installed into the git-ignored ``.cache/prism``.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402  (after the path set-up, so the script runs from a checkout)

PRISM_VERSION = "5.16"
PATH = "/v1/chat/completions"
BODY = {"model": "openai/gpt-5-2", "messages": [{"role": "user", "content": "Hello"}]}
INVALID = {"model": "openai/gpt-5-2", "messages": [{"role": "martian", "content": 1}]}
HEADERS = {"Authorization": "Bearer mock-key-not-secret", "Content-Type": "application/json"}  # the mock's test key
PYTHON = sys.executable


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

        extras = [name for name in ("httptools", "uvloop") if importable(name)]
        parts.append(f"uvicorn {uvicorn.__version__} ({', '.join(extras) or 'h11, asyncio'})")
    except ImportError:
        pass
    try:
        import granian

        parts.append(f"granian {granian.__version__}")
    except ImportError:
        pass
    try:
        import httptools

        parts.append(f"httptools {httptools.__version__}")
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


def importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def _mib(kib: int | None) -> str:
    return "?" if kib is None else f"{kib / 1024:.1f}"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` and its live descendants (a server's workers included)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    if pid not in times:
        return None
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += [child for child, parent in parents.items() if parent == current]
    return total
