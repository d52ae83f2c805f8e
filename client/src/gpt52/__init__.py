"""``gpt52``: the hand-written client for the AI/ML API GPT-5.2 chat completions endpoint.

    from gpt52 import Gpt52

    with Gpt52() as client:                      # key from AIMLAPI_KEY
        completion = client.chat.completions.create(
            model="openai/gpt-5-2", messages=[{"role": "user", "content": "Hello"}])

It is built on the generated package ``gpt52_client`` (models, ``AuthenticatedClient``), which it imports
by name and through its public surface only. Modules: ``gpt52.chat`` (``Gpt52``), ``gpt52.aio``
(``AsyncGpt52``), ``gpt52.streaming``, ``gpt52.accumulate``, ``gpt52.decode``, ``gpt52.retries``,
``gpt52.exceptions``, ``gpt52.tls`` (the TLS context its own connections share) and ``gpt52.sse`` (the
event-stream decoder, which needs nothing of the generated package). The names below are imported on first
use, so ``import gpt52.sse`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .accumulate import AccumulatedToolCall, MessageAccumulator
    from .aio import AsyncGpt52
    from .chat import Gpt52
    from .decode import DecodeIssue, chunk_issues, completion_issues, decode_chunk, decode_completion
    from .exceptions import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APIStreamError,
        APITimeoutError,
        Gpt52Error,
        RateLimitError,
        StreamDecodeError,
        StreamIncompleteError,
    )
    from .retries import RetryPolicy
    from .sse import SSEDecoder, SSELimits
    from .streaming import AsyncStream, Stream

__version__ = "0.1.0"

_WHERE = {
    "AccumulatedToolCall": "accumulate",
    "MessageAccumulator": "accumulate",
    "AsyncGpt52": "aio",
    "Gpt52": "chat",
    "DecodeIssue": "decode",
    "chunk_issues": "decode",
    "completion_issues": "decode",
    "decode_chunk": "decode",
    "decode_completion": "decode",
    "APIConnectionError": "exceptions",
    "APIError": "exceptions",
    "APIResponseValidationError": "exceptions",
    "APIStatusError": "exceptions",
    "APIStreamError": "exceptions",
    "APITimeoutError": "exceptions",
    "Gpt52Error": "exceptions",
    "RateLimitError": "exceptions",
    "StreamDecodeError": "exceptions",
    "StreamIncompleteError": "exceptions",
    "RetryPolicy": "retries",
    "SSEDecoder": "sse",
    "SSELimits": "sse",
    "AsyncStream": "streaming",
    "Stream": "streaming",
}

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AccumulatedToolCall",
    "AsyncGpt52",
    "AsyncStream",
    "DecodeIssue",
    "Gpt52",
    "Gpt52Error",
    "MessageAccumulator",
    "RateLimitError",
    "RetryPolicy",
    "SSEDecoder",
    "SSELimits",
    "Stream",
    "StreamDecodeError",
    "StreamIncompleteError",
    "chunk_issues",
    "completion_issues",
    "decode_chunk",
    "decode_completion",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'gpt52' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
