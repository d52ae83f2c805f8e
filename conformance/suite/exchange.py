"""One HTTP exchange with the server under test: what was sent, what came back, redacted.

An ``Exchange`` is what checks read, what reports cite (as a curl line) and what
a live run records for offline replay. The API key never enters it: the
``Authorization`` header is stored as ``Bearer ***``.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import attrs

REDACTED = "Bearer ***"
_SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "cookie", "set-cookie"}


def parse_json(data: bytes | str) -> Any:
    """JSON from a server, refused (``ValueError``) when nested deeper than any real answer (a hostile server must
    not crash the checks)."""
    from conformance.safeload import MAX_DEPTH, too_deep

    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError("nested too deep to read") from None
    opened = data.count(b"[") + data.count(b"{") if isinstance(data, bytes) else data.count("[") + data.count("{")
    # fewer brackets than the limit cannot nest deeper than it (a count is far cheaper than a walk)
    if opened > MAX_DEPTH and isinstance(value, dict | list) and too_deep(value, MAX_DEPTH) is not None:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    return value


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret value replaced by ``***`` (a server may echo a key anywhere)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in headers.items():
        lower = key.lower()
        if lower in _SECRET_HEADERS:
            out[key] = REDACTED if lower == "authorization" and value.lower().startswith("bearer") else "***"
        else:
            out[key] = value
    return out


@attrs.frozen
class Exchange:
    operation: str  # "POST /v1/chat/completions"
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any  # parsed JSON, or a string when the request was not JSON
    status: int | None
    response_headers: dict[str, str]
    response_body: bytes
    elapsed_ms: float = 0.0
    transport_error: str | None = None
    # False when the request was not recorded (or only partly): request-dependent checks are skipped
    request_complete: bool = True
    # the body exactly as sent (text), for an exact reproduce line; None: no body was sent
    request_text: str | None = None

    @classmethod
    def build(
        cls,
        *,
        operation: str,
        method: str,
        url: str,
        request_headers: dict[str, str],
        request_body: Any,
        status: int | None,
        response_headers: dict[str, str],
        response_body: bytes,
        elapsed_ms: float = 0.0,
        transport_error: str | None = None,
        request_complete: bool = True,
        request_text: str | None = None,
        redact: bool = True,
    ) -> Exchange:
        """``redact=False`` keeps the request headers as they are (a generated, non-secret Authorization value)."""
        headers = redact_headers(dict(request_headers)) if redact else dict(request_headers)
        if isinstance(request_body, (bytes, bytearray)):
            # a generated body that is not JSON (a negative case, another media type): kept as text, so the
            # exchange can be recorded and replayed
            request_body = bytes(request_body).decode("utf-8", "replace")
        return cls(
            operation,
            method.upper(),
            url,
            headers,
            request_body,
            status,
            {k.lower(): v for k, v in response_headers.items()},
            response_body,
            elapsed_ms,
            transport_error,
            request_complete,
            request_text,
        )

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "").split(";")[0].strip().lower()

    def json_body(self) -> Any:
        return parse_json(self.response_body)

    def curl(self, key_env: str = "AIMLAPI_KEY") -> str:
        """A shell line that sends the same request again (our key comes from ``$key_env``, never written)."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        for key, value in sorted(self.request_headers.items()):
            if key.lower() in ("content-length", "host", "accept-encoding", "connection", "user-agent"):
                continue
            if key.lower() == "authorization" and value == REDACTED:
                parts += ["-H", f'"Authorization: Bearer ${key_env}"']
                continue
            parts += ["-H", shlex.quote(f"{key}: {value}")]
        if self.request_text is not None:
            parts += ["--data-binary", shlex.quote(self.request_text)]
        elif self.request_body is not None:
            body = (
                self.request_body
                if isinstance(self.request_body, str)
                else json.dumps(self.request_body, separators=(",", ":"), ensure_ascii=False)
            )
            parts += ["--data", shlex.quote(body)]
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        try:
            body: Any = parse_json(self.response_body) if self.response_body else None
            kind = "json"
        except (ValueError, UnicodeDecodeError):
            body = self.response_body.decode("utf-8", "replace")
            kind = "text"
        return {
            "operation": self.operation,
            "method": self.method,
            "url": self.url,
            "request_headers": self.request_headers,
            "request_body": self.request_body,
            "status": self.status,
            "response_headers": self.response_headers,
            "response_body": body,
            "response_body_kind": kind,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "transport_error": self.transport_error,
            "request_complete": self.request_complete,
            "request_text": self.request_text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        raw = data.get("response_body")
        if data.get("response_body_kind") == "json":
            body = json.dumps(raw).encode() if raw is not None else b""
        else:
            body = (raw or "").encode()
        return cls(
            data["operation"],
            data["method"],
            data["url"],
            redact_headers(data.get("request_headers") or {}),
            data.get("request_body"),
            data.get("status"),
            data.get("response_headers") or {},
            body,
            float(data.get("elapsed_ms") or 0.0),
            data.get("transport_error"),
            bool(data.get("request_complete", True)),
            data.get("request_text"),
        )
