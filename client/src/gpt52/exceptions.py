"""What the client raises: one small hierarchy, every error in the caller's words.

``Gpt52Error`` is the root. Below it:

* ``ConfigurationError``: the client cannot be built as asked (no key, key over plain http);
* ``RequestValidationError``: the arguments do not form a request the spec accepts (nothing sent);
* ``APIError``: a call failed. It carries what the server said (``message``,
  ``type``, ``param``, ``code`` from an ``{"error": {...}}`` body), the request id
  (``x-request-id``) and the number of attempts made.

  * ``APIStatusError``: a non-2xx answer, one subclass per status family
    (``BadRequestError`` 400/422, ``AuthenticationError`` 401,
    ``PermissionDeniedError`` 403, ``NotFoundError`` 404, ``ConflictError`` 409,
    ``RateLimitError`` 429, ``InternalServerError`` 5xx), with ``status_code``,
    ``response`` and ``retry_after`` (seconds, when the server said);
  * ``APIConnectionError``: no complete answer (``APITimeoutError``,
    ``StreamIncompleteError``). ``may_have_reached_server`` tells whether the
    POST may have been processed (and billed) although no answer arrived;
  * ``APIResponseValidationError``: a 2xx answer the client cannot read (``issues`` names the members);
    ``StreamDecodeError``: an event stream whose line or event passes the decoder's size limit;
  * ``APIStreamError``: the server reported an error inside an event stream.

The API key sent with the request never appears in an error's text, repr or ``body``: a server that
echoes it (a 401 message quoting the key) has it replaced by ``***``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:  # httpx is imported where it is used, so that `import gpt52.sse` (the mock, the suite) stays light
    import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "Gpt52Error",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "StreamDecodeError",
    "StreamIncompleteError",
    "UnprocessableEntityError",
    "connection_error",
    "error_fields",
    "request_id_of",
    "status_error",
]

REQUEST_ID_HEADERS = ("x-request-id", "request-id")
_SNIPPET = 300
REDACTED = "***"


def _secrets(request: httpx.Request | None) -> list[str]:
    """The credentials a request carried (the bearer key), longest first: what must never be shown."""
    if request is None:
        return []
    found: list[str] = []
    for name in ("authorization", "api-key", "x-api-key"):
        value = request.headers.get(name)
        if not value:
            continue
        scheme, _, token = value.partition(" ")
        for secret in (value, token.strip() if scheme.lower() == "bearer" else ""):
            if secret.strip() and secret not in found:
                found.append(secret)
    return sorted(found, key=len, reverse=True)


def redact(value: Any, secrets: list[str]) -> Any:
    """``value`` (text, or JSON-like data) with every occurrence of each secret replaced by ``***``."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    return value


class Gpt52Error(Exception):
    """Root of every error this client raises."""


class ConfigurationError(Gpt52Error, ValueError):
    """The client cannot be built as asked (missing key, key over plain http, bad base URL)."""


class RequestValidationError(Gpt52Error, ValueError):
    """The arguments do not form a request the spec accepts; nothing was sent."""


class APIError(Gpt52Error):
    """A call failed. ``message`` is the server's own message when it sent one, else ours."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        body: object = None,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        request_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        secrets = _secrets(request)
        message = redact(message, secrets)
        self.message = message
        self.request = request
        #: the parsed error body (JSON) or its text; the request's key is replaced by ``***``
        self.body = redact(body, secrets)
        self.type = redact(type, secrets)
        self.param = redact(param, secrets)
        self.code = redact(code, secrets)
        self.request_id = request_id
        #: attempts made before this error was raised (1 = no retry); set by the retry loop
        self.attempts = 1
        self._detail = redact(detail, secrets)
        super().__init__(message)

    def attach(self, request: httpx.Request | None, request_id: str | None) -> None:
        """Say which request this error belongs to (for errors raised where the request was not known)."""
        if request is not None and self.request is None:
            secrets = _secrets(request)
            self.request = request
            self.message = redact(self.message, secrets)
            self.body = redact(self.body, secrets)
            self._detail = redact(self._detail, secrets)
            self.args = (self.message,)
        if request_id and not self.request_id:
            self.request_id = request_id

    def _context(self) -> list[str]:
        parts = [f"{self.request.method} {self.request.url}"] if self.request is not None else []
        parts += [
            f"{name}={value}"
            for name, value in (("type", self.type), ("param", self.param), ("code", self.code))
            if value
        ]
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        if self.attempts > 1:
            parts.append(f"{self.attempts} attempts")
        return parts

    def __str__(self) -> str:
        detail, message = self._detail, self.message
        head = f"{detail}: {message}" if detail and message and message not in detail else (detail or message)
        context = self._context()
        return f"{head} [{'; '.join(context)}]" if context else head


class APIStatusError(APIError):
    """The server answered with a non-2xx status."""

    #: what the status means for the caller; subclasses say it better
    meaning = "the server refused the request"

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object = None,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        #: seconds the server asked us to wait (Retry-After), if it said
        self.retry_after = retry_after
        detail = f"{self.meaning} ({response.status_code} {response.reason_phrase})"
        super().__init__(
            message,
            request=response.request,
            body=body,
            type=type,
            param=param,
            code=code,
            request_id=request_id_of(response.headers),
            detail=detail,
        )

    def _context(self) -> list[str]:
        parts = super()._context()
        if self.retry_after is not None:
            parts.append(f"retry after {self.retry_after:g} s")
        return parts


class BadRequestError(APIStatusError):
    meaning = "the request was rejected as invalid; fix the parameters"


class UnprocessableEntityError(BadRequestError):
    meaning = "the request was well-formed but its content was rejected; fix the parameters"


class AuthenticationError(APIStatusError):
    meaning = "the API key was missing or rejected; check AIMLAPI_KEY or the api_key you passed"


class PermissionDeniedError(APIStatusError):
    meaning = "the API key is valid but not allowed to do this (model, endpoint or account limits)"


class NotFoundError(APIStatusError):
    meaning = "nothing at this URL; check base_url and the model name"


class ConflictError(APIStatusError):
    meaning = "the request conflicted with another one in progress"


class RateLimitError(APIStatusError):
    meaning = "rate limited: too many requests or tokens for this key"


class InternalServerError(APIStatusError):
    meaning = "the server failed to answer"


class APIConnectionError(APIError):
    """No complete answer arrived: connection refused or dropped, body cut short."""

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, may_have_reached_server: bool = True
    ) -> None:
        #: False only when the request certainly never reached the server (connect failures);
        #: True means a POST may have been processed (and billed) although no answer arrived
        self.may_have_reached_server = may_have_reached_server
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """A timeout (connect, write, read or pool) expired."""


class StreamIncompleteError(APIConnectionError):
    """An event stream ended (cleanly or not) before ``data: [DONE]``: the answer may be cut short."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        chunks_received: int = 0,
        request_id: str | None = None,
    ) -> None:
        #: how many chunks were delivered before the stream ended
        self.chunks_received = chunks_received
        super().__init__(message, request=request, may_have_reached_server=True)
        self.request_id = request_id


