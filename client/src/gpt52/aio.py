"""``AsyncGpt52``: the asyncio twin of ``Gpt52`` (same arguments; ``http_client`` is an ``httpx.AsyncClient``).

from gpt52 import AsyncGpt52

async with AsyncGpt52() as client:
    completion = await client.chat.completions.create(model="openai/gpt-5-2", messages=[...])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, overload

import httpx
from gpt52_client.models import ChatCompletion, ChatCompletionChunk, CreateChatCompletionRequest

from ._settings import (
    DEFAULT_TIMEOUT,
    MessageParam,
    ModelName,
    TimeoutArg,
    _ClientSettings,
    _is_json,
    _Settings,
    build_request,
)
from .exceptions import APIError, connection_error
from .retries import RetryPolicy
from .sse import SSELimits
from .streaming import AsyncStream, async_chunk_stream
from .tls import default_context

__all__ = ["AsyncChat", "AsyncCompletions", "AsyncGpt52"]


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
        self._http = http_client or httpx.AsyncClient(verify=default_context())
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
