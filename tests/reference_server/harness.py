"""Start the reference server as a real process on a free loopback port, and stop it.

with ReferenceServer(mode="no-done") as server:
    httpx.post(server.base_url + "/v1/chat/completions", headers=server.auth, json={...})
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

SERVER = Path(__file__).with_name("server.py")
TEST_KEY = "sk-reference-test"
OTHER_KEY = "sk-reference-second"
START_TIMEOUT = 20.0


class ServerStartError(RuntimeError):
    pass


class ReferenceServer:
    """The server in a subprocess; ``base_url`` once entered. SIGTERM on exit, SIGKILL if it does not stop."""

    def __init__(
        self,
        mode: str = "conformant",
        keys: tuple[str, ...] = (TEST_KEY, OTHER_KEY),
        stall_seconds: float | None = None,
        seed: int = 0,
    ) -> None:
        self.mode = mode
        self.keys = keys
        self.stall_seconds = stall_seconds
        self.seed = seed
        self.base_url = ""
        self.process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None

    @property
    def key(self) -> str:
        return self.keys[0]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def start(self) -> ReferenceServer:
        command = [sys.executable, str(SERVER), "--port", "0", "--mode", self.mode, "--seed", str(self.seed)]
        for key in self.keys:
            command += ["--key", key]
        if self.stall_seconds is not None:
            command += ["--stall-seconds", str(self.stall_seconds)]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        # a file, not a pipe: a chatty server never blocks; closed in __exit__
        self._stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env)
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            ready = selector.select(START_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("listening on "):
            self.stop()
            raise ServerStartError(
                f"the reference server did not start (mode {self.mode}): expected "
                f"'listening on URL' on stdout, found {line!r}; stderr: {self.stderr()[-2000:]}"
            )
        self.base_url = line.split("listening on ", 1)[1].strip()
        return self

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def stderr(self) -> str:
        """What the server wrote on stderr so far (tracebacks of its own bugs)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
