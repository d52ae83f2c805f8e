"""Server-sent events to typed chunks: ``Stream`` (sync) and ``AsyncStream`` (async).

A stream yields one generated ``ChatCompletionChunk`` per ``data:`` event
(unnamed or ``message``; other named events such as pings are skipped) and
ends at ``data: [DONE]``. It raises:

* ``APIStreamError`` for an ``error`` event or a ``data:`` payload ``{"error": ...}``;
* ``StreamIncompleteError`` when the stream ends before ``[DONE]`` (a clean end
  or a dropped connection): a cut stream never ends silently;
* ``APITimeoutError`` when no data arrives within the read timeout;
* ``APIResponseValidationError`` for a payload that cannot be read as a chunk (see
  ``decode_chunk``; ``strict=True`` holds every chunk to the spec's model);
* ``StreamDecodeError`` (an ``APIResponseValidationError``) for a line or an event larger than
  the decoder's ``SSELimits``: a stream is never buffered without bound.

The connection is released when the stream ends, fails, or the caller stops
early: ``with client.create(..., stream=True) as stream:`` or ``stream.close()``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx
from gpt52_client.models import ChatCompletionChunk

from ._decode import decode_chunk
from .accumulate import AccumulatedToolCall, MessageAccumulator
from .exceptions import (
    APIError,
    APIResponseValidationError,
    APIStreamError,
    StreamDecodeError,
    StreamIncompleteError,
    connection_error,
    error_fields,
    request_id_of,
)
from .sse import DEFAULT_SSE_LIMITS, ServerSentEvent, SSEDecoder, SSELimits, is_done

__all__ = [
    "AccumulatedToolCall",
    "AsyncStream",
    "MessageAccumulator",
    "SSEDecoder",
    "SSELimits",
    "ServerSentEvent",
    "Stream",
]

T = TypeVar("T")


def _stream_error(payload: object, event: ServerSentEvent, response: httpx.Response) -> APIStreamError:
    message, type_, param, code = error_fields(payload)
    if message is None:
        message = event.data.strip()[:300] or "the server sent an error event without a message"
    return APIStreamError(
        message,
        request=response.request,
        body=payload,
        type=type_,
        param=param,
        code=code,
        request_id=request_id_of(response.headers),
        detail="the server reported an error in the middle of the stream",
    )


class _Core(Generic[T]):
    """What sync and async streams share: turning events into items, counting, the final checks."""

    def __init__(self, response: httpx.Response, decode: Callable[[dict[str, Any]], T], limits: SSELimits) -> None:
        self.response = response
        self.request_id = request_id_of(response.headers)
        self.decoder = SSEDecoder(limits)
        self.decode = decode
        self.received = 0
        self.done = False

    def items(self, events: list[ServerSentEvent]) -> list[T]:
        out: list[T] = []
        for event in events:
            if self.done:
                break
            if is_done(event):
                self.done = True
                break
            data = event.data
            if event.event not in (None, "message", "error"):
                continue  # other named events (keep-alive pings, vendor extensions) carry no chunk
            try:
                payload = json.loads(data)
            except ValueError:
                if event.event == "error":
                    raise _stream_error(None, event, self.response) from None
                raise APIResponseValidationError(
                    f"event {self.received + 1} of the stream is not JSON: {data[:120]!r}",
                    request=self.response.request,
                    request_id=self.request_id,
                ) from None
            if event.event == "error" or (isinstance(payload, dict) and "error" in payload):
                raise _stream_error(payload, event, self.response)
            if not isinstance(payload, dict):
                raise APIResponseValidationError(
                    f"event {self.received + 1} of the stream is not a JSON object: {data[:120]!r}",
                    request=self.response.request,
                    body=payload,
                    request_id=self.request_id,
                )
            try:
                item = self.decode(payload)
            except APIResponseValidationError as exc:
                exc.message = f"chunk {self.received + 1} of the stream: {exc.message}"
                exc.args = (exc.message,)
                exc.attach(self.response.request, self.request_id)
                raise
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise APIResponseValidationError(
                    f"chunk {self.received + 1} of the stream cannot be read ({type(exc).__name__}: {exc})",
                    request=self.response.request,
                    body=payload,
                    request_id=self.request_id,
                ) from exc
            self.received += 1
            out.append(item)
        return out

    def incomplete(self, cause: str) -> StreamIncompleteError:
        return StreamIncompleteError(
            f"the stream ended before data: [DONE] ({cause}) after {self.received} chunk(s); "
            "the answer may be cut short",
            request=self.response.request,
            chunks_received=self.received,
            request_id=self.request_id,
        )

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

    def __init__(
        self, response: httpx.Response, decode: Callable[[dict[str, Any]], T], limits: SSELimits = DEFAULT_SSE_LIMITS
    ) -> None:
        self._core = _Core(response, decode, limits)
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
            except StreamDecodeError as exc:
                exc.attach(core.response.request, core.request_id)
                raise
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

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncStream(Generic[T]):
    """The async twin of ``Stream``: ``async for``, ``async with``, ``await stream.close()``."""

    def __init__(
        self, response: httpx.Response, decode: Callable[[dict[str, Any]], T], limits: SSELimits = DEFAULT_SSE_LIMITS
    ) -> None:
        self._core = _Core(response, decode, limits)
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
            except StreamDecodeError as exc:
                exc.attach(core.response.request, core.request_id)
                raise
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

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def chunk_stream(
    response: httpx.Response, *, strict: bool = False, limits: SSELimits = DEFAULT_SSE_LIMITS
) -> Stream[ChatCompletionChunk]:
    return Stream(response, functools.partial(decode_chunk, strict=strict), limits)


def async_chunk_stream(
    response: httpx.Response, *, strict: bool = False, limits: SSELimits = DEFAULT_SSE_LIMITS
) -> AsyncStream[ChatCompletionChunk]:
    return AsyncStream(response, functools.partial(decode_chunk, strict=strict), limits)
