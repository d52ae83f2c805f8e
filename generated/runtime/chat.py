"""The client to use: ``Gpt52`` (sync) and ``AsyncGpt52`` (async).

Built on the generated ``AuthenticatedClient``, request builder and models:

    from gpt52_client.chat import Gpt52

    with Gpt52() as client:                      # key from AIMLAPI_KEY
        completion = client.chat.completions.create(
            model="openai/gpt-5-2", messages=[{"role": "user", "content": "Hello"}])
        print(completion.choices[0].message.content)

``create(..., stream=True)`` returns a ``Stream`` of ``ChatCompletionChunk``.
Failures raise the errors of ``gpt52_client.exceptions``; retries follow
``gpt52_client.retries.RetryPolicy`` (2 retries by default).

Answers are decoded leniently, like the official ``openai`` SDK (``gpt52_client.decode``): an
unknown enum value, an unexpected null or a missing member does not fail the call. ``strict=True``
(per client, or per call) holds every answer to the spec's models and raises
``APIResponseValidationError`` naming the member. ``model`` takes any string: the spec's ids are
typing hints, not a limit (a gateway serves more models than one spec lists).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias, cast, overload

import httpx

from ._decode import decode_completion, enum_values
from .api.chat.create_chat_completion import _get_kwargs as _chat_completion_request
from .client import AuthenticatedClient
from .exceptions import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    ConfigurationError,
    RequestValidationError,
    connection_error,
    error_fields,
    request_id_of,
    status_error,
)
from .models.chat_completion import ChatCompletion
from .models.chat_completion_assistant_message_param import ChatCompletionAssistantMessageParam
from .models.chat_completion_chunk import ChatCompletionChunk
from .models.chat_completion_developer_message_param import ChatCompletionDeveloperMessageParam
from .models.chat_completion_system_message_param import ChatCompletionSystemMessageParam
from .models.chat_completion_tool_message_param import ChatCompletionToolMessageParam
from .models.chat_completion_user_message_param import ChatCompletionUserMessageParam
from .models.create_chat_completion_request import CreateChatCompletionRequest
from .retries import RetryPolicy, parse_retry_after
from .sse import DEFAULT_SSE_LIMITS, SSELimits
from .streaming import AsyncStream, Stream, async_chunk_stream, chunk_stream

if TYPE_CHECKING:
    # the spec's model ids, as a Literal (only a typing hint: any id is accepted and sent)
    from .models.chat_model import ChatModel

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "AsyncGpt52",
    "Gpt52",
    "MessageParam",
    "ModelName",
]

logger = logging.getLogger("gpt52_client")

API_KEY_ENV = "AIMLAPI_KEY"
BASE_URL_ENV = "AIMLAPI_BASE_URL"
#: the spec's ``servers[0].url``
DEFAULT_BASE_URL = "https://api.aimlapi.com"
#: connect quickly or fail; a long answer may take minutes to start and to stream
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=600.0, write=600.0, pool=600.0)
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
    request.model = cast("ChatModel", model)  # an id the spec does not list is the server's to judge
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
        kwargs = _chat_completion_request(body=body)
        headers: dict[str, str] = {**kwargs["headers"], **(extra_headers or {})}
        if stream:
            headers["Accept"] = "text/event-stream"
        return http.build_request(
            kwargs["method"],
            kwargs["url"],
            json=kwargs["json"],
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


class Completions:
    """``client.chat.completions``: the chat completions operation."""

    def __init__(self, client: Gpt52) -> None:
        self._client = client

    @overload
    def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: Literal[False] = False,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion: ...

    @overload
    def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: Literal[True],
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> Stream[ChatCompletionChunk]: ...

    @overload
    def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: bool,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion | Stream[ChatCompletionChunk]: ...

    def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: bool = False,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        """POST /v1/chat/completions. ``timeout``/``max_retries``/``strict``/``extra_headers`` apply to this
        call only; every other keyword is a request field (``temperature=0.2``, ``max_tokens=100``...)."""
        body = build_request(model, messages, stream, params)
        return self._client._send(
            body, stream=stream, timeout=timeout, max_retries=max_retries, extra_headers=extra_headers, strict=strict
        )


class Chat:
    def __init__(self, client: Gpt52) -> None:
        self.completions = Completions(client)


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


class Gpt52(_ClientSettings):
    """A synchronous client; thread-safe, reuse one per process. Close it (or use ``with``) when done.

    ``api_key`` defaults to ``$AIMLAPI_KEY``; ``base_url`` to ``$AIMLAPI_BASE_URL`` or the spec's server.
    ``max_retries`` (default 2) overrides the one of ``retry``, a ``RetryPolicy`` (backoff, Retry-After cap,
    whether to retry failures that may have reached the server).
    ``http_client`` lets you bring your own ``httpx.Client`` (proxies, transports, event hooks); its
    base URL, auth header and timeout are set by this client.
    ``strict=True`` holds every answer to the spec's models (default: lenient, like the official SDK;
    a call's own ``strict=`` wins). ``sse_limits`` bounds a streamed line and event (``SSELimits``).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        max_retries: int | None = None,
        timeout: TimeoutArg = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        strict: bool = False,
        sse_limits: SSELimits | None = None,
    ) -> None:
        self._settings = _Settings(api_key, base_url, max_retries, timeout, retry, default_headers, strict, sse_limits)
        self._http = http_client or httpx.Client()
        self._settings.configure(self._http)
        #: the generated client, sharing this client's connections (for the generated ``api`` functions)
        self.generated = self._settings.generated().set_httpx_client(self._http)
        self.chat = Chat(self)

    @overload
    def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: Literal[False] = False,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion: ...

    @overload
    def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: Literal[True],
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> Stream[ChatCompletionChunk]: ...

    @overload
    def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: bool,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion | Stream[ChatCompletionChunk]: ...

    def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: bool = False,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        """Shortcut for ``client.chat.completions.create``."""
        return self.chat.completions.create(
            model=model,
            messages=messages,
            stream=stream,
            timeout=timeout,
            max_retries=max_retries,
            strict=strict,
            extra_headers=extra_headers,
            **params,
        )

    def _send(
        self,
        body: CreateChatCompletionRequest,
        *,
        stream: bool,
        timeout: TimeoutArg,
        max_retries: int | None,
        extra_headers: Mapping[str, str] | None,
        strict: bool | None = None,
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        settings = self._settings
        policy = settings.retry.with_max_retries(max_retries)
        request = settings.prepare(self._http, body, stream, timeout, extra_headers)
        retries = 0
        while True:
            cause: BaseException | None = None
            try:
                response = self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                error: APIError = connection_error(exc, request)
                cause = exc
            else:
                try:
                    if response.is_success and stream and not _is_json(response):
                        return chunk_stream(response, strict=settings.is_strict(strict), limits=settings.sse_limits)
                    response.read()
                except httpx.TransportError as exc:
                    response.close()
                    error, cause = connection_error(exc, request), exc
                else:
                    response.close()
                    if not response.is_success:
                        error = settings.status_error(response, policy)
                    elif stream:
                        error = settings.not_a_stream(response)
                    else:
                        return settings.completion(response, strict)
            error.attempts = retries + 1
            wait = policy.next_wait(error, retries)
            if wait is None:
                raise error from cause
            settings.log_retry(error, wait, retries + 1, policy)
            policy.sleep(wait)
            retries += 1

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncCompletions:
    """``client.chat.completions`` of ``AsyncGpt52``."""

    def __init__(self, client: AsyncGpt52) -> None:
        self._client = client

    @overload
    async def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: Literal[False] = False,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion: ...

    @overload
    async def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: Literal[True],
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> AsyncStream[ChatCompletionChunk]: ...

    @overload
    async def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: bool,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]: ...

    async def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: bool = False,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        """POST /v1/chat/completions (see ``Completions.create``)."""
        body = build_request(model, messages, stream, params)
        return await self._client._send(
            body, stream=stream, timeout=timeout, max_retries=max_retries, extra_headers=extra_headers, strict=strict
        )


