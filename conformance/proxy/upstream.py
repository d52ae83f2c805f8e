"""A lean HTTP/1.1 client for the proxy's one upstream: asyncio protocol, httptools parser, keep-alive pool.

The proxy's hot path is "bytes in, bytes out"; a general client (request and response models, header
normalisation, cookie jars, redirects, decoders) spends more per request than the whole rest of the
proxy. This one sends the request as given, hands back the status, the raw headers and the body pieces as
they arrive (de-chunked, never decompressed), and keeps connections alive for reuse.

Errors: :class:`ConnectFailed` (could not connect, or the connection was lost before an answer),
:class:`UpstreamTimeout` (no bytes for ``read_timeout`` seconds, or no connection within
``connect_timeout``), :class:`Broken` (the answer started, then broke off or did not parse).
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import urlsplit

import httptools

_PAUSE_AT = 1024 * 1024  # body bytes buffered before the upstream is asked to wait for the client


class UpstreamError(Exception):
    pass


class ConnectFailed(UpstreamError):
    pass


class UpstreamTimeout(UpstreamError):
    pass


class Broken(UpstreamError):
    pass


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.lost = False
        self.reset()

    def reset(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_done = False
        self.complete = False
        self.received = False
        self.no_body = False
        self.error: UpstreamError | None = None
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.keep_alive = True

    # asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(Broken(f"the upstream's answer does not parse as HTTP/1.1 ({exc})"))
            if self.transport is not None:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.head_done and not self.complete and not self._has_length():
            self.complete = True  # a body delimited by the end of the connection
        elif not self.complete:
            reason = f": {exc}" if exc else ""
            self._fail(
                Broken(f"the upstream closed the connection mid-answer{reason}")
                if self.head_done
                else ConnectFailed(f"the upstream closed the connection before answering{reason}")
            )
        self._wake()

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        self.head_done = True
        if self.no_body or self.status in (204, 304) or 100 <= self.status < 200:
            self.complete = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _PAUSE_AT and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self.complete = True
        self._wake()

    # helpers
    def _has_length(self) -> bool:
        return any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in self.headers)

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout: float) -> None:
        self.waiter = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                await self.waiter
        except TimeoutError:
            raise UpstreamTimeout(f"no data from the upstream for {timeout:g} s") from None
        finally:
            self.waiter = None

    @property
    def reusable(self) -> bool:
        return (
            self.complete
            and self.keep_alive
            and self.error is None
            and not self.lost
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Response:
    """The upstream's answer: status and raw headers at once, the body as it arrives (:meth:`body`)."""

    def __init__(self, client: UpstreamClient, conn: _Connection) -> None:
        self._client = client
        self._conn = conn
        self.status = conn.status
        self.headers = conn.headers

    async def body(self) -> AsyncIterator[bytes]:
        conn = self._conn
        while True:
            if conn.chunks:
                chunk = conn.chunks.popleft()
                conn.buffered -= len(chunk)
                if conn.paused and conn.buffered < _PAUSE_AT // 2 and conn.transport is not None:
                    conn.paused = False
                    conn.transport.resume_reading()
                yield chunk
            elif conn.complete:
                return
            elif conn.error is not None:
                raise conn.error if isinstance(conn.error, Broken) else Broken(str(conn.error))
            else:
                await conn.wait(self._client.read_timeout)

    def release(self) -> None:
        """Back to the pool when the answer was read to its end, closed otherwise."""
        conn = self._conn
        if conn.reusable:
            conn.reset()
            self._client.idle.append(conn)
        else:
            conn.close()


class UpstreamClient:
    def __init__(
        self, base_url: str, *, connect_timeout: float = 10.0, read_timeout: float = 600.0, max_idle: int = 512
    ) -> None:
        parts = urlsplit(base_url)
        self.tls = parts.scheme == "https"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if self.tls else 80)
        self.host_header = parts.netloc.rsplit("@", 1)[-1].encode("idna" if not parts.netloc.isascii() else "ascii")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_idle = max_idle
        self.idle: collections.deque[_Connection] = collections.deque(maxlen=max_idle)
        self._ssl: ssl.SSLContext | None = None

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            context = ssl.create_default_context()
            try:
                import certifi

                context.load_verify_locations(certifi.where())
            except ImportError:
                pass
            self._ssl = context
        return self._ssl

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, protocol = await loop.create_connection(
                    _Connection,
                    self.host,
                    self.port,
                    ssl=self._context() if self.tls else None,
                    server_hostname=self.host if self.tls else None,
                )
        except TimeoutError:
            raise UpstreamTimeout(
                f"no connection to {self.host}:{self.port} within {self.connect_timeout:g} s"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise ConnectFailed(f"cannot connect to {self.host}:{self.port}: {exc}") from None
        return protocol

    def _take_idle(self) -> _Connection | None:
        while self.idle:
            conn = self.idle.pop()
            if not conn.lost and conn.transport is not None and not conn.transport.is_closing():
                return conn
        return None

    async def send(self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Response:
        """Send one request (``target``: path and query); the answer once its status line and headers came."""
        head = [f"{method} {target} HTTP/1.1\r\n".encode("latin-1"), b"host: " + self.host_header + b"\r\n"]
        head += [name + b": " + value + b"\r\n" for name, value in headers]
        if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            head.append(b"content-length: " + str(len(body)).encode() + b"\r\n")
        payload = b"".join(head) + b"\r\n" + body
        for attempt in (0, 1):
            conn = self._take_idle()
            reused = conn is not None
            if conn is None:
                conn = await self._connect()
            conn.no_body = method == "HEAD"
            assert conn.transport is not None
            conn.transport.write(payload)
            while not conn.head_done and conn.error is None:
                try:
                    await conn.wait(self.read_timeout)
                except UpstreamTimeout:
                    conn.close()
                    raise
            if conn.error is not None:
                conn.close()
                # a kept-alive connection the upstream had closed meanwhile: once more on a fresh one
                if reused and not conn.received and attempt == 0:
                    continue
                raise conn.error
            return Response(self, conn)
        raise ConnectFailed(f"cannot get a working connection to {self.host}:{self.port}")

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()
