#!/usr/bin/env python3
"""The candidate HTTP front ends of the mock and the proxy, for ``scripts/bench_mock.py`` to compare.

    python scripts/frontends.py --frontend lean|uvicorn|granian --app fixed|mock --port P [--body FILE] [--log FILE]

Serves, on 127.0.0.1:P until SIGTERM, either a fixed answer (a raw ASGI callable that reads the request
body and answers the bytes in ``--body``) or the real mock handler (:class:`conformance.mock.app.MockApp`
on the served spec, conformant, its request log written to ``--log``), under:

* ``lean``: the project's front end (:mod:`conformance.serve`: asyncio protocol on httptools, uvloop);
* ``uvicorn``: uvicorn with httptools and uvloop, the settings the mock used to run with;
* ``granian``: granian (Rust HTTP server), ASGI interface, uvloop, one worker.

The same application object runs under each; only the front end differs.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class FixedApp:
    """Read the request, answer the same bytes every time (what any front end costs with no handler)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": self.head})
        await send({"type": "http.response.body", "body": self.body})


def build(kind: str, body: str | None, log: str | None) -> Any:
    if kind == "fixed":
        return FixedApp(Path(body or "").read_bytes())
    from conformance.load.specs import served_spec
    from conformance.mock.app import MockApp, MockOptions

    spec, _, _ = served_spec(None)
    stream = open(log or os.devnull, "a")  # noqa: SIM115 (lives as long as the server)
    return MockApp(spec, MockOptions(), log=stream)


def app() -> Any:
    """The factory granian imports (its workers are separate processes: settings come from the environment)."""
    return build(os.environ["FRONTEND_APP"], os.environ.get("FRONTEND_BODY"), os.environ.get("FRONTEND_LOG"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frontend", choices=("lean", "uvicorn", "granian"), required=True)
    parser.add_argument("--app", choices=("fixed", "mock"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body")
    parser.add_argument("--log")
    args = parser.parse_args()
    if args.frontend == "granian":
        from granian.constants import Interfaces, Loops
        from granian.server import Server

        os.environ.update(FRONTEND_APP=args.app, FRONTEND_BODY=args.body or "", FRONTEND_LOG=args.log or "")
        sys.path.insert(0, str(Path(__file__).parent))
        Server(
            "frontends:app",
            address="127.0.0.1",
            port=args.port,
            interface=Interfaces.ASGI,
            workers=1,
            loop=Loops.uvloop,
            websockets=False,
            log_enabled=False,
            factory=True,
        ).serve()
        return 0
    application = build(args.app, args.body, args.log)
    gc.collect()
    gc.freeze()
    from conformance.serve import bind

    sock = bind("127.0.0.1", args.port)
    if args.frontend == "lean":
        from conformance.serve import serve

        return serve(application, sock, announce=sys.stderr)
    import uvicorn

    config = uvicorn.Config(
        application,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=30,
        backlog=2048,
        http="httptools",
        loop="uvloop",
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
