"""The HTTP/1.1 front end: an asyncio protocol on ``httptools`` that runs a raw ASGI callable (``http`` only).

One :class:`HttpProtocol` per connection. Requests on a connection are answered in order (pipelined
requests wait their turn, reading pauses meanwhile); request bodies reach the application as they
arrive (Content-Length or chunked), reading pauses while more than :attr:`Limits.buffer` bytes wait;
response bodies are written as the application sends them (an event stream is never buffered), and
``send`` waits while the socket's write buffer is full (a slow client cannot grow the server's memory).

Bad input ends in a short plain answer and a closed connection: ``400`` malformed request,
``413`` body over :attr:`Limits.max_body`, ``414`` URL over :attr:`Limits.max_url`, ``431`` header
section over :attr:`Limits.max_headers` bytes or :attr:`Limits.max_header_count` fields. A request head
not complete within :attr:`Limits.head_timeout` seconds of its first byte (slowloris), a body that stalls
for :attr:`Limits.body_timeout` seconds, and an idle keep-alive connection after
:attr:`Limits.keepalive_timeout` seconds are closed.

An answer the application completes before the request body has arrived (a refused key, unread) keeps the
connection when the rest is known and at most :attr:`Limits.drain` bytes (it is read and dropped); otherwise the
answer says ``connection: close``. A connection is never closed under an answer that did not say so, which a
client with a connection pool would meet as "server disconnected" on its next request.
"""

from __future__ import annotations

import asyncio
import collections
import sys
import time
from email.utils import formatdate
from typing import Any

import httptools

from conformance.serve.wire import HTTP_VERSIONS, REASONS, App, Limits, Message, Scope, status_line, unquote


class Shared:
    """State of one serving process shared by its connections: the open ones and the cached Date header."""

    def __init__(self, app: App, limits: Limits) -> None:
        self.app = app
        self.limits = limits
        self.connections: set[HttpProtocol] = set()
        self.stopping = False
        self._date_at = 0
        self._date = b""

    def date(self) -> bytes:
        now = int(time.time())
        if now != self._date_at:
            self._date_at = now
            self._date = b"date: " + formatdate(now, usegmt=True).encode() + b"\r\n"
        return self._date


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Cycle:
    """One request and its response on a connection."""

    __slots__ = (
        "body",
        "buffered",
        "chunked",
        "complete",
        "conn",
        "continue_sent",
        "delivered",
        "expect_continue",
        "head_only",
        "keep_alive",
        "length",
        "more",
        "received",
        "response_complete",
        "scope",
        "started",
    )

    def __init__(
        self, conn: HttpProtocol, scope: Scope, keep_alive: bool, expect_continue: bool, length: int | None
    ) -> None:
        self.conn = conn
        self.scope = scope
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue
        self.length = length  # Content-Length; None when chunked
        self.continue_sent = False
        self.body: collections.deque[bytes] = collections.deque()
        self.buffered = 0  # body bytes waiting for the application
        self.received = 0  # body bytes so far
        self.complete = False  # the whole request body arrived
        self.delivered = False  # ... and was handed to the application
        self.more = asyncio.Event()
        self.started = False
        self.response_complete = False
        self.chunked = False
        self.head_only = scope["method"] == "HEAD"

    # -- ASGI receive / send -------------------------------------------------------------------------
    async def receive(self) -> Message:
        conn = self.conn
        if self.expect_continue and not self.continue_sent and not self.started and not conn.closed:
            self.continue_sent = True
            conn.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        while True:
            if self.body:
                data = self.body.popleft() if len(self.body) == 1 else b"".join(self.body)
                self.body.clear()
                self.buffered = 0
                self.delivered = self.complete
                conn.resume()
                return {"type": "http.request", "body": data, "more_body": not self.complete}
            if self.complete and not self.delivered:
                self.delivered = True
                return {"type": "http.request", "body": b"", "more_body": False}
            if conn.closed or self.response_complete or conn.eof:
                return {"type": "http.disconnect"}
            self.more.clear()
            conn.resume()
            await self.more.wait()

    def _drainable(self) -> bool:
        """Whether the connection stays usable if the application answers now: the request body has arrived, or
        what is still to come is known, small and on its way (not held back by ``Expect: 100-continue``).

        Otherwise the answer says ``connection: close``: a client told nothing would put the connection back in
        its pool and could send its next request just as the server closes it."""
        if self.complete:
            return True
        if self.expect_continue and not self.continue_sent:
            return False
        return self.length is not None and self.length - self.received <= self.conn.limits.drain

    async def send(self, message: Message) -> None:
        conn = self.conn
        kind = message["type"]
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("http.response.start sent twice")
            self.started = True
            if conn.closed:
                return
            status = int(message["status"])
            parts = [status_line(status)]
            length = False
            for name, value in message.get("headers", ()):
                lower = name.lower()
                if lower == b"content-length":
                    length = True
                elif lower == b"connection" and value.lower() == b"close":
                    self.keep_alive = False
                elif lower == b"transfer-encoding":
                    continue  # the front end frames the body itself
                parts += (name, b": ", value, b"\r\n")
            if conn.shared.limits.date_header:
                parts.append(conn.shared.date())
            if not length and status >= 200 and status not in (204, 304) and not self.head_only:
                if self.scope["http_version"] == "1.1":
                    self.chunked = True
                    parts.append(b"transfer-encoding: chunked\r\n")
                else:
                    self.keep_alive = False  # an HTTP/1.0 client reads the body to the end of the connection
            if not self.keep_alive or conn.shared.stopping or not self._drainable():
                self.keep_alive = False
                parts.append(b"connection: close\r\n")
            parts.append(b"\r\n")
            conn.head = b"".join(parts)
            return
        if kind != "http.response.body":
            raise RuntimeError(f"unexpected ASGI message {kind!r}")
        if not self.started:
            raise RuntimeError("http.response.body before http.response.start")
        if self.response_complete or conn.closed:
            return
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        transport = conn.transport
        head = conn.head
        if head:
            conn.head = b""
        if self.head_only:
            data = head
        elif self.chunked:
            data = head
            if body:
                data += b"%x\r\n%b\r\n" % (len(body), body)
            if not more:
                data += b"0\r\n\r\n"
        else:
            data = head + body if head else body
        if data:
            transport.write(data)
        if not more:
            self.response_complete = True
            self.more.set()
            conn.finished(self)
        elif conn.write_paused:
            await conn.drained()


