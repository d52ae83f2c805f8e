"""Every feature of the GPT-5.2 client in one script: completions, streaming (sync and async), retries,
typed errors and timeouts, lenient and strict decoding.

Run it against the API (the key comes from ``AIMLAPI_KEY``):

    AIMLAPI_KEY=... python examples/client_features.py

or against the project's mock (its test key is ``mock-key-not-secret``; ``--api-key KEY`` adds others):

    python -m conformance mock --port 4010 &
    AIMLAPI_KEY=mock-key-not-secret AIMLAPI_BASE_URL=http://127.0.0.1:4010 python examples/client_features.py
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from gpt52.chat import AsyncGpt52, Gpt52
from gpt52.decode import completion_issues, decode_completion
from gpt52.exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    AuthenticationError,
    RateLimitError,
    StreamIncompleteError,
)
from gpt52.retries import RetryPolicy
from gpt52.streaming import MessageAccumulator
from gpt52_client.models.chat_completion import ChatCompletion
from gpt52_client.models.chat_completion_user_message_param import ChatCompletionUserMessageParam
from gpt52_client.models.choice_delta import ChoiceDelta

MODEL = "openai/gpt-5-2"


def complete(client: Gpt52) -> ChatCompletion:
    """A non-streamed call: a typed ``ChatCompletion`` built by the generated model."""
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": "Answer in one sentence."},
            ChatCompletionUserMessageParam(role="user", content="What is a conformance test?"),
        ],
        max_tokens=200,
    )
    choice = completion.choices[0]
    print(f"[complete] {choice.finish_reason}: {choice.message.content}")
    print(f"[complete] tokens: {completion.usage.total_tokens}")
    return completion


def stream(client: Gpt52) -> str:
    """A streamed call: typed chunks until ``data: [DONE]``, reassembled; the connection is released on exit."""
    accumulator = MessageAccumulator()
    with client.chat.completions.create(
        model=MODEL, stream=True, messages=[{"role": "user", "content": "Count to five."}]
    ) as chunks:
        for chunk in chunks:
            accumulator.add(chunk)
            for choice in chunk.choices:
                if isinstance(choice.delta, ChoiceDelta) and isinstance(choice.delta.content, str):
                    print(choice.delta.content, end="", flush=True)
    print(f"\n[stream] finish_reason={accumulator.finish_reason()} request id={chunks.request_id}")
    return accumulator.content()


def stop_early(client: Gpt52) -> None:
    """Stop reading after two chunks: ``close()`` (or leaving the ``with`` block) closes the connection."""
    chunks = client.create(model=MODEL, messages=[{"role": "user", "content": "Write a long story."}], stream=True)
    for position, _chunk in enumerate(chunks):
        if position == 1:
            break
    chunks.close()
    print(f"[stop early] read {chunks.chunks_received} chunks, connection closed: {chunks.response.is_closed}")


def retries_and_timeouts() -> Gpt52:
    """Retries (per client and per call) and timeouts (connect and read apart; per call)."""
    client = Gpt52(
        max_retries=3,  # 429, 408, 409, 5xx and connection errors
        timeout=httpx.Timeout(connect=5.0, read=120.0, write=30.0, pool=10.0),
        retry=RetryPolicy(
            initial_delay=1.0, max_delay=20.0, max_retry_after=30.0, retry_ambiguous=False
        ),  # never risk running a POST twice
    )
    completion = client.create(
        model=MODEL, messages=[{"role": "user", "content": "Hi"}], timeout=10.0, max_retries=0
    )  # this call only: 10 s, no retry
    print(f"[retries] {client!r} -> {completion.choices[0].finish_reason}")
    return client


def handle_errors(client: Gpt52) -> None:
    """Every failure is a typed error that says what happened, where, and how often it was tried."""
    try:
        client.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}], stream=True).close()
    except AuthenticationError as error:
        print(f"[errors] fix the key: {error}")
    except RateLimitError as error:
        print(f"[errors] rate limited after {error.attempts} attempts; retry after {error.retry_after} s")
    except APIStatusError as error:
        print(f"[errors] {error.status_code} {error.code} {error.message} (request id {error.request_id})")
    except StreamIncompleteError as error:
        print(f"[errors] cut after {error.chunks_received} chunks: {error}")
    except APITimeoutError as error:
        print(f"[errors] timed out; may have run on the server: {error.may_have_reached_server}")
    except APIConnectionError as error:
        print(f"[errors] no answer; may have run on the server: {error.may_have_reached_server}")
    except APIStreamError as error:
        print(f"[errors] the server failed mid-stream: {error.message}")
    except APIError as error:
        print(f"[errors] {error}")
    else:
        print("[errors] no error this time")


def strict_and_lenient(client: Gpt52) -> None:
    # strict=True holds this answer to the spec's models (APIResponseValidationError names the member)
    completion = client.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}], strict=True)
    print(f"[strict] the answer matches the spec: {completion.choices[0].finish_reason}")
    # by default an answer is read as sent, like the official SDK: here a provider's own finish_reason
    sent = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "provider": "example",
        "choices": [{"index": 0, "finish_reason": "end_turn", "message": {"role": "assistant", "content": "Hello"}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    lenient = decode_completion(sent)
    print(
        f"[decode] finish_reason={lenient.choices[0].finish_reason!r} provider={lenient['provider']!r}; "
        f"strict mode would refuse: {', '.join(str(issue) for issue in completion_issues(sent))}"
    )


async def stream_async() -> str:
    """The async client: same arguments, ``await`` the call, ``async for`` the chunks."""
    async with AsyncGpt52(max_retries=2) as client:
        completion = await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hello"}])
        accumulator = MessageAccumulator()
        async with await client.create(
            model=MODEL, messages=[{"role": "user", "content": "Hello"}], stream=True
        ) as chunks:
            async for chunk in chunks:
                accumulator.add(chunk)
    print(f"[async] {completion.choices[0].message.content!r} / streamed {accumulator.content()!r}")
    return accumulator.content()


def main() -> int:
    logging.basicConfig(format="%(name)s: %(message)s")
    logging.getLogger("gpt52").setLevel(logging.INFO)  # one line per retry: why, and the wait
    with Gpt52() as client:
        complete(client)
        stream(client)
        stop_early(client)
        handle_errors(client)
        strict_and_lenient(client)
    retries_and_timeouts().close()
    asyncio.run(stream_async())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
