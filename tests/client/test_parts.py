"""The client's parts without a server: SSE parsing, Retry-After, the retry policy, errors, keys and URLs,
requests built from the generated model, and nulls in answers."""

from __future__ import annotations

import email.utils
from typing import Any

import httpx
import pytest
from gpt52.chat import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, AsyncGpt52, Gpt52, build_request
from gpt52.decode import decode_chunk, decode_completion
from gpt52.exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    UnprocessableEntityError,
    connection_error,
    status_error,
)
from gpt52.retries import RetryPolicy, parse_retry_after
from gpt52.streaming import ServerSentEvent, SSEDecoder
from gpt52_client.models.chat_completion_user_message_param import ChatCompletionUserMessageParam
from hypothesis import given
from hypothesis import strategies as st

from .conftest import FakeClock, chunk, completion_body

# -- SSE -----------------------------------------------------------------------------------------------


def parse(*pieces: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [e for piece in pieces for e in decoder.feed(piece)]
    return events + decoder.close()


def test_sse_fields_comments_and_multiline_data() -> None:
    text = (
        b": a comment\nevent: error\nid: 7\nretry: 1500\ndata: first\ndata:second\ndata\n\n"
        b'data: {"a": 1}\n\nunknown: x\n\n'
    )
    assert parse(text) == [
        ServerSentEvent("first\nsecond\n", "error", "7", 1500),
        ServerSentEvent('{"a": 1}', None, "7", 1500),
    ]


def test_sse_line_ends_split_across_reads() -> None:
    assert parse(b"data: a\r", b"\n\r", b"\ndata: b\r\r") == [ServerSentEvent("a"), ServerSentEvent("b")]


def test_sse_end_of_input() -> None:
    # complete lines without the closing blank line are dispatched; a partial line is not
    assert parse(b"data: [DONE]\n") == [ServerSentEvent("[DONE]")]
    assert parse(b'data: whole\n\ndata: {"cut') == [ServerSentEvent("whole")]


EVENTS = st.lists(
    st.tuples(
        st.none() | st.sampled_from(["error", "message"]),
        st.lists(
            st.text(st.characters(exclude_characters="\r\n", exclude_categories=("Cs",)), max_size=10),
            min_size=1,
            max_size=3,
        ),
    ),
    max_size=8,
)


@given(events=EVENTS, eol=st.sampled_from([b"\n", b"\r\n", b"\r"]), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_sse_events_survive_any_line_end_and_any_split(
    events: list[tuple[str | None, list[str]]], eol: bytes, cuts: list[int]
) -> None:
    raw = b""
    for name, lines in events:
        if name:
            raw += b"event: " + name.encode() + eol
        raw += b"".join(b"data: " + line.encode() + eol for line in lines) + eol
    points = sorted({min(c, len(raw)) for c in cuts})
    pieces = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    expected = [ServerSentEvent("\n".join(lines), name) for name, lines in events]
    assert parse(*pieces) == expected


# -- Retry-After and the policy ----------------------------------------------------------------------------

NOW = 1_733_832_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": email.utils.formatdate(NOW + 42, usegmt=True)}, 42.0),
        ({"retry-after": email.utils.formatdate(NOW - 10, usegmt=True)}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-1"}, None),
        ({}, None),
    ],
)
def test_retry_after_in_seconds_milliseconds_and_http_dates(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers), NOW) == expected


def response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("POST", "https://api.aimlapi.com/v1/chat/completions")
    content = b"" if body is None else (body if isinstance(body, bytes) else httpx.Response(200, json=body).content)
    return httpx.Response(status, content=content, headers=headers, request=request)


