"""The proxy's ASGI application: forward each request unchanged, stream the answer back, hand a copy to checks.

Per request: read the client's body, send method, path, query, headers (hop-by-hop ones aside) and body
to the upstream, and relay the status, headers and body chunk by chunk as they arrive (an event stream is
never buffered). Only then is a copy of the exchange handed to the :class:`~conformance.proxy.sink.Sink`,
which checks it in a background thread: the hot path does no checking, parsing or logging.

Failures, as the client would have met them without the proxy (as near as HTTP allows):

* upstream unreachable (refused, DNS, TLS, reset before an answer): ``502`` with an OpenAI-style error body
  (``code: upstream_unreachable``);
* upstream timeout before the status line: ``504`` (``code: upstream_timeout``);
* upstream fails after the answer has started (reset, timeout, truncated body): the client's connection is
  closed at the same point, so the client sees a truncated answer exactly as it would have;
* client gone before the answer ended: the upstream request is abandoned (its connection closed) too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import attrs

from conformance.proxy.upstream import Response, UpstreamClient, UpstreamError, UpstreamTimeout

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# hop-by-hop headers (RFC 9110 7.6.1) and the ones the HTTP layers set themselves
_REQUEST_DROP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        # the proxy has the whole body already: no interim 100 from the upstream
        b"expect",
    }
)
_RESPONSE_DROP = frozenset(
    {b"connection", b"keep-alive", b"proxy-authenticate", b"trailer", b"transfer-encoding", b"upgrade"}
)
_JSON = [(b"content-type", b"application/json")]


@attrs.define(slots=True)
class Captured:
    """What one proxied exchange looked like on the wire (secrets still in it: the sink redacts)."""

    method: str
    url: str
    request_headers: list[tuple[bytes, bytes]]
    request_body: bytes
    status: int | None = None
    response_headers: list[tuple[bytes, bytes]] = attrs.field(factory=list)
    chunks: list[bytes] = attrs.field(factory=list)
    truncated: bool = False  # more than the check limit arrived: the copy is incomplete
    transport_error: str | None = None
    elapsed_ms: float = 0.0
    client_gone: bool = False  # the client left (or the proxy stopped) before the answer ended


class Sink(Protocol):
    def submit(self, item: Captured) -> None: ...


@attrs.frozen
class ProxyOptions:
    upstream: str
    timeout: float = 600.0  # read timeout per chunk: a model may think for minutes
    connect_timeout: float = 10.0
    max_body: int = 32 * 1024 * 1024  # request bodies larger than this get 413
    check_limit: int = 16 * 1024 * 1024  # response bytes kept for checking, per exchange
    max_connections: int = 512  # idle upstream connections kept for reuse


def _error(status: int, message: str, code: str) -> tuple[int, bytes]:
    body = {"error": {"message": message, "type": "proxy_error", "param": None, "code": code}}
    return status, json.dumps(body).encode()


class ProxyApp:
    """A raw ASGI callable (as the mock): one upstream, a connection pool per process, made on first use."""

    def __init__(self, options: ProxyOptions, sink: Sink | None = None) -> None:
        self.options = options
        self.sink = sink
        parts = urlsplit(options.upstream)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")
        self._client: UpstreamClient | None = None
        self.requests = 0

    def client(self) -> UpstreamClient:
        if self._client is None:
            self._client = UpstreamClient(
                self.options.upstream,
                connect_timeout=self.options.connect_timeout,
                read_timeout=self.options.timeout,
                max_idle=self.options.max_connections,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.requests += 1
        started = time.perf_counter()
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            part = message.get("body", b"")
            size += len(part)
            if size > self.options.max_body:
                status, body = _error(
                    413, f"request body over {self.options.max_body} bytes (--max-body)", "request_too_large"
                )
                await _answer(send, status, body)
                return
            chunks.append(part)
            if not message.get("more_body", False):
                break
        request_body = b"".join(chunks)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string") or b""
        target = self.base_path + raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _REQUEST_DROP]
        captured = Captured(scope["method"], self.base + target, headers, request_body)
        try:
            await self._forward(captured, target, receive, send)
        except asyncio.CancelledError:
            captured.client_gone = True  # cut short by the proxy's own shutdown: nothing to judge
            raise
        finally:
            captured.elapsed_ms = (time.perf_counter() - started) * 1000
            if self.sink is not None:
                self.sink.submit(captured)

    async def _forward(self, captured: Captured, target: str, receive: Receive, send: Send) -> None:
        try:
            response = await self.client().send(
                captured.method, target, captured.request_headers, captured.request_body
            )
        except UpstreamTimeout as exc:
            captured.transport_error = f"upstream timeout before an answer ({exc})"
            await _answer(
                send, *_error(504, f"conformance proxy: the upstream did not answer in time: {exc}", "upstream_timeout")
            )
            return
        except UpstreamError as exc:
            captured.transport_error = f"upstream unreachable ({exc})"
            await _answer(
                send, *_error(502, f"conformance proxy: the upstream is unreachable: {exc}", "upstream_unreachable")
            )
            return
        captured.status = response.status
        captured.response_headers = [(k, v) for k, v in response.headers if k.lower() not in _RESPONSE_DROP]
        try:
            await send({"type": "http.response.start", "status": response.status, "headers": captured.response_headers})
            content_type = next((v for k, v in response.headers if k.lower() == b"content-type"), b"")
            if content_type.startswith(b"text/event-stream"):
                await self._relay_watching(captured, response, receive, send)
            else:
                await self._relay(captured, response, send)
        finally:
            response.release()

    async def _relay(self, captured: Captured, response: Response, send: Send) -> bool:
        """Relay the body piece by piece; False when the upstream failed midway (the client's answer is cut)."""
        kept = 0
        limit = self.options.check_limit
        try:
            async for chunk in response.body():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                if kept < limit:
                    captured.chunks.append(chunk)
                    kept += len(chunk)
                else:
                    captured.truncated = True
        except UpstreamError as exc:
            # the upstream broke the answer: end the client's connection here too (the front end closes it when
            # the application returns without completing the response)
            captured.transport_error = f"upstream failed during the body ({exc})"
            return False
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return True

    async def _relay_watching(self, captured: Captured, response: Response, receive: Receive, send: Send) -> None:
        """A stream: relay it, and stop reading the upstream as soon as the client goes away."""
        relay = asyncio.ensure_future(self._relay(captured, response, send))
        watch = asyncio.ensure_future(_disconnected(receive))
        try:
            done, _ = await asyncio.wait({relay, watch}, return_when=asyncio.FIRST_COMPLETED)
            if relay not in done:
                captured.client_gone = True
                relay.cancel()
                with contextlib.suppress(asyncio.CancelledError, UpstreamError):
                    await relay
        finally:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*_JSON, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
