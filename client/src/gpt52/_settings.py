"""What ``Gpt52`` and ``AsyncGpt52`` share: settings, request building, reading a whole answer.

``build_request(model, messages, stream, params)`` builds the generated ``CreateChatCompletionRequest``
(``RequestValidationError`` when the spec rejects the arguments); the request is sent as
``POST /v1/chat/completions`` with the model's ``to_dict()`` as its JSON body.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import httpx
from gpt52_client import AuthenticatedClient
from gpt52_client.models import (
    ChatCompletion,
    ChatCompletionAssistantMessageParam,
    ChatCompletionDeveloperMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionToolMessageParam,
    ChatCompletionUserMessageParam,
    CreateChatCompletionRequest,
)

from ._decode import decode_completion, enum_values
from .exceptions import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    ConfigurationError,
    RequestValidationError,
    error_fields,
    request_id_of,
    status_error,
)
from .retries import RetryPolicy, parse_retry_after
from .sse import DEFAULT_SSE_LIMITS, SSELimits

if TYPE_CHECKING:
    # the spec's model ids, as a Literal (only a typing hint: any id is accepted and sent)
    from gpt52_client.models import ChatModel

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "CHAT_COMPLETIONS_PATH",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MessageParam",
    "ModelName",
    "TimeoutArg",
    "build_request",
]

logger = logging.getLogger("gpt52")

API_KEY_ENV = "AIMLAPI_KEY"
BASE_URL_ENV = "AIMLAPI_BASE_URL"
#: the spec's ``servers[0].url``
DEFAULT_BASE_URL = "https://api.aimlapi.com"
#: connect quickly or fail; a long answer may take minutes to start and to stream
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=600.0, write=600.0, pool=600.0)
#: the operation's path in the spec (``POST /v1/chat/completions``)
CHAT_COMPLETIONS_PATH = "/v1/chat/completions"
_ROLES = ("system", "developer", "user", "assistant", "tool")

MessageParam: TypeAlias = (
    ChatCompletionSystemMessageParam
    | ChatCompletionDeveloperMessageParam
    | ChatCompletionUserMessageParam
    | ChatCompletionAssistantMessageParam
    | ChatCompletionToolMessageParam
    | Mapping[str, Any]
)
TimeoutArg: TypeAlias = float | httpx.Timeout | None
#: any model id the server serves; the spec's ids (``ChatModel``) show up as completions in an editor
ModelName: TypeAlias = "ChatModel | str"


class _Secret(str):
    """The API key: usable as a string, never shown by repr()."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def _api_key(api_key: str | None) -> _Secret:
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if not key or not key.strip():
        raise ConfigurationError(f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable")
    return _Secret(key.strip())


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _base_url(base_url: str | None) -> str:
    raw = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"base_url {raw!r} is not a URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base_url {raw!r} must be an http(s) URL with a host, e.g. {DEFAULT_BASE_URL}")
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ConfigurationError(
            f"refusing to send the API key over plain http to {url.host}; "
            "use https (plain http is allowed to loopback addresses only)"
        )
    return str(url).rstrip("/")


def _timeout(timeout: TimeoutArg) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