def test_backoff_is_exponential_capped_and_jittered_down_by_at_most_a_quarter() -> None:
    exact = FakeClock(jitter=0.0).policy(max_retries=10)
    assert [exact.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    most = FakeClock(jitter=1.0).policy()
    assert [most.backoff(n) for n in range(3)] == [0.375, 0.75, 1.5]


@pytest.mark.parametrize(
    ("status", "retried", "retried_when_unambiguous_only"),
    [
        (400, False, False),
        (401, False, False),
        (403, False, False),
        (404, False, False),
        (422, False, False),
        (408, True, True),
        (409, True, True),
        (429, True, True),
        (503, True, True),
        (500, True, False),
        (502, True, False),
        (504, True, False),
    ],
)
def test_which_statuses_are_retried(status: int, retried: bool, retried_when_unambiguous_only: bool) -> None:
    error = status_error(response(status, {"error": {"message": "m"}}))
    assert RetryPolicy().is_retryable(error) is retried
    assert RetryPolicy(retry_ambiguous=False).is_retryable(error) is retried_when_unambiguous_only


def test_the_server_can_force_or_forbid_a_retry() -> None:
    assert RetryPolicy().is_retryable(status_error(response(400, headers={"x-should-retry": "true"})))
    assert not RetryPolicy().is_retryable(status_error(response(500, headers={"x-should-retry": "false"})))


def test_next_wait_counts_retries_and_honours_the_cap() -> None:
    policy = FakeClock(jitter=0.0).policy(max_retries=2, max_retry_after=30)
    error = status_error(response(500))
    assert [policy.next_wait(error, n) for n in range(3)] == [0.5, 1.0, None]
    assert policy.next_wait(status_error(response(429), retry_after=30.0), 0) == 30.0
    assert policy.next_wait(status_error(response(429), retry_after=31.0), 0) is None
    assert policy.with_max_retries(0).next_wait(error, 0) is None
    with pytest.raises(ValueError, match="max_retries must be 0 or more"):
        RetryPolicy(max_retries=-1)


# -- errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_each_status_has_its_error_class(status: int, cls: type[APIStatusError]) -> None:
    error = status_error(
        response(
            status, {"error": {"message": "nope", "type": "t", "param": "p", "code": "c"}}, {"x-request-id": "req_1"}
        )
    )
    assert type(error) is cls
    assert (error.status_code, error.message, error.type, error.param, error.code, error.request_id) == (
        status,
        "nope",
        "t",
        "p",
        "c",
        "req_1",
    )
    assert isinstance(error, BadRequestError) is (status in (400, 422))


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        (
            {"error": {"message": "spec shape", "type": "invalid_request_error", "param": None, "code": 42}},
            "spec shape",
            "42",
        ),
        ({"error": "a bare string"}, "a bare string", None),
        ({"message": "top-level message", "code": "x"}, "top-level message", "x"),
        ({"detail": "framework detail"}, "framework detail", None),
        (b"<html>Bad gateway</html>", "<html>Bad gateway</html>", None),
        (None, "no error message in the 502 response", None),
    ],
)
def test_error_bodies_of_every_common_shape(body: Any, message: str, code: str | None) -> None:
    error = status_error(response(502, body))
    assert (error.message, error.code) == (message, code)


