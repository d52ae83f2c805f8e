"""Run one serving process: the HTTP front end of :mod:`conformance.serve.protocol` on a bound socket.

The first line written to ``announce`` (stdout by default) is ``listening on http://HOST:PORT``.
SIGINT and SIGTERM stop the server gracefully: no new connection is accepted, idle keep-alive
connections close at once, answers under way get ``graceful`` seconds to finish (then their
connections are closed), and :func:`serve` returns 0. uvloop runs the event loop when installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from typing import Any, TextIO

from conformance.serve.protocol import HttpProtocol, Shared
from conformance.serve.wire import App, Limits


def announce_line(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"listening on http://{f'[{host}]' if ':' in host else host}:{port}\n"


def serve(
    app: Any,
    sock: socket.socket,
    *,
    announce: TextIO | None = None,
    log: TextIO | None = None,
    limits: Limits | None = None,
    graceful: float = 3.0,
    name: str = "server",
) -> int:
    """Serve ``app`` (a raw ASGI callable, ``http`` scopes only) on ``sock`` until SIGINT/SIGTERM; return 0.

    ``app.close()`` is called once the server stopped, when the app has one; ``log`` gets a closing line
    with ``app.requests`` when given.
    """
    out = announce or sys.stdout
    out.write(announce_line(sock))
    out.flush()
    try:
        _run(_main(app, sock, limits or Limits(), graceful))
    finally:
        close = getattr(app, "close", None)
        if callable(close):
            close()
    if log is not None:
        log.write(f"{name} stopped after {getattr(app, 'requests', 0)} request(s)\n")
        log.flush()
    return 0


def _run(main: Any) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; plain asyncio works the same, slower
        asyncio.run(main)
        return
    uvloop.run(main)


async def _main(app: App, sock: socket.socket, limits: Limits, graceful: float) -> None:
    loop = asyncio.get_running_loop()
    shared = Shared(app, limits)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = await loop.create_server(lambda: HttpProtocol(shared), sock=sock, backlog=2048)
    try:
        await stop.wait()
    finally:
        shared.stopping = True
        server.close()
        for conn in list(shared.connections):
            if conn.idle():
                conn.close()
        deadline = loop.time() + graceful
        while any(conn.task is not None for conn in shared.connections) and loop.time() < deadline:
            await asyncio.sleep(0.02)
        tasks = [conn.task for conn in shared.connections if conn.task is not None]
        for conn in list(shared.connections):
            conn.close()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
