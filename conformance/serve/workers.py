"""Several server processes on one listening socket (pre-fork), for ``--workers N`` of the mock and the proxy.

The parent binds the socket, announces ``listening on http://HOST:PORT`` once, and forks N children that
each run the same application under the front end (:func:`conformance.serve.runner.serve`) on that
socket (the kernel spreads the connections). SIGINT
and SIGTERM to the parent are passed on to the children, which stop gracefully; the parent returns once
all of them have exited. Each child runs ``before()`` first (start its own threads: none may exist before
``fork``) and ``after()`` once its server has stopped.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any, TextIO

from conformance.serve.runner import announce_line, serve


def serve_workers(
    app: Any,
    sock: socket.socket,
    workers: int,
    *,
    announce: TextIO | None = None,
    before: Callable[[], object] | None = None,
    after: Callable[[], object] | None = None,
    log: TextIO | None = None,
    **config: Any,
) -> int:
    """Serve ``app`` from ``workers`` forked processes; 0 when every child exited cleanly, else 1."""
    out = announce or sys.stdout
    out.write(announce_line(sock))
    out.flush()
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the child: serve until told to stop, never return into the parent's code
            code = 1
            try:
                if before is not None:
                    before()
                code = serve(app, sock, announce=io.StringIO(), log=log, **config)
                if after is not None:
                    after()
            except BaseException as exc:
                sys.stderr.write(f"worker {os.getpid()}: {type(exc).__name__}: {exc}\n")
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.append(pid)

    def forward(signum: int, _frame: Any) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    worst = 0
    try:
        for child in children:
            while True:
                try:
                    _, status = os.waitpid(child, 0)
                    break
                except InterruptedError:
                    continue
            worst = max(worst, 0 if os.waitstatus_to_exitcode(status) == 0 else 1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    return worst