def test_an_error_message_says_what_where_and_how_often() -> None:
    error = status_error(
        response(
            401,
            {
                "error": {
                    "message": "Incorrect API key provided.",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            },
            {"x-request-id": "req_9"},
        )
    )
    error.attempts = 1
    assert str(error) == (
        "the API key was missing or rejected; check AIMLAPI_KEY or the api_key you passed (401 Unauthorized): "
        "Incorrect API key provided. [POST https://api.aimlapi.com/v1/chat/completions; "
        "type=invalid_request_error; code=invalid_api_key; request id req_9]"
    )


def test_transport_errors_say_whether_the_request_may_have_run() -> None:
    request = httpx.Request("POST", "https://api.aimlapi.com/v1/chat/completions")
    refused = connection_error(httpx.ConnectError("refused"), request)
    connect_timeout = connection_error(httpx.ConnectTimeout("slow"), request)
    read_timeout = connection_error(httpx.ReadTimeout("slow"), request)
    dropped = connection_error(httpx.RemoteProtocolError("peer closed"), request)
    assert (type(refused), refused.may_have_reached_server) == (APIConnectionError, False)
    assert (type(connect_timeout), connect_timeout.may_have_reached_server) == (APITimeoutError, False)
    assert (type(read_timeout), read_timeout.may_have_reached_server) == (APITimeoutError, True)
    assert (type(dropped), dropped.may_have_reached_server) == (APIConnectionError, True)
    assert str(connect_timeout).startswith("timed out connecting (slow)")


# -- keys, URLs, timeouts ------------------------------------------------------------------------------------


def test_the_key_comes_from_the_environment_and_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", "sk-from-env-123")
    monkeypatch.delenv("AIMLAPI_BASE_URL", raising=False)
    client = Gpt52()
    try:
        assert client.base_url == DEFAULT_BASE_URL
        assert client.generated.token == "sk-from-env-123"
        for text in (
            repr(client),
            repr(client.generated),
            repr(client._http.headers),
            str(vars(client)),
            str(vars(client._settings)),
        ):
            assert "sk-from-env-123" not in text
    finally:
        client.close()


def test_the_key_is_sent_as_a_bearer_token(loopback: Any) -> None:
    with Gpt52(api_key="sk-sent-456", base_url=loopback.base_url) as client:
        client.create(model="openai/gpt-5-2", messages=[{"role": "user", "content": "x"}])
    assert loopback.requests[-1]["authorization"] == "Bearer sk-sent-456"


def test_no_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMLAPI_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="set the AIMLAPI_KEY environment variable"):
        Gpt52()
    with pytest.raises(ConfigurationError):
        AsyncGpt52(api_key="  ")


@pytest.mark.parametrize("url", ["http://api.aimlapi.com", "http://10.0.0.7:8080", "http://example.localhost.com"])
def test_a_key_is_never_sent_over_plain_http_to_another_host(url: str) -> None:
    with pytest.raises(ConfigurationError, match="refusing to send the API key over plain http"):
        Gpt52(api_key="sk-x", base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:4010",
        "http://127.0.0.1:1",
        "http://[::1]:8080/",
        "https://gateway.example.com/v2",
        "http://mock.localhost",
    ],
)
def test_https_and_loopback_urls_are_accepted(url: str) -> None:
    client = Gpt52(api_key="sk-x", base_url=url)
    client.close()
    assert client.base_url == url.rstrip("/")


@pytest.mark.parametrize("url", ["ftp://api.aimlapi.com", "api.aimlapi.com", "https://"])
def test_a_base_url_must_be_http_with_a_host(url: str) -> None:
    with pytest.raises(ConfigurationError):
        Gpt52(api_key="sk-x", base_url=url)


def test_timeouts_default_to_a_quick_connect_and_a_long_read() -> None:
    client = Gpt52(api_key="sk-x")
    client.close()
    assert (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read) == (5.0, 600.0)
    assert client.timeout == DEFAULT_TIMEOUT and client.max_retries == 2
    other = Gpt52(api_key="sk-x", timeout=30.0, retry=RetryPolicy(max_retries=5))
    other.close()
    assert other.timeout == httpx.Timeout(30.0) and other.max_retries == 5
    assert Gpt52(api_key="sk-x", max_retries=1, retry=RetryPolicy(max_retries=5)).max_retries == 1


# -- requests ------------------------------------------------------------------------------------------------


def test_requests_are_built_with_the_generated_model() -> None:
    body = build_request(
        "openai/gpt-5-2",
        [ChatCompletionUserMessageParam(role="user", content="hi"), {"role": "assistant", "content": "hello"}],
        True,
        {"temperature": 0.2, "max_tokens": 5, "vendor_extra": {"a": 1}},
    )
    assert body.to_dict() == {
        "model": "openai/gpt-5-2",
        "stream": True,
        "temperature": 0.2,
        "max_tokens": 5,
        "vendor_extra": {"a": 1},
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
    }
    assert (
        "stream"
        not in build_request("openai/gpt-5-2", [{"role": "user", "content": "x"}], False, {"stream": True}).to_dict()
    )


