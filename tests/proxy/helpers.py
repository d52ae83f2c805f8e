"""The proxy as a real process on a loopback port, and small upstreams written for one test each."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from conformance import paths
from tests.upstream_data import configured_mirror, pinned_mirror

# the pinned spec comes from $SPEC_MIRROR, ../shared/upstream, or the network (cached): tests/upstream_data.py
MIRROR = configured_mirror() or paths.project_root().parent / "shared" / "upstream"


def mirror_or_skip() -> Path:
    """A mirror-shaped folder holding the pinned spec (fetched into .cache when only the network has it)."""
    global MIRROR
    MIRROR = pinned_mirror()
    return MIRROR


KEY = "sk-proxy-test-NEVER-WRITTEN-0123456789"
_LISTENING = re.compile(r"^listening on (http://[^\s]+)$", re.M)


class Proxy:
    """``conformance proxy --upstream URL --port 0 ...`` as a subprocess; stdout and stderr kept in files."""

    def __init__(self, upstream: str, workdir: Path, *args: str) -> None:
        self.upstream = upstream
        self.workdir = workdir
        self.args = args
        self.report_dir = workdir / "reports"
        self.stdout_path = workdir / "proxy.out"
        self.stderr_path = workdir / "proxy.err"
        self.proc: subprocess.Popen[bytes] | None = None
        self.base_url = ""
        self.returncode: int | None = None

    def start(self) -> Proxy:
        env = dict(os.environ, SPEC_MIRROR=str(MIRROR))
        env["PYTHONPATH"] = str(paths.project_root())
        cmd = [
            sys.executable,
            "-m",
            "conformance",
            "proxy",
            "--upstream",
            self.upstream,
            "--port",
            "0",
            "--report-dir",
            str(self.report_dir),
            *self.args,
        ]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=paths.project_root(), env=env
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = _LISTENING.search(self.stdout())
            if match:
                self.base_url = match.group(1)
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"proxy did not start (exit {self.returncode}): {self.stderr()}")

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def wait_for_output(self, predicate: Callable[[str], bool], timeout: float = 30) -> str:
        """The stdout once ``predicate`` holds (the checks run in the background: lines come a moment later)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.stdout()
            if predicate(text):
                return text
            time.sleep(0.05)
        return self.stdout()

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.returncode = self.proc.returncode
        return self.returncode

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class ScriptedUpstream:
    """A raw HTTP/1.1 server on loopback, one thread per connection, that answers with ``script(conn)``."""

    def __init__(self, script: Callable[[socket.socket], None]) -> None:
        self.script = script
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._stopped = False

    def _serve(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            read_request(conn)
            self.script(conn)

    def __enter__(self) -> ScriptedUpstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped = True
        self.sock.close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return data
        data += part
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        part = conn.recv(65536)
        if not part:
            break
        rest += part
    return head + b"\r\n\r\n" + rest


def sse_head() -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
        b"cache-control: no-cache\r\n\r\n"
    )


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def files_text(folders: Sequence[Path]) -> str:
    return "".join(
        p.read_text(errors="replace") for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()
    )
