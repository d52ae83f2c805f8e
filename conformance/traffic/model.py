"""One recorded exchange as a reader found it, and how it becomes an :class:`Exchange` the checks read.

Readers (:mod:`conformance.traffic.formats`) yield :class:`Recorded` values whatever the file format;
:func:`to_exchange` then decides whether it is a chat completion (``POST …/chat/completions``, any base
path: ``/v1``, ``/api/v1``, ``/openai/v1``...), decodes a compressed body, infers a missing content type,
masks secrets, and maps the URL onto the spec's path so that the checks find the operation.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from conformance.suite.exchange import Exchange
from conformance.traffic.redact import redact_headers, redact_url

CHAT_PATH = "/v1/chat/completions"
SPEC_PATHS = ("/v1/chat/completions", "/chat/completions")
OPERATION = f"POST {CHAT_PATH}"


@attrs.frozen
class Recorded:
    """What a file says about one exchange, before any interpretation.

    ``request_body`` is the parsed JSON body, a string when it is not JSON, or ``None`` when it was not
    recorded; ``request_complete`` is False for a request not recorded or recorded only in part.
    ``response_body`` is ``None`` when the response body was not recorded.
    """

    origin: str  # "file.yaml#3": where the exchange is in its file
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: Any
    request_complete: bool
    status: int | None
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes | None
    transport_error: str | None = None
    request_text: str | None = None  # the request body exactly as sent, when recorded as text


def is_chat(method: str, url: str) -> bool:
    return method.upper() == "POST" and urlsplit(url).path.rstrip("/").endswith("/chat/completions")


def spec_url(url: str) -> str:
    """The recorded URL on the spec's path (``/v1/chat/completions``), host and query kept."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path in SPEC_PATHS:
        return url
    return urlunsplit((parts.scheme or "https", parts.netloc or "recorded.invalid", CHAT_PATH, parts.query, ""))


def decode_body(body: bytes, encoding: str) -> tuple[bytes, str | None]:
    """The body decompressed (gzip, deflate, br when brotli is installed); the problem when it cannot be."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
    if not codings and body[:2] == b"\x1f\x8b":
        codings = ["gzip"]  # a recorder that kept the bytes but dropped the header
    try:
        for coding in reversed(codings):
            if coding in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding == "br":
                try:
                    import brotli  # type: ignore[import-not-found]
                except ImportError:
                    return body, "the body is brotli-compressed and the brotli package is not installed"
                body = brotli.decompress(body)
            else:
                return body, f"unknown content-encoding {coding!r}"
    except (OSError, EOFError, zlib.error) as exc:
        return body, f"the body does not decompress as {encoding or 'gzip'} ({exc})"
    return body, None


def _looks_like_sse(body: bytes) -> bool:
    head = body.lstrip()[:200]
    return head.startswith((b"data:", b"event:", b":", b"id:"))


def to_exchange(rec: Recorded) -> Exchange:
    """The exchange the checks read: secrets masked, body decoded, content type known, URL on the spec path."""
    response_headers = {k.lower(): v for k, v in redact_headers(rec.response_headers).items()}
    body = rec.response_body or b""
    transport_error = rec.transport_error
    encoding = response_headers.pop("content-encoding", "")
    if body:
        body, problem = decode_body(body, encoding)
        if problem:
            transport_error = transport_error or f"recorded response body: {problem}"
    if "content-type" not in response_headers and body:
        stripped = body.lstrip()[:1]
        if _looks_like_sse(body):
            response_headers["content-type"] = "text/event-stream"
        elif stripped in (b"{", b"["):
            response_headers["content-type"] = "application/json"
    return Exchange.build(
        operation=OPERATION,
        method=rec.method,
        url=redact_url(spec_url(rec.url)),
        request_headers=redact_headers(rec.request_headers),
        request_body=rec.request_body,
        status=rec.status,
        response_headers=response_headers,
        response_body=body,
        transport_error=transport_error,
        request_complete=rec.request_complete,
        request_text=rec.request_text if rec.request_complete else None,
    )


def parse_body_text(text: str | bytes | None, content_type: str = "") -> Any:
    """A recorded request body: parsed JSON when it is JSON, the text otherwise, ``None`` when empty."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text.strip():
        return None
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
