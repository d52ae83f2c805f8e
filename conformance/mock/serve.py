"""Run the mock app under uvicorn on a socket we bind ourselves, so ``--port 0`` can be announced.

The first line on stdout is ``listening on http://HOST:PORT`` once the socket
is listening (connections made after that line queue until uvicorn accepts
them). SIGINT and SIGTERM stop the server gracefully and the process exits 0.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import signal
import socket
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import uvicorn

from conformance.errors import UsageError

_INTENDED = "ASGI callable returned without completing response."


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int, *, allow_non_loopback: bool = False) -> socket.socket:
    """A listening TCP socket; refuses a non-loopback host unless allowed."""
    if not is_loopback(host) and not allow_non_loopback:
        raise UsageError(
            f"--host {host}: expected a loopback address (127.0.0.1, ::1, localhost), found one "
            "that other machines can reach",
            hint="pass --allow-non-loopback to serve the mock beyond this machine on purpose",
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="choose another --port, or --port 0 for a free one"
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _DropFilter(logging.Filter):
    """The ``drop`` mode ends responses early on purpose; uvicorn's complaint about it is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _INTENDED


def serve(
    app: Any, sock: socket.socket, *, announce: TextIO | None = None, log: TextIO | None = None, **overrides: Any
) -> int:
    """Serve ``app`` on ``sock`` until SIGINT/SIGTERM; return 0. ``overrides``: more ``uvicorn.Config`` options."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    out = announce or sys.stdout
    out.write(f"listening on http://{shown}:{port}\n")
    out.flush()
    logging.getLogger("uvicorn.error").addFilter(_DropFilter())
    # no proxy headers: the mock serves loopback, and the middleware costs every request
    settings: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "off",
        "server_header": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 3,
        "timeout_keep_alive": 30,
        "backlog": 2048,
    }
    config = uvicorn.Config(app, **{**settings, **overrides})
    server = _Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        close = getattr(app, "close", None)
        if callable(close):
            close()
    if log is not None:
        log.write(f"mock stopped after {getattr(app, 'requests', 0)} request(s)\n")
        log.flush()
    return 0


class _Server(uvicorn.Server):
    """uvicorn's server, with signal handling that stops cleanly instead of re-raising the signal."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