class HttpProtocol(asyncio.Protocol):
    """One client connection."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.limits = shared.limits
        self.loop = asyncio.get_event_loop()
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.parser = httptools.HttpRequestParser(self)
        self.closed = False
        self.head = b""
        self.queue: collections.deque[Cycle] = collections.deque()  # the cycle answered first is queue[0]
        self.current: Cycle | None = None  # the cycle whose request is being read
        self.task: asyncio.Task[None] | None = None
        self.read_paused = False
        self.write_paused = False
        self._drain: asyncio.Future[None] | None = None
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._header_bytes = 0
        self._timer: asyncio.TimerHandle | None = None
        self._deadline = 0.0
        self._refusal: tuple[int, str] | None = None  # a refusal waiting for the earlier answers to go out
        self.eof = False  # the client closed its side: no request will follow the ones queued
        self._timer_at = 0.0
        self._peers: tuple[Any, Any] = (None, None)
        self._in_head = False

    # -- connection events ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._peers = (transport.get_extra_info("sockname"), transport.get_extra_info("peername"))
        if len(self.shared.connections) >= self.limits.max_connections or self.shared.stopping:
            transport.abort()  # type: ignore[attr-defined]
            self.closed = True
            return
        self.shared.connections.add(self)
        self.transport.set_write_buffer_limits(high=self.limits.write_high)
        self._arm(self.limits.keepalive_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.shared.connections.discard(self)
        self._disarm()
        for cycle in self.queue:
            cycle.more.set()
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self.closed or self._refusal is not None:
            return
        if not self._in_head and self.current is None and not self.queue:
            # the first byte of a new request: the head must be complete in time, however slowly it comes
            self._in_head = True
            self._arm(self.limits.head_timeout)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, _Refused):
                self.refuse(cause.status, cause.message)
            else:
                self.refuse(400, f"malformed HTTP/1.1 request: {cause or exc}")
        except httptools.HttpParserUpgrade:
            self.refuse(400, "protocol upgrades are not supported")
        except httptools.HttpParserError as exc:
            message = str(exc) or "malformed request"
            if "too large" in message.lower() or "overflow" in message.lower():
                self.refuse(413, "request body larger than the server accepts")
            else:
                self.refuse(400, f"malformed HTTP/1.1 request: {message}")

    def eof_received(self) -> bool | None:
        """The client has sent all it will: answer the whole requests it sent, then close.

        An application waiting in ``receive`` learns it (``http.disconnect``): a client that closed its
        connection looks the same, and a stream relayed for it must stop."""
        if self.queue and self.current is None and self._refusal is None:
            self.eof = True
            for cycle in self.queue:
                cycle.more.set()
            return True  # keep the transport open for the answers
        return None  # nothing (whole) to answer: close

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    async def drained(self) -> None:
        if self.write_paused and not self.closed:
            self._drain = self.loop.create_future()
            await self._drain

    # -- parser callbacks ----------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > self.limits.max_url:
            raise _Refused(414, f"request target longer than {self.limits.max_url} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > self.limits.max_headers:
            raise _Refused(431, f"request header section larger than {self.limits.max_headers} bytes")
        if len(self._headers) >= self.limits.max_header_count:
            raise _Refused(431, f"more than {self.limits.max_header_count} request header fields")
        self._headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        target = self._url
        if target[:1] == b"/" and b"?" not in target and b"#" not in target:
            raw_path, query = target, b""
        else:
            url = httptools.parse_url(target)
            raw_path, query = url.path or b"/", url.query or b""
        headers = self._headers
        expect = False
        length: int | None = 0
        for name, value in headers:
            if name == b"content-length" and value.strip().isdigit():
                length = int(value)
                if length > self.limits.max_body:
                    raise _Refused(413, f"request body larger than {self.limits.max_body} bytes")
            elif name == b"transfer-encoding":
                length = None
            elif name == b"expect" and value.lower() == b"100-continue":
                expect = True
        version = parser.get_http_version()
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": HTTP_VERSIONS.get(version, version),
            "server": self._peers[0],
            "client": self._peers[1],
            "scheme": "http",
            "method": parser.get_method().decode("ascii"),
            "root_path": "",
            "path": unquote(raw_path),
            "raw_path": raw_path,
            "query_string": query,
            "headers": headers,
        }
        cycle = Cycle(self, scope, parser.should_keep_alive(), expect, length)
        self._in_head = False
        self._arm(self.limits.body_timeout)
        self.current = cycle
        self.queue.append(cycle)
        if len(self.queue) == 1:
            self.task = self.loop.create_task(self.run(cycle))
        else:
            self.pause()  # pipelined: read no more until the earlier answers are out

    def on_body(self, body: bytes) -> None:
        cycle = self.current
        if cycle is None:
            return
        cycle.received += len(body)
        if cycle.received > self.limits.max_body:
            raise _Refused(413, f"request body larger than {self.limits.max_body} bytes")
        self._arm(self.limits.body_timeout)
        if cycle.response_complete:
            return  # answered already without reading the body: the rest is read and dropped (``finished``)
        cycle.buffered += len(body)
        cycle.body.append(body)
        cycle.more.set()
        if cycle.buffered > self.limits.buffer:
            self.pause()

    def on_message_complete(self) -> None:
        cycle = self.current
        if cycle is None:
            return
        cycle.complete = True
        cycle.more.set()
        self.current = None
        if cycle.response_complete:
            self._next()

    # -- running the application ------------------------------------------------------------------------
    async def run(self, cycle: Cycle) -> None:
        try:
            await self.shared.app(cycle.scope, cycle.receive, cycle.send)
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            if not cycle.started and not self.closed:
                self.simple(cycle, 503, "the server is stopping")
            elif not cycle.response_complete:
                self.close()
            raise
        except Exception as exc:  # a bug of the application: a line on stderr, a 500 (or a cut answer)
            sys.stderr.write(f"{cycle.scope['method']} {cycle.scope['path']}: {type(exc).__name__}: {exc}\n")
            if not cycle.started and not self.closed:
                self.simple(cycle, 500, "internal server error")
            elif not cycle.response_complete:
                self.close()
            return
        if not cycle.response_complete:
            if not cycle.started and not self.closed:
                self.simple(cycle, 500, "the application sent no answer")
            else:
                self.close()  # the application ended the answer early on purpose: the client sees it cut

    def simple(self, cycle: Cycle, status: int, text: str) -> None:
        body = text.encode() + b"\n"
        cycle.keep_alive = False
        cycle.started = True
        self.transport.write(
            status_line(status)
            + b"content-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%b"
            % (len(body), body)
        )
        cycle.response_complete = True
        self.close()

    def finished(self, cycle: Cycle) -> None:
        """The response of ``cycle`` (the head of the queue) is complete."""
        if not cycle.keep_alive or self.shared.stopping:
            self.close()
            return
        if not cycle.complete:
            # the answer went out before the whole request arrived, and said the connection stays (``_drainable``):
            # the rest of the body is read and dropped, and the next request is read after it (on_message_complete)
            cycle.body.clear()
            cycle.buffered = 0
            self.resume()
            return
        self._next()

    def _next(self) -> None:
        if self.queue and self.queue[0].response_complete:
            self.queue.popleft()
        if self.queue:
            following = self.queue[0]
            self.task = self.loop.create_task(self.run(following))
        else:
            self.task = None
            if self.eof:
                self.close()
                return
            if self._refusal is not None:
                self.refuse(*self._refusal)
                return
            self._arm(self.limits.keepalive_timeout)
        self.resume()

    # -- flow control, timers, closing ---------------------------------------------------------------
    def pause(self) -> None:
        if not self.read_paused and not self.closed:
            self.read_paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.read_paused and not self.closed and len(self.queue) <= 1:
            cycle = self.current
            if cycle is None or cycle.buffered <= self.limits.buffer:
                self.read_paused = False
                self.transport.resume_reading()

    def refuse(self, status: int, message: str) -> None:
        """Answer a request the server cannot take, then close: at once when no other answer comes first,
        after the earlier answers when requests were pipelined, never (the connection is cut) when the
        refused request's own answer has started."""
        if self.closed:
            return
        answerable = not self.queue or (
            len(self.queue) == 1 and self.queue[0] is self.current and not self.queue[0].started
        )
        if not answerable:
            if any(c.started and not c.response_complete for c in self.queue) and self.queue[0] is self.current:
                self.close()  # the answer to this very request is under way: it can only be cut
            else:  # earlier requests are answered first, then this refusal (in place of the refused request)
                if self.current is not None and self.current in self.queue:
                    self.queue.remove(self.current)
                    self.current = None
                self._refusal = (status, message)
                self.pause()
            return
        body = f"{status} {REASONS.get(status, '')}: {message}\n".encode()
        self.transport.write(
            status_line(status)
            + b"content-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%b"
            % (len(body), body)
        )
        for cycle in self.queue:
            cycle.response_complete = True
        self.close()

    def _arm(self, seconds: float) -> None:
        # one timer per connection, moved by a plain assignment: re-arming happens several times per request
        self._deadline = self.loop.time() + seconds
        if self._timer is not None and self._deadline < self._timer_at:
            self._timer.cancel()  # an earlier deadline than the one the timer waits for
            self._timer = None
        if self._timer is None:
            self._timer_at = self._deadline
            self._timer = self.loop.call_at(self._deadline, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self.closed:
            return
        now = self.loop.time()
        if now < self._deadline:
            self._timer_at = self._deadline
            self._timer = self.loop.call_at(self._deadline, self._expired)
            return
        if self.read_paused or (self.task is not None and self.current is None):
            # an answer is being produced (it may take long: a slow model, a stream), or the application has
            # not taken what was read yet: not a stalled client
            self._arm(self.limits.keepalive_timeout)
            return
        if self._in_head and not self.queue:
            self.refuse(408, "request head not complete in time")
            return
        self.close()

    def idle(self) -> bool:
        return not self.queue and not self._in_head

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()
            for cycle in self.queue:
                cycle.more.set()
            if self._drain is not None and not self._drain.done():
                self._drain.set_result(None)