class APIResponseValidationError(APIError):
    """A 2xx answer the client cannot read (or not the content type asked for).

    ``issues`` lists the members that made it fail (``DecodeIssue(path, expected, found)``), when known.
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        body: object = None,
        request_id: str | None = None,
        issues: list[Any] | None = None,
    ) -> None:
        super().__init__(message, request=request, body=body, request_id=request_id)
        self.issues: list[Any] = self._redacted(list(issues or []))

    def _redacted(self, issues: list[Any]) -> list[Any]:
        secrets = _secrets(self.request)
        if not secrets:
            return issues
        return [
            attrs.evolve(i, found=redact(i.found, secrets)) if attrs.has(type(i)) and hasattr(i, "found") else i
            for i in issues
        ]

    def attach(self, request: httpx.Request | None, request_id: str | None) -> None:
        super().attach(request, request_id)
        self.issues = self._redacted(self.issues)


class StreamDecodeError(APIResponseValidationError):
    """An event stream sent a line or an event larger than the decoder's limit (``limit`` bytes).

    The stream is abandoned at that point rather than buffered without bound; raise the limit
    (``Gpt52(max_sse_line_bytes=..., max_sse_event_bytes=...)``) for answers that need more.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        size: int,
        kind: str,
        request: httpx.Request | None = None,
        request_id: str | None = None,
        line: int = 0,
    ) -> None:
        super().__init__(message, request=request, request_id=request_id)
        #: the limit that was passed, in bytes, and which one ("line" or "event")
        self.limit = limit
        self.kind = kind
        #: the 1-based line of the stream where it was passed
        self.line = line
        #: how many bytes the line or event had reached when it was refused
        self.size = size


class APIStreamError(APIError):
    """The server reported an error inside an event stream (an ``error`` event or an error body)."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def request_id_of(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _text(value: object) -> str | None:
    from gpt52_client.types import Unset  # the generated package is imported when an answer is read

    if value is None or isinstance(value, Unset):
        return None
    return str(value)


def error_fields(body: object) -> tuple[str | None, str | None, str | None, str | None]:
    """(message, type, param, code) from an error body: the spec's ``ErrorResponse`` or a common variant."""
    if not isinstance(body, Mapping):
        return None, None, None, None
    inner = body.get("error")
    if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
        from gpt52_client.models import ErrorResponse

        try:
            parsed = ErrorResponse.from_dict(body).error
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
        else:
            return parsed.message, _text(parsed.type_), _text(parsed.param), _text(parsed.code)
    if isinstance(inner, Mapping):
        return (
            _text(inner.get("message")),
            _text(inner.get("type")),
            _text(inner.get("param")),
            _text(inner.get("code")),
        )
    if isinstance(inner, str):
        return inner, None, None, None
    for key in ("message", "detail"):
        if isinstance(body.get(key), str):
            return str(body[key]), _text(body.get("type")), _text(body.get("param")), _text(body.get("code"))
    return None, None, None, None


def _decode_body(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace") if content else None


def status_error(response: httpx.Response, *, retry_after: float | None = None) -> APIStatusError:
    """The typed error for a non-2xx response whose body has been read."""
    body = _decode_body(response.content)
    message, type_, param, code = error_fields(body)
    if message is None:
        if isinstance(body, str) and body.strip():
            message = body.strip()[:_SNIPPET]
        else:
            message = f"no error message in the {response.status_code} response"
    status = response.status_code
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return cls(message, response=response, body=body, type=type_, param=param, code=code, retry_after=retry_after)


def connection_error(exc: httpx.TransportError, request: httpx.Request | None) -> APIConnectionError:
    """Our error for an httpx transport failure, saying whether the POST may have reached the server."""
    import httpx

    reached = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        kind = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for the answer",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a free connection",
        }
        during = next((text for cls, text in kind.items() if isinstance(exc, cls)), "on the request")
        return APITimeoutError(f"timed out {during} ({reason})", request=request, may_have_reached_server=reached)
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(f"could not connect ({reason})", request=request, may_have_reached_server=False)
    return APIConnectionError(
        f"the connection failed before a complete answer arrived ({reason})",
        request=request,
        may_have_reached_server=reached,
    )
