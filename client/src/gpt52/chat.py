"""The client to use: ``Gpt52`` (sync) and ``AsyncGpt52`` (async).

Built on the generated ``AuthenticatedClient``, request builder and models:

    from gpt52.chat import Gpt52

    with Gpt52() as client:                      # key from AIMLAPI_KEY
        completion = client.chat.completions.create(
            model="openai/gpt-5-2", messages=[{"role": "user", "content": "Hello"}])
        print(completion.choices[0].message.content)

``create(..., stream=True)`` returns a ``Stream`` of ``ChatCompletionChunk``.
Failures raise the errors of ``gpt52.exceptions``; retries follow
``gpt52.retries.RetryPolicy`` (2 retries by default).

Answers are decoded leniently, like the official ``openai`` SDK (``gpt52.decode``): an
unknown enum value, an unexpected null or a missing member does not fail the call. ``strict=True``
(per client, or per call) holds every answer to the spec's models and raises
``APIResponseValidationError`` naming the member. ``model`` takes any string: the spec's ids are
typing hints, not a limit (a gateway serves more models than one spec lists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, overload

import httpx
from gpt52_client.models import ChatCompletion, ChatCompletionChunk, CreateChatCompletionRequest

from ._settings import (
    API_KEY_ENV,
    BASE_URL_ENV,
    CHAT_COMPLETIONS_PATH,
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    MessageParam,
    ModelName,
    TimeoutArg,
    _ClientSettings,
    _is_json,
    _Settings,
    build_request,
)
from .aio import AsyncGpt52
from .exceptions import APIError, connection_error
from .retries import RetryPolicy
from .sse import SSELimits
from .streaming import Stream, chunk_stream
from .tls import default_context

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "CHAT_COMPLETIONS_PATH",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "AsyncGpt52",
    "Gpt52",
    "MessageParam",
    "ModelName",
    "build_request",
]


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
        self._http = http_client or httpx.Client(verify=default_context())
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
