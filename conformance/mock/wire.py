"""The mock's HTTP plumbing: JSON in and out, the OpenAI-style error object, ASGI body reading and answers,
the batched request log. Used by :mod:`conformance.mock.app`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO

import orjson

from conformance.oas import Violation, pointer_unescape

JSON = Any
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_BODY = 1024 * 1024
# deepest request body accepted: real requests are about ten levels deep (a tool's JSON Schema a few dozen);
# every walker of a body (validator messages, the generator) must stay far from Python's recursion limit
MAX_NESTING = 64
MAX_LATENCY_MS = 60_000
JSON_CT = b"application/json"
SSE_CT = b"text/event-stream; charset=utf-8"
TEXT_CT = b"text/plain; charset=utf-8"
_std_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _reject_constant(token: str) -> None:
    raise ValueError(f"{token} is not valid JSON")


_std_loads = json.JSONDecoder(parse_constant=_reject_constant).decode


def dumps(value: JSON) -> bytes:
    """Compact JSON bytes (orjson; the standard library for what orjson refuses: integers over 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return _std_dumps(value).encode()


class NotJson(ValueError):
    """A body that is not JSON; the message says why in words, not the decoder's."""


def loads(raw: bytes) -> JSON:
    """Strict JSON (no NaN/Infinity); :class:`NotJson` with the reason when it is not JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    # the standard library parses integers over 64 bits, and says where the text stops being JSON
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotJson(f"bytes that are not UTF-8 text (at byte {exc.start})") from None
    try:
        return _std_loads(text)
    except RecursionError:
        raise NotJson(f"JSON nested deeper than {MAX_NESTING} levels") from None
    except json.JSONDecodeError as exc:
        what = "an empty body" if not text.strip() else f"a syntax error at line {exc.lineno} column {exc.colno}"
        raise NotJson(what) from None
    except ValueError as exc:  # NaN, Infinity
        raise NotJson(str(exc)) from None


def too_deep(value: JSON, limit: int) -> bool:
    """Whether ``value`` nests containers deeper than ``limit`` (iterative: it may be deeper than the stack)."""
    stack: list[tuple[JSON, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False


class Disconnected(Exception):
    """The client went away before sending the whole body."""


def error_body(message: str, type_: str, param: str | None = None, code: str | None = None) -> bytes:
    """The OpenAI-style error object every error response carries."""
    return dumps({"error": {"message": message, "type": type_, "param": param, "code": code}})


def pointer_to_param(pointer: str) -> str | None:
    """``/messages/0/role`` -> ``messages[0].role`` (OpenAI's ``param`` style); the root is ``None``."""
    if not pointer:
        return None
    out = ""
    for token in pointer.split("/")[1:]:
        token = pointer_unescape(token)
        out += f"[{token}]" if token.isdigit() else (f".{token}" if out else token)
    return out


def violation_message(violations: list[Violation]) -> str:
    first = violations[0]
    where = first.path or "/ (the body)"
    more = (
        f" (and {len(violations) - 1} more problem{'s' if len(violations) > 2 else ''})" if len(violations) > 1 else ""
    )
    detail = first.message if len(first.message) <= 300 else first.message[:299] + "…"
    return f"Invalid request body at {where}: expected {first.expected}, found {first.found}: {detail}{more}"


class RequestLog:
    """The request log, written in batches: a line per request costs an append, not a system call.

    Lines are written out at most ``interval`` seconds after the first one
    pending (so ``tail -f`` and tests see them promptly) and on :meth:`flush`.
    """

    def __init__(self, stream: TextIO, interval: float = 0.2) -> None:
        self._stream = stream
        self._interval = interval
        self._lines: list[str] = []
        self._scheduled = False

    def write(self, line: str) -> None:
        self._lines.append(line)
        if not self._scheduled:
            try:
                asyncio.get_running_loop().call_later(self._interval, self.flush)
                self._scheduled = True
            except RuntimeError:  # no event loop (called outside the server): write now
                self.flush()

    def flush(self) -> None:
        self._scheduled = False
        if self._lines:
            data = "".join(self._lines)
            self._lines.clear()
            self._stream.write(data)
            self._stream.flush()


def int_header(headers: dict[bytes, bytes], name: bytes, low: int, high: int) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    text = raw.decode("latin-1").strip()
    title = "-".join(part.capitalize() for part in name.decode().split("-"))
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"Invalid {title} header: expected an integer from {low} to {high}, found {text!r}.", title)
    return int(text)


def too_large(size: int | None, limit: int) -> bytes:
    found = f"{size} bytes" if size is not None else "more"
    return error_body(
        f"Request body too large: expected at most {limit} bytes, found {found}.",
        "invalid_request_error",
        None,
        "request_too_large",
    )


async def read_body(receive: Receive, limit: int) -> bytes | None:
    message = await receive()
    if message["type"] == "http.disconnect":
        raise Disconnected
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body if len(body) <= limit else None
    parts = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk_: bytes = message.get("body", b"")
        size += len(chunk_)
        if size > limit:
            return None
        parts.append(chunk_)
        if not message.get("more_body", False):
            return b"".join(parts)


async def respond(
    send: Send,
    status: int,
    body: bytes,
    *,
    content_type: bytes = JSON_CT,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    head = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if headers:
        head.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
