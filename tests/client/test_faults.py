"""The client over real servers: every fault mode of the mock gives the documented error, attempts and waits.

Each test runs four times: sync and async client (``kind``), against the project's mock and the loopback
server (``server_url``). Waits come from a fake clock (jitter fixed at 0.5: backoff 0.5 s and 1 s become
0.4375 s and 0.875 s); attempts are counted on the wire by an httpx event hook.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from gpt52.exceptions import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    StreamIncompleteError,
)
from gpt52.streaming import MessageAccumulator

from .conftest import Api

BACKOFF = [0.4375, 0.875]  # 0.5 * 2**n * (1 - 0.25 * 0.5)

MakeApi = Callable[..., Api]


def test_a_conformant_answer_is_a_typed_completion(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    completion = api.create()
    assert completion.object_ == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert isinstance(completion.choices[0].message.content, str) and completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert api.attempts == ["conformant"] and api.sleeps == []


def test_a_stream_ends_at_done_with_typed_chunks(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    chunks = api.stream()
    assert len(chunks) >= 3
    assert all(c.object_ == "chat.completion.chunk" for c in chunks)
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1].choices[0].finish_reason == "stop"
    accumulator = MessageAccumulator()
    for c in chunks:
        accumulator.add(c)
    assert accumulator.role() == "assistant"
    assert accumulator.content()


def test_a_streamed_answer_reassembles_into_the_non_streamed_text(make_api: MakeApi, loopback: object) -> None:
    api = make_api(loopback.base_url)  # type: ignore[attr-defined]
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name five letters."}]
    whole = api.create(messages=messages)
    accumulator = MessageAccumulator()
    for c in api.stream(messages=messages):
        accumulator.add(c)
    assert accumulator.content() == whole.choices[0].message.content
    assert accumulator.finish_reason() == whole.choices[0].finish_reason == "stop"


def test_a_streamed_answer_from_the_mock_reassembles_into_its_non_streamed_text(
    make_api: MakeApi, mock_server: object
) -> None:
    api = make_api(mock_server.base_url)  # type: ignore[attr-defined]
    whole = api.create()
    accumulator = MessageAccumulator()
    for c in api.stream():
        accumulator.add(c)
    assert accumulator.content() == whole.choices[0].message.content
    assert accumulator.content()
    assert accumulator.finish_reason() == whole.choices[0].finish_reason


# -- 429 and 5xx ---------------------------------------------------------------------------------------


def test_429_is_retried_after_the_servers_retry_after_then_raises(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    with pytest.raises(RateLimitError) as caught:
        api.create(extra_headers={"X-Mock-Mode": "rate-limit", "X-Mock-Retry-After": "3"})
    error = caught.value
    assert api.attempts == ["rate-limit"] * 3
    assert api.sleeps == [3.0, 3.0]
    assert (error.status_code, error.retry_after, error.attempts) == (429, 3.0, 3)
    assert error.code == "rate_limit_exceeded" and error.message.startswith("Rate limit reached")
    assert "rate limited" in str(error) and "3 attempts" in str(error) and "retry after 3 s" in str(error)


def test_429_then_success_returns_the_answer(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url, script=["rate-limit", "rate-limit", "conformant"])
    completion = api.create(extra_headers={"X-Mock-Retry-After": "2"})
    assert completion.choices[0].finish_reason == "stop"
    assert api.attempts == ["rate-limit", "rate-limit", "conformant"]
    assert api.sleeps == [2.0, 2.0]


def test_a_retry_after_longer_than_the_cap_is_not_waited_out(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    with pytest.raises(RateLimitError) as caught:
        api.create(extra_headers={"X-Mock-Mode": "rate-limit", "X-Mock-Retry-After": "120"})
    assert api.attempts == ["rate-limit"] and api.sleeps == []
    assert caught.value.retry_after == 120.0 and caught.value.attempts == 1


@pytest.mark.parametrize("mode", ["error-500", "error-502"])
def test_500_and_502_are_retried_with_backoff_then_raise(make_api: MakeApi, server_url: str, mode: str) -> None:
    api = make_api(server_url)
    with pytest.raises(InternalServerError) as caught:
        api.create(extra_headers={"X-Mock-Mode": mode})
    assert api.attempts == [mode] * 3
    assert api.sleeps == BACKOFF
    assert caught.value.status_code == int(mode[-3:]) and caught.value.type == "server_error"


def test_503_waits_its_retry_after(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url, script=["error-503", "conformant"])
    completion = api.create(extra_headers={"X-Mock-Retry-After": "4"})
    assert completion.choices
    assert api.attempts == ["error-503", "conformant"] and api.sleeps == [4.0]


def test_5xx_retries_are_bounded_by_a_per_call_override(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    with pytest.raises(InternalServerError) as caught:
        api.create(extra_headers={"X-Mock-Mode": "error-500"}, max_retries=4)
    assert api.attempts == ["error-500"] * 5
    assert api.sleeps == [0.4375, 0.875, 1.75, 3.5]
    assert caught.value.attempts == 5


def test_a_client_without_retries_raises_at_once(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url, max_retries=0)
    with pytest.raises(InternalServerError):
        api.create(extra_headers={"X-Mock-Mode": "error-502"})
    assert api.attempts == ["error-502"] and api.sleeps == []


def test_a_stream_request_is_retried_before_it_starts(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url, script=["error-502", "rate-limit", "conformant"])
    chunks = api.stream(extra_headers={"X-Mock-Retry-After": "1"})
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert api.attempts == ["error-502", "rate-limit", "conformant"]
    assert api.sleeps == [0.4375, 1.0]


def test_ambiguous_failures_are_not_retried_when_asked(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url, retry=None, max_retries=2)
    api_safe = make_api(server_url, retry=api.clock.policy(retry_ambiguous=False))
    with pytest.raises(InternalServerError):
        api_safe.create(extra_headers={"X-Mock-Mode": "error-500"})
    assert api_safe.attempts == ["error-500"]
    with pytest.raises(InternalServerError):
        api_safe.create(extra_headers={"X-Mock-Mode": "error-503", "X-Mock-Retry-After": "1"})
    assert api_safe.attempts == ["error-500"] + ["error-503"] * 3


# -- connections and timeouts ----------------------------------------------------------------------------


def test_a_dropped_connection_is_retried_and_said_to_maybe_have_reached_the_server(
    make_api: MakeApi, server_url: str
) -> None:
    api = make_api(server_url)
    with pytest.raises(APIConnectionError) as caught:
        api.create(extra_headers={"X-Mock-Mode": "drop"})
    error = caught.value
    assert type(error) is APIConnectionError
    assert error.may_have_reached_server is True
    assert api.attempts == ["drop"] * 3 and api.sleeps == BACKOFF
    assert "connection failed before a complete answer" in str(error)


def test_a_dropped_connection_is_not_retried_when_ambiguous_retries_are_off(make_api: MakeApi, server_url: str) -> None:
    clock_api = make_api(server_url)
    api = make_api(server_url, retry=clock_api.clock.policy(retry_ambiguous=False))
    with pytest.raises(APIConnectionError):
        api.create(extra_headers={"X-Mock-Mode": "drop"})
    assert api.attempts == ["drop"]


def test_a_stream_dropped_mid_body_raises_incomplete_and_is_not_retried(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    with pytest.raises(StreamIncompleteError) as caught:
        api.stream(extra_headers={"X-Mock-Mode": "drop"})
    assert caught.value.chunks_received >= 1
    assert "before data: [DONE]" in str(caught.value)
    assert api.attempts == ["drop"] and api.sleeps == []


def test_a_stream_cut_before_done_raises_never_ends_silently(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    with pytest.raises(StreamIncompleteError) as caught:
        api.stream(extra_headers={"X-Mock-Mode": "stream-cut"})
    assert caught.value.chunks_received >= 1
    assert caught.value.may_have_reached_server is True
    assert api.attempts == ["stream-cut"] and api.sleeps == []


def test_latency_past_the_read_timeout_raises_a_timeout_after_retries(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    with pytest.raises(APITimeoutError) as caught:
        api.create(extra_headers={"X-Mock-Mode": "latency", "X-Mock-Latency-Ms": "600"}, timeout=0.15)
    assert api.attempts == ["latency"] * 3 and api.sleeps == BACKOFF
    assert caught.value.may_have_reached_server is True
    assert "timed out waiting for the answer" in str(caught.value)


def test_latency_past_the_timeout_of_a_stream_request(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url, max_retries=1)
    with pytest.raises(APITimeoutError):
        api.stream(extra_headers={"X-Mock-Mode": "latency", "X-Mock-Latency-Ms": "600"}, timeout=0.15)
    assert api.attempts == ["latency"] * 2 and api.sleeps == [0.4375]


def test_latency_within_the_timeout_answers(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url, timeout=5.0)
    completion = api.create(extra_headers={"X-Mock-Mode": "latency", "X-Mock-Latency-Ms": "50"})
    assert completion.choices and api.attempts == ["latency"] and api.sleeps == []


def test_a_refused_connection_never_reached_the_server_and_is_retried(make_api: MakeApi, closed_port: int) -> None:
    api = make_api(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(APIConnectionError) as caught:
        api.create()
    assert caught.value.may_have_reached_server is False
    assert len(api.attempts) == 3 and api.sleeps == BACKOFF
    assert "could not connect" in str(caught.value)


# -- errors that are not retried ----------------------------------------------------------------------


def test_a_rejected_key_raises_authentication_error_without_retry(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url)
    with pytest.raises(AuthenticationError) as caught:
        api.create(extra_headers={"Authorization": "Token not-a-bearer"})
    assert caught.value.status_code == 401 and api.attempts == ["conformant"]
    assert "AIMLAPI_KEY" in str(caught.value)
    assert "not-a-bearer" not in str(caught.value)


def test_a_wrong_base_path_raises_not_found(make_api: MakeApi, server_url: str) -> None:
    api = make_api(server_url + "/nowhere")
    with pytest.raises(NotFoundError) as caught:
        api.create()
    assert caught.value.status_code == 404 and len(api.attempts) == 1
    assert "check base_url" in str(caught.value)


def test_a_request_the_mock_refuses_raises_bad_request_with_the_param(make_api: MakeApi, mock_server: object) -> None:
    api = make_api(mock_server.base_url)  # type: ignore[attr-defined]
    with pytest.raises(BadRequestError) as caught:
        api.create(n=1000)
    assert caught.value.status_code == 400 and caught.value.param == "n"
    assert len(api.attempts) == 1
