"""Server-sent events to typed chunks: ``Stream`` (sync) and ``AsyncStream`` (async).

A stream yields one generated ``ChatCompletionChunk`` per ``data:`` event
(unnamed or ``message``; other named events such as pings are skipped) and
ends at ``data: [DONE]``. It raises:

* ``APIStreamError`` for an ``error`` event or a ``data:`` payload ``{"error": ...}``;
* ``StreamIncompleteError`` when the stream ends before ``[DONE]`` (a clean end
  or a dropped connection): a cut stream never ends silently;
* ``APITimeoutError`` when no data arrives within the read timeout;
* ``APIResponseValidationError`` for a payload that is not a chunk.

The connection is released when the stream ends, fails, or the caller stops
early: ``with client.create(..., stream=True) as stream:`` or ``stream.close()``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs
import httpx

from ._decode import decode_chunk
from .exceptions import (
    APIError,
    APIResponseValidationError,
    APIStreamError,
    StreamIncompleteError,
    connection_error,
    error_fields,
    request_id_of,
)
from .models.chat_completion_chunk import ChatCompletionChunk
from .models.choice_delta import ChoiceDelta

__all__ = ["AsyncStream", "MessageAccumulator", "SSEDecoder", "ServerSentEvent", "Stream"]

T = TypeVar("T")
DONE = "[DONE]"


@attrs.frozen
class ServerSentEvent:
    """One dispatched event (WHATWG HTML, "server-sent events")."""

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Incremental SSE parser: feed bytes as they arrive, get complete events back.

    Lines end at CRLF, LF or CR (even split across feeds); ``:`` lines are
    comments; one space after ``field:`` is dropped; ``data`` lines join with
    ``\\n``; an empty line dispatches. At the end of input, complete lines that
    were not followed by an empty line are still dispatched; a partial last line
    is not.
    """

    __slots__ = ("_buffer", "_data", "_event", "_id", "_retry", "_skip_lf")

    def __init__(self) -> None:
        self._buffer = b""
        self._skip_lf = False
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._skip_lf and chunk:
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
            self._skip_lf = False
        buffer = self._buffer + chunk if self._buffer else chunk
        end = max(buffer.rfind(b"\n"), buffer.rfind(b"\r"))
        if end < 0:
            self._buffer = buffer
            return []
        complete, self._buffer = buffer[:end + 1], buffer[end + 1:]
        if b"\r" in complete:
            # a CR ending this feed may be the first half of a CRLF split across feeds
            self._skip_lf = complete.endswith(b"\r") and not self._buffer
            complete = complete.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events: list[ServerSentEvent] = []
        lines = complete.split(b"\n")
        lines.pop()  # after the last terminator
        for raw in lines:
            self._line(raw, events)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of input: dispatch what complete lines left pending."""
        self._buffer = b""
        events: list[ServerSentEvent] = []
        if self._data or self._event is not None:
            self._dispatch(events)
        return events

    def _line(self, raw: bytes, events: list[ServerSentEvent]) -> None:
        if not raw:
            self._dispatch(events)
            return
        if raw[:5] == b"data:":  # the common case first
            value = raw[6:] if raw[5:6] == b" " else raw[5:]
            self._data.append(value.decode("utf-8", "replace"))
            return
        if raw[:1] == b":":
            return
        line = raw.decode("utf-8", "replace")
        name, colon, text = line.partition(":")
        if colon and text.startswith(" "):
            text = text[1:]
        if name == "data":
            self._data.append(text)
        elif name == "event":
            self._event = text
        elif name == "id":
            if "\0" not in text:
                self._id = text
        elif name == "retry" and text.isdigit():
            self._retry = int(text)

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        if self._data:
            data = self._data[0] if len(self._data) == 1 else "\n".join(self._data)
            events.append(ServerSentEvent(data, self._event, self._id, self._retry))
        self._data = []
        self._event = None


def _stream_error(payload: object, event: ServerSentEvent, response: httpx.Response) -> APIStreamError:
    message, type_, param, code = error_fields(payload)
    if message is None:
        message = event.data.strip()[:300] or "the server sent an error event without a message"
    return APIStreamError(message, request=response.request, body=payload, type=type_, param=param, code=code,
                          request_id=request_id_of(response.headers),
                          detail="the server reported an error in the middle of the stream")


class _Core(Generic[T]):
    """What sync and async streams share: turning events into items, counting, the final checks."""

    def __init__(self, response: httpx.Response, decode: Callable[[dict[str, Any]], T]) -> None:
        self.response = response
        self.request_id = request_id_of(response.headers)
        self.decoder = SSEDecoder()
        self.decode = decode
        self.received = 0
        self.done = False

    def items(self, events: list[ServerSentEvent]) -> list[T]:
        out: list[T] = []
        for event in events:
            if self.done:
                break
            data = event.data
            if data == DONE:
                self.done = True
                break
            if event.event not in (None, "message", "error"):
                continue  # other named events (keep-alive pings, vendor extensions) carry no chunk
            try:
                payload = json.loads(data)
            except ValueError:
                if event.event == "error":
                    raise _stream_error(None, event, self.response) from None
                raise APIResponseValidationError(
                    f"event {self.received + 1} of the stream is not JSON: {data[:120]!r}",
                    request=self.response.request, request_id=self.request_id) from None
            if event.event == "error" or (isinstance(payload, dict) and "error" in payload):
                raise _stream_error(payload, event, self.response)
            if not isinstance(payload, dict):
                raise APIResponseValidationError(
                    f"event {self.received + 1} of the stream is not a JSON object: {data[:120]!r}",
                    request=self.response.request, body=payload, request_id=self.request_id)
            try:
                item = self.decode(payload)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise APIResponseValidationError(
                    f"chunk {self.received + 1} of the stream does not match ChatCompletionChunk "
                    f"({type(exc).__name__}: {exc})", request=self.response.request, body=payload,
                    request_id=self.request_id) from exc
            self.received += 1
            out.append(item)
        return out

    def incomplete(self, cause: str) -> StreamIncompleteError:
        return StreamIncompleteError(
            f"the stream ended before data: [DONE] ({cause}) after {self.received} chunk(s); "
            "the answer may be cut short", request=self.response.request, chunks_received=self.received,
            request_id=self.request_id)

    def failure(self, exc: httpx.TransportError) -> APIError:
        if isinstance(exc, httpx.TimeoutException):
            return connection_error(exc, self.response.request)
        return self.incomplete(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


def _drain(chunks: Iterator[bytes]) -> None:
    """Read what follows [DONE] (normally nothing) so the connection can be reused."""
    try:
        for _ in chunks:
            pass
    except httpx.HTTPError:
        pass


async def _adrain(chunks: AsyncIterator[bytes]) -> None:
    try:
        async for _ in chunks:
            pass
    except httpx.HTTPError:
        pass


class Stream(Generic[T]):
    """Iterate typed chunks from an event-stream response; close it to release the connection."""

    def __init__(self, response: httpx.Response, decode: Callable[[dict[str, Any]], T]) -> None:
        self._core = _Core(response, decode)
        self._iterator = self._iterate()

    @property
    def response(self) -> httpx.Response:
        return self._core.response

    @property
    def request_id(self) -> str | None:
        return self._core.request_id

    @property
    def chunks_received(self) -> int:
        return self._core.received

    def _iterate(self) -> Generator[T, None, None]:
        core = self._core
        try:
            try:
                chunks = core.response.iter_bytes()
                for raw in chunks:
                    for item in core.items(core.decoder.feed(raw)):
                        yield item
                    if core.done:
                        _drain(chunks)
                        return
                for item in core.items(core.decoder.close()):
                    yield item
            except httpx.TransportError as exc:
                raise core.failure(exc) from exc
            except httpx.StreamError as exc:
                raise core.incomplete(str(exc)) from exc
            if not core.done:
                raise core.incomplete("the server closed the stream")
        finally:
            core.response.close()

    def __iter__(self) -> Iterator[T]:
        return self._iterator

    def __next__(self) -> T:
        return next(self._iterator)

    def close(self) -> None:
        """Stop reading and release the connection (safe to call more than once)."""
        self._iterator.close()
        self._core.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class AsyncStream(Generic[T]):
    """The async twin of ``Stream``: ``async for``, ``async with``, ``await stream.close()``."""

    def __init__(self, response: httpx.Response, decode: Callable[[dict[str, Any]], T]) -> None:
        self._core = _Core(response, decode)
        self._iterator = self._iterate()

    @property
    def response(self) -> httpx.Response:
        return self._core.response

    @property
    def request_id(self) -> str | None:
        return self._core.request_id

    @property
    def chunks_received(self) -> int:
        return self._core.received

    async def _iterate(self) -> AsyncGenerator[T, None]:
        core = self._core
        try:
            try:
                chunks = core.response.aiter_bytes()
                async for raw in chunks:
                    for item in core.items(core.decoder.feed(raw)):
                        yield item
                    if core.done:
                        await _adrain(chunks)
                        return
                for item in core.items(core.decoder.close()):
                    yield item
            except httpx.TransportError as exc:
                raise core.failure(exc) from exc
            except httpx.StreamError as exc:
                raise core.incomplete(str(exc)) from exc
            if not core.done:
                raise core.incomplete("the server closed the stream")
        finally:
            await core.response.aclose()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterator

    async def __anext__(self) -> T:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        """Stop reading and release the connection (safe to call more than once)."""
        await self._iterator.aclose()
        await self._core.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()


def chunk_stream(response: httpx.Response) -> Stream[ChatCompletionChunk]:
    return Stream(response, decode_chunk)


def async_chunk_stream(response: httpx.Response) -> AsyncStream[ChatCompletionChunk]:
    return AsyncStream(response, decode_chunk)


@attrs.define
class _Message:
    role: str | None = None
    content: str = ""
    refusal: str | None = None
    finish_reason: str | None = None


class MessageAccumulator:
    """Reassemble streamed deltas into messages, one per choice index.

    ``add(chunk)`` for every chunk; then ``content(i)``, ``refusal(i)``,
    ``role(i)`` and ``finish_reason(i)`` (the last non-null value the stream sent).
    """

    def __init__(self) -> None:
        self._messages: dict[int, _Message] = {}

    def add(self, chunk: ChatCompletionChunk) -> None:
        for choice in chunk.choices:
            message = self._messages.get(choice.index)
            if message is None:
                message = self._messages[choice.index] = _Message()
            delta = choice.delta
            if isinstance(delta, ChoiceDelta):
                if isinstance(delta.content, str):
                    message.content += delta.content
                if isinstance(delta.refusal, str):
                    message.refusal = (message.refusal or "") + delta.refusal
                if isinstance(delta.role, str):
                    message.role = delta.role
            finish: object = choice.finish_reason
            if isinstance(finish, str):
                message.finish_reason = finish

    @property
    def indexes(self) -> list[int]:
        return sorted(self._messages)

    def content(self, index: int = 0) -> str:
        return self._messages[index].content if index in self._messages else ""

    def refusal(self, index: int = 0) -> str | None:
        return self._messages[index].refusal if index in self._messages else None

    def role(self, index: int = 0) -> str | None:
        return self._messages[index].role if index in self._messages else None

    def finish_reason(self, index: int = 0) -> str | None:
        return self._messages[index].finish_reason if index in self._messages else None
