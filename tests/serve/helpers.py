"""Start the test application (tests/serve/apps.py) in its own process; read HTTP/1.1 answers off raw sockets."""

from __future__ import annotations

import contextlib
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

APPS = Path(__file__).resolve().parent / "apps.py"


class Served:
    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        return sock


@contextlib.contextmanager
def served(*args: str) -> Iterator[Served]:
    proc = subprocess.Popen(
        [sys.executable, str(APPS), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    try:
        line = lines.get(timeout=60)
        match = re.match(r"listening on http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        yield Served(proc, int(match.group(1)))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def stop(server: Served) -> tuple[int, str]:
    """SIGTERM; the exit code and what the server wrote to stderr."""
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(timeout=20)
    assert server.proc.stderr is not None
    return code, server.proc.stderr.read()


def request(method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\n"
    for name, value in (headers or {}).items():
        head += f"{name}: {value}\r\n"
    if body and not any(k.lower() == "transfer-encoding" for k in headers or {}):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class Reader:
    """HTTP/1.1 answers read one after the other from a socket (Content-Length, chunked, or to the end)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            if not self._fill():
                raise EOFError(f"connection closed before {marker!r}; got {self.buffer[:200]!r}")
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise EOFError("connection closed inside a body")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def head(self) -> tuple[int, dict[str, str]]:
        lines = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def chunk(self) -> bytes:
        """The next piece of a chunked body (b"" at its end)."""
        size = int(self._until(b"\r\n").split(b";")[0], 16)
        data = self._exactly(size)
        self._exactly(2)
        return data

    def response(self) -> tuple[int, dict[str, str], bytes]:
        status, headers = self.head()
        if status == 100:
            status, headers = self.head()
        if "content-length" in headers:
            return status, headers, self._exactly(int(headers["content-length"]))
        if headers.get("transfer-encoding") == "chunked":
            parts = []
            while piece := self.chunk():
                parts.append(piece)
            return status, headers, b"".join(parts)
        while self._fill():
            pass
        body, self.buffer = self.buffer, b""
        return status, headers, body

    def closed(self) -> bool:
        """Whether the server closed the connection (after what was read)."""
        try:
            return not self._fill() and not self.buffer
        except ConnectionResetError:
            return True
