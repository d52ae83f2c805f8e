"""The mock server as a subprocess: what the conformance suite, client tests and benchmarks start.

>>> with MockServer(mode="conformant", seed=0, spec="published") as server:   # doctest: +SKIP
...     httpx.post(server.base_url + "/v1/chat/completions", ...)

The child runs ``python -m conformance mock --port 0`` on loopback and prints
``listening on http://127.0.0.1:PORT`` as its first stdout line; the context
manager waits until the server answers, and on exit sends SIGTERM (then
SIGKILL after a timeout). The child's log (one line per request) goes to
``log_path`` when one is given, else to a temporary file that :meth:`MockServer.stop`
removes, keeping its last :data:`KEPT_LOG` bytes for :meth:`MockServer.log_text`.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from conformance import paths
from conformance.errors import ToolError
from conformance.mock.auth import DEFAULT_API_KEY

_LISTENING = re.compile(r"^listening on (http://(\[[^\]]+\]|[^:/\s]+):(\d+))\s*$")


class MockServerError(ToolError):
    """The mock server did not start, or died."""


# how much of a temporary log stays readable (``log_text``) once the server stopped and the file is gone
KEPT_LOG = 1 << 20


class MockServer:
    """A mock server subprocess on a free loopback port."""

    def __init__(
        self,
        mode: str = "conformant",
        seed: int = 0,
        spec: str | os.PathLike[str] | None = None,
        extra_args: Sequence[str] = (),
        *,
        host: str = "127.0.0.1",
        startup_timeout: float = 60.0,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        api_keys: Sequence[str] = (),
        api_key_envs: Sequence[str] = (),
    ) -> None:
        self.mode = mode
        #: keys accepted besides the test key (``--api-key``; test keys only: they appear in the command line)
        self.api_keys = tuple(api_keys)
        #: environment variables whose keys are accepted too (``--api-key-env``; ``AIMLAPI_KEY`` always is)
        self.api_key_envs = tuple(api_key_envs)
        self.seed = seed
        self.spec = spec
        self.extra_args = tuple(extra_args)
        self.host = host
        self.startup_timeout = startup_timeout
        self.env = env
        self._given_log = log_path
        self.log_path: Path | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._log_file: IO[bytes] | None = None
        self._kept_log: str | None = None  # the end of a temporary log, once the file is removed
        self._base_url: str | None = None
        self._port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "conformance",
            "mock",
            "--port",
            "0",
            "--host",
            self.host,
            "--mode",
            self.mode,
            "--seed",
            str(self.seed),
        ]
        if self.spec is not None:
            cmd += ["--spec", os.fspath(self.spec)]
        for key in self.api_keys:
            cmd += ["--api-key", key]
        for name in self.api_key_envs:
            cmd += ["--api-key-env", name]
        return [*cmd, *self.extra_args]

    def start(self) -> MockServer:
        if self._proc is not None:
            raise MockServerError("mock server: already started")
        self._kept_log = None
        if self._given_log is not None:
            self.log_path = self._given_log
            self._log_file = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        else:
            handle, name = tempfile.mkstemp(prefix="mock-", suffix=".log")
            self.log_path = Path(name)
            self._log_file = os.fdopen(handle, "wb")
        env = dict(os.environ if self.env is None else self.env)
        root = str(paths.project_root())
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self._proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=root,
            env=env,
        )
        try:
            self._await_listening()
            self._await_answer()
        except BaseException:
            self.stop()
            raise
        return self

    def _await_listening(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = self._proc.stdout

        def pump() -> None:  # reads the announcement, then drains stdout so the child never blocks
            for line in stdout:
                lines.put(line)
            lines.put("")

        threading.Thread(target=pump, name="mock-stdout", daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MockServerError(
                    f"mock server: expected 'listening on http://...' within "
                    f"{self.startup_timeout:.0f}s, found nothing; log:\n{self.log_tail()}"
                )
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if self._proc.poll() is not None:
                    raise MockServerError(
                        f"mock server exited with code {self._proc.returncode} before "
                        f"listening; log:\n{self.log_tail()}"
                    ) from None
                continue
            if not line:
                self._proc.wait(timeout=5)
                raise MockServerError(
                    f"mock server exited with code {self._proc.returncode} before listening; log:\n{self.log_tail()}"
                )
            match = _LISTENING.match(line.strip())
            if match:
                self._base_url = match.group(1)
                self._port = int(match.group(3))
                return

    def _await_answer(self) -> None:
        import httpx
        from gpt52.tls import default_context

        deadline = time.monotonic() + self.startup_timeout
        last = ""
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise MockServerError(f"mock server exited with code {self._proc.returncode}; log:\n{self.log_tail()}")
            try:
                httpx.get(f"{self.base_url}/", timeout=2.0, verify=default_context())
                return
            except httpx.HTTPError as exc:
                last = str(exc)
                time.sleep(0.05)
        raise MockServerError(
            f"mock server at {self.base_url}: expected an HTTP answer within "
            f"{self.startup_timeout:.0f}s, found none ({last})"
        )

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; the exit code (``None`` if never started)."""
        proc = self._proc
        code: int | None = None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=timeout)
            code = proc.returncode
            if proc.stdout is not None:
                proc.stdout.close()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
            if self._given_log is None and self.log_path is not None:  # a temporary log: nothing left behind
                self._kept_log = _tail(self.log_path, KEPT_LOG)
                self.log_path.unlink(missing_ok=True)
        return code

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` to the server process (SIGTERM and SIGINT stop it cleanly, exit code 0)."""
        if self._proc is None:
            raise MockServerError("mock server: not started")
        self._proc.send_signal(sig)

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the server process to end; its exit code."""
        if self._proc is None:
            raise MockServerError("mock server: not started")
        return self._proc.wait(timeout=timeout)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what callers use ---------------------------------------------------------------------------
    #: the documented test key every mock accepts (``Authorization: Bearer mock-key-not-secret``)
    api_key = DEFAULT_API_KEY

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise MockServerError("mock server: not started")
        return self._base_url

    @property
    def port(self) -> int:
        if self._port is None:
            raise MockServerError("mock server: not started")
        return self._port

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise MockServerError("mock server: not started")
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def log_text(self) -> str:
        """What the server wrote to stderr so far (after ``stop``, of a temporary log: its last KEPT_LOG bytes)."""
        if self._kept_log is not None:
            return self._kept_log
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def _tail(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