class AsyncChat:
    def __init__(self, client: AsyncGpt52) -> None:
        self.completions = AsyncCompletions(client)


class AsyncGpt52(_ClientSettings):
    """The asyncio twin of ``Gpt52`` (same arguments, ``http_client`` is an ``httpx.AsyncClient``)."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        max_retries: int | None = None,
        timeout: TimeoutArg = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        strict: bool = False,
        sse_limits: SSELimits | None = None,
    ) -> None:
        self._settings = _Settings(api_key, base_url, max_retries, timeout, retry, default_headers, strict, sse_limits)
        self._http = http_client or httpx.AsyncClient()
        self._settings.configure(self._http)
        #: the generated client, sharing this client's connections (for the generated ``api`` functions)
        self.generated = self._settings.generated().set_async_httpx_client(self._http)
        self.chat = AsyncChat(self)

    @overload
    async def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: Literal[False] = False,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion: ...

    @overload
    async def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: Literal[True],
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> AsyncStream[ChatCompletionChunk]: ...

    @overload
    async def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: bool,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]: ...

    async def create(
        self,
        *,
        model: ModelName,
        messages: Sequence[MessageParam],
        stream: bool = False,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        """Shortcut for ``client.chat.completions.create``."""
        return await self.chat.completions.create(
            model=model,
            messages=messages,
            stream=stream,
            timeout=timeout,
            max_retries=max_retries,
            strict=strict,
            extra_headers=extra_headers,
            **params,
        )

    async def _send(
        self,
        body: CreateChatCompletionRequest,
        *,
        stream: bool,
        timeout: TimeoutArg,
        max_retries: int | None,
        extra_headers: Mapping[str, str] | None,
        strict: bool | None = None,
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        settings = self._settings
        policy = settings.retry.with_max_retries(max_retries)
        request = settings.prepare(self._http, body, stream, timeout, extra_headers)
        retries = 0
        while True:
            cause: BaseException | None = None
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                error: APIError = connection_error(exc, request)
                cause = exc
            else:
                try:
                    if response.is_success and stream and not _is_json(response):
                        return async_chunk_stream(
                            response, strict=settings.is_strict(strict), limits=settings.sse_limits
                        )
                    await response.aread()
                except httpx.TransportError as exc:
                    await response.aclose()
                    error, cause = connection_error(exc, request), exc
                else:
                    await response.aclose()
                    if not response.is_success:
                        error = settings.status_error(response, policy)
                    elif stream:
                        error = settings.not_a_stream(response)
                    else:
                        return settings.completion(response, strict)
            error.attempts = retries + 1
            wait = policy.next_wait(error, retries)
            if wait is None:
                raise error from cause
            settings.log_retry(error, wait, retries + 1, policy)
            await policy.async_sleep(wait)
            retries += 1

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
