"""A test application for the front end, served by ``conformance.serve`` in its own process.

    python tests/serve/apps.py [--workers N] [--max-body B] [--max-headers H] [--head-timeout S] ...

Routes (any method):

* ``/echo``: the request as JSON (method, path, query, body length, the process id);
* ``/stream?n=N``: N server-sent events; event i+1 is produced only once ``/ack?i=I`` arrived for event i
  (on another connection), so a client that gets every event proves that none was held back;
* ``/forever``: one event every 10 ms until the client leaves (``/stats`` counts the streams still running);
* ``/quiet``: one event, then nothing until the client leaves (counted in ``/stats`` too);
* ``/block``: one chunk, then the whole process sleeps 2 s (its event loop blocked), then the end;
* ``/raise``: the application raises before answering; ``/nothing``: it returns without answering;
* ``/early``: a 401 at once, the request body left unread (an application refusing a key before reading);
* ``/slow``: answers after 1 s, or ``?s=`` seconds (to stop the server in the middle of an answer; to hold
  pipelined requests behind a first one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from conformance.serve import Limits, bind, serve, serve_workers


class TestApp:
    def __init__(self) -> None:
        self.acks: dict[int, asyncio.Event] = {}
        self.running = 0
        self.requests = 0

    def ack(self, number: int) -> asyncio.Event:
        return self.acks.setdefault(number, asyncio.Event())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.requests += 1
        path = scope["path"]
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        if path == "/early":  # answered before the request body is read, as an application refusing a key does
            await _json(send, {"early": True}, 401)
            return
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        if path == "/echo":
            answer = {"method": scope["method"], "path": path, "query": query, "size": size, "pid": os.getpid()}
            await _json(send, answer)
        elif path == "/ack":
            self.ack(int(query["i"])).set()
            await _json(send, {"ok": True})
        elif path == "/stats":
            await _json(send, {"running": self.running, "pid": os.getpid()})
        elif path == "/stream":
            await self.stream(int(query.get("n", "3")), send)
        elif path == "/forever":
            await self.forever(receive, send)
        elif path == "/quiet":
            await self.quiet(receive, send)
        elif path == "/block":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"blocking %d\n" % os.getpid(), "more_body": True})
            time.sleep(2)  # the whole process: its event loop cannot accept meanwhile
            await send({"type": "http.response.body", "body": b"done\n"})
        elif path == "/slow":
            await asyncio.sleep(float(query.get("s", "1")))
            await _json(send, {"slow": True})
        elif path == "/raise":
            raise RuntimeError("the application failed")
        elif path == "/nothing":
            return
        else:
            await _json(send, {"error": "no such route"}, 404)

    async def stream(self, count: int, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        for number in range(count):
            await send({"type": "http.response.body", "body": b"data: %d\n\n" % number, "more_body": True})
            try:
                await asyncio.wait_for(self.ack(number).wait(), 10)
            except TimeoutError:
                await send({"type": "http.response.body", "body": b"data: no-ack\n\n"})
                return
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})

    async def forever(self, receive: Any, send: Any) -> None:
        self.running += 1
        gone = asyncio.ensure_future(receive())
        try:
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]}
            )
            while not gone.done():
                await send({"type": "http.response.body", "body": b"data: tick\n\n", "more_body": True})
                await asyncio.sleep(0.01)
        finally:
            gone.cancel()
            self.running -= 1

    async def quiet(self, receive: Any, send: Any) -> None:
        """One event, then nothing until the client leaves (as an upstream that thinks for minutes)."""
        self.running += 1
        try:
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]}
            )
            await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
            while (await receive())["type"] != "http.disconnect":
                pass
        finally:
            self.running -= 1


async def _json(send: Any, value: Any, status: int = 200) -> None:
    data = json.dumps(value).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": data})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--max-body", type=int, default=Limits().max_body)
    parser.add_argument("--max-headers", type=int, default=Limits().max_headers)
    parser.add_argument("--max-header-count", type=int, default=Limits().max_header_count)
    parser.add_argument("--head-timeout", type=float, default=Limits().head_timeout)
    parser.add_argument("--body-timeout", type=float, default=Limits().body_timeout)
    parser.add_argument("--max-connections", type=int, default=Limits().max_connections)
    args = parser.parse_args()
    limits = Limits(
        max_body=args.max_body,
        max_headers=args.max_headers,
        max_header_count=args.max_header_count,
        head_timeout=args.head_timeout,
        body_timeout=args.body_timeout,
        max_connections=args.max_connections,
    )
    sock = bind("127.0.0.1", 0)
    app = TestApp()
    if args.workers > 1:
        return serve_workers(app, sock, args.workers, limits=limits)
    return serve(app, sock, limits=limits, log=sys.stderr, name="test app")


if __name__ == "__main__":
    raise SystemExit(main())