@pytest.mark.parametrize(
    ("model", "messages", "params", "expected"),
    [
        (
            "openai/gpt-5-2",
            [{"role": "user", "content": "x"}],
            {"tools": 5},
            "the arguments do not form a request the spec accepts",
        ),
        ("", [{"role": "user", "content": "x"}], {}, "model must be a non-empty string"),
        ("openai/gpt-5-2", "hello", {}, "messages must be a list of messages, got str"),
        ("openai/gpt-5-2", [{"content": "x"}], {}, r"messages\[0\] must be a message with a role"),
        (
            "openai/gpt-5-2",
            [{"role": "user", "content": "x"}],
            {"reasoning_effort": "extreme"},
            "reasoning_effort|extreme",
        ),
    ],
)
def test_a_request_the_spec_rejects_is_not_sent(
    model: str, messages: Any, params: dict[str, Any], expected: str
) -> None:
    with pytest.raises(RequestValidationError, match=expected):
        build_request(model, messages, False, params)


@pytest.mark.parametrize("model", ["openai/gpt-5-2-pro", "openai/gpt-5-2-chat-latest", "gpt-4o"])
def test_model_takes_the_family_ids_and_any_other_name(model: str) -> None:
    """The spec lists the GPT-5.2 family's ids and takes any string, as the OpenAI SDK does."""
    assert build_request(model, [{"role": "user", "content": "x"}], False, {}).to_dict()["model"] == model


# -- nulls in answers --------------------------------------------------------------------------------------


def test_nulls_the_spec_allows_decode_as_none() -> None:
    decoded = decode_chunk(chunk({"role": "assistant", "content": None}, None))
    choice = decoded.choices[0]
    assert choice.finish_reason is None and choice.logprobs is None
    assert decoded.usage is None and decoded.service_tier is None


def test_nulls_in_optional_members_the_spec_does_not_allow_read_as_absent() -> None:
    from gpt52_client.types import Unset

    decoded = decode_chunk(chunk({"role": None, "content": "x"}, "stop"))
    assert isinstance(decoded.choices[0].delta, object)
    delta = decoded.choices[0].delta
    assert delta is not None and not isinstance(delta, Unset) and isinstance(delta.role, Unset)
    body = completion_body({"model": "openai/gpt-5-2", "messages": []})
    body["choices"][0]["message"]["annotations"] = None
    completion = decode_completion(body)
    assert completion.choices[0].message.annotations is None


def test_any_model_id_is_sent_as_given() -> None:
    """The spec's ids are typing hints: a gateway serves sibling models the spec does not list."""
    for model in ("openai/gpt-5-2-pro", "openai/gpt-5-2-chat-latest", "gpt-4o"):
        body = build_request(model, [{"role": "user", "content": "x"}], False, {})
        assert body.to_dict()["model"] == model


def test_a_null_in_a_required_member_is_kept_by_default_and_rejected_when_strict() -> None:
    body = completion_body({"model": "openai/gpt-5-2", "messages": []})
    body["choices"][0]["finish_reason"] = None
    assert decode_completion(body).choices[0].finish_reason is None
    with pytest.raises(APIResponseValidationError, match=r"choices\[0\]\.finish_reason: expected one of .*found null"):
        decode_completion(body, strict=True)


# -- events to chunks ---------------------------------------------------------------------------------------


def test_named_events_other_than_message_and_error_carry_no_chunk() -> None:
    from gpt52._decode import decode_chunk as decode
    from gpt52.exceptions import APIStreamError
    from gpt52.streaming import Stream

    raw = (
        b"event: ping\ndata: {}\n\n"
        + b"event: message\ndata: "
        + httpx.Response(200, json=chunk({"content": "a"}, None)).content
        + b"\n\n"
        + b"data: [DONE]\n\n"
    )
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    stream = Stream(httpx.Response(200, content=raw, request=request), decode)
    assert [c.choices[0].delta.content for c in stream] == ["a"]  # type: ignore[union-attr]
    failing = Stream(httpx.Response(200, content=b"event: error\ndata: overloaded\n\n", request=request), decode)
    with pytest.raises(APIStreamError, match="overloaded"):
        list(failing)