def _plain(value: Any) -> Any:
    """JSON-ready data from generated models (``to_dict``), mappings and sequences of them."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def build_request(
    model: ModelName, messages: Sequence[MessageParam], stream: bool, params: Mapping[str, Any]
) -> CreateChatCompletionRequest:
    """The generated request model for these arguments; ``RequestValidationError`` if the spec rejects them.

    ``model`` may be any non-empty string: an id the spec does not list is sent as given.
    """
    if not isinstance(model, str) or not model.strip():
        raise RequestValidationError(f"model must be a non-empty string such as 'openai/gpt-5-2', got {model!r}")
    given: object = messages
    if isinstance(given, str | bytes) or not isinstance(given, Sequence):
        raise RequestValidationError(f"messages must be a list of messages, got {type(given).__name__}")
    plain_messages = []
    for position, message in enumerate(messages):
        plain = _plain(message)
        if not isinstance(plain, dict) or plain.get("role") not in _ROLES:
            found = plain.get("role") if isinstance(plain, dict) else type(message).__name__
            raise RequestValidationError(
                f"messages[{position}] must be a message with a role in {', '.join(_ROLES)}; found {found!r}"
            )
        plain_messages.append(plain)
    body: dict[str, Any] = {"messages": plain_messages}
    body.update({key: _plain(value) for key, value in params.items()})
    # the spec lists its own model ids; any other is checked by the server, not here
    known = enum_values(CreateChatCompletionRequest, "model")
    body["model"] = model if not known or model in known else min(str(v) for v in known)
    if stream:
        body["stream"] = True
    else:
        body.pop("stream", None)
    try:
        request = CreateChatCompletionRequest.from_dict(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RequestValidationError(
            f"the arguments do not form a request the spec accepts ({type(exc).__name__}: {exc}); nothing was sent"
        ) from exc
    request.model = model  # an id the spec does not list is the server's to judge
    return request


class _Settings:
    """What both clients share: where, with which key, how patiently; and how to read an answer."""

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        max_retries: int | None,
        timeout: TimeoutArg,
        retry: RetryPolicy | None,
        default_headers: Mapping[str, str] | None,
        strict: bool = False,
        sse_limits: SSELimits | None = None,
    ) -> None:
        self.strict = bool(strict)
        self.sse_limits = sse_limits or DEFAULT_SSE_LIMITS
        self.api_key = _api_key(api_key)
        self.base_url = _base_url(base_url)
        self.timeout = _timeout(timeout)
        self.retry = (retry or RetryPolicy()).with_max_retries(max_retries)
        self.headers = {"Accept": "application/json", **(default_headers or {})}

    def configure(self, http: httpx.Client | httpx.AsyncClient) -> None:
        """Point an httpx client at the API: base URL, headers, the key (redacted in httpx's repr), timeout."""
        http.base_url = httpx.URL(self.base_url)
        http.headers.update(self.headers)
        http.headers["Authorization"] = f"Bearer {self.api_key}"
        http.timeout = self.timeout

    def generated(self) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=self.base_url, token=self.api_key, timeout=self.timeout)

    def prepare(
        self,
        http: httpx.Client | httpx.AsyncClient,
        body: CreateChatCompletionRequest,
        stream: bool,
        timeout: TimeoutArg,
        extra_headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        headers: dict[str, str] = {"Content-Type": "application/json", **(extra_headers or {})}
        if stream:
            headers["Accept"] = "text/event-stream"
        return http.build_request(
            "POST",
            CHAT_COMPLETIONS_PATH,
            json=body.to_dict(),
            headers=headers,
            timeout=self.timeout if timeout is None else _timeout(timeout),
        )

    def status_error(self, response: httpx.Response, policy: RetryPolicy) -> APIStatusError:
        return status_error(response, retry_after=parse_retry_after(response.headers, policy.now()))

    def is_strict(self, strict: bool | None) -> bool:
        return self.strict if strict is None else bool(strict)

    def completion(self, response: httpx.Response, strict: bool | None = None) -> ChatCompletion:
        request_id = request_id_of(response.headers)
        try:
            payload = json.loads(response.content)
        except ValueError:
            raise APIResponseValidationError(
                f"the answer is not JSON (Content-Type {response.headers.get('content-type')!r}): "
                f"{response.text[:120]!r}",
                request=response.request,
                request_id=request_id,
            ) from None
        if isinstance(payload, dict) and "error" in payload and "choices" not in payload:
            message, type_, param, code = error_fields(payload)
            raise APIError(
                message or "the server answered with an error body",
                request=response.request,
                body=payload,
                type=type_,
                param=param,
                code=code,
                request_id=request_id,
                detail=f"the server answered {response.status_code} with an error body",
            )
        if not isinstance(payload, dict):
            raise APIResponseValidationError(
                "the answer is not a JSON object", request=response.request, body=payload, request_id=request_id
            )
        try:
            return decode_completion(payload, strict=self.is_strict(strict))
        except APIResponseValidationError as exc:
            exc.attach(response.request, request_id)
            raise

    def not_a_stream(self, response: httpx.Response) -> APIError:
        """A 2xx JSON answer to a streaming request: an error body, or a server that ignored stream=true."""
        request_id = request_id_of(response.headers)
        try:
            payload = json.loads(response.content)
        except ValueError:
            payload = None
        message, type_, param, code = error_fields(payload)
        if message is not None:
            return APIStreamError(
                message,
                request=response.request,
                body=payload,
                type=type_,
                param=param,
                code=code,
                request_id=request_id,
                detail="the server answered the streaming request with an error body",
            )
        return APIResponseValidationError(
            "asked for a stream (stream=True) but the server answered with a single JSON body",
            request=response.request,
            body=payload,
            request_id=request_id,
        )

    def log_retry(self, error: APIError, wait: float, attempt: int, policy: RetryPolicy) -> None:
        logger.info("retrying in %.2f s (attempt %d of %d): %s", wait, attempt + 1, policy.max_retries + 1, error)


def _is_json(response: httpx.Response) -> bool:
    content_type = str(response.headers.get("content-type", ""))
    return content_type.split(";")[0].strip().lower() == "application/json"


class _ClientSettings:
    """What the sync and async clients share: their resolved settings, shown and read the same way."""

    _settings: _Settings

    def __repr__(self) -> str:
        strict = ", strict=True" if self._settings.strict else ""
        return (
            f"{type(self).__name__}(base_url={self._settings.base_url!r}, "
            f"max_retries={self._settings.retry.max_retries}, timeout={self._settings.timeout!r}{strict})"
        )

    @property
    def strict(self) -> bool:
        """Whether answers are held to the spec's models (per-call ``strict=`` overrides it)."""
        return self._settings.strict

    @property
    def sse_limits(self) -> SSELimits:
        return self._settings.sse_limits

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def max_retries(self) -> int:
        return self._settings.retry.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    @property
    def retry(self) -> RetryPolicy:
        return self._settings.retry
