"""What the HTTP front end speaks: the ASGI types, status lines, the limits of a connection, path decoding."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import attrs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

REASONS = {
    100: "Continue",
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_LINES = {code: f"HTTP/1.1 {code} {reason}\r\n".encode() for code, reason in REASONS.items()}
HTTP_VERSIONS = {"1.1": "1.1", "1.0": "1.0"}


@attrs.frozen
class Limits:
    """What one connection may cost the server (sizes in bytes, times in seconds)."""

    max_body: int = 64 * 1024 * 1024  # the application may refuse far less (the mock: 1 MiB, with its own 413)
    max_url: int = 8 * 1024
    max_headers: int = 64 * 1024
    max_header_count: int = 128
    buffer: int = 256 * 1024  # request bytes held for the application before reading pauses
    # request body still to come when the answer is complete (the application did not read it) that is read and
    # dropped to keep the connection; more (or an unknown length) and the answer says ``connection: close``
    drain: int = 64 * 1024
    write_high: int = 256 * 1024  # response bytes queued in the socket before ``send`` waits
    head_timeout: float = 15.0
    body_timeout: float = 60.0
    keepalive_timeout: float = 30.0
    max_connections: int = 4096
    date_header: bool = True


def status_line(status: int) -> bytes:
    line = _LINES.get(status)
    if line is None:
        line = f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\n".encode()
    return line


def unquote(raw: bytes) -> str:
    if b"%" not in raw:
        return raw.decode("latin-1")
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(raw).decode("utf-8", "replace")
