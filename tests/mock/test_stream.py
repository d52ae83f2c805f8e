"""Streaming: OpenAI-style chunks in conformant mode, the published chunk schema literally in strict-spec."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.mock.server import MockServer

from .helpers import MODEL, Schemas, body, events, post
from .test_conformant import WEATHER


def stream(server: MockServer, payload: dict[str, Any], **kwargs: Any) -> list[Any]:
    response = post(server.base_url, payload, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    return events(response)


def test_conformant_stream_shape(published_server: MockServer) -> None:
    out = stream(published_server, body(stream=True))
    assert out[-1] == "[DONE]"
    chunks = out[:-1]
    assert len(chunks) >= 3
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-")
    for chunk in chunks:
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["model"] == MODEL
        assert isinstance(chunk["created"], int)
        assert "usage" not in chunk
    deltas = [c["choices"][0]["delta"] for c in chunks]
    reasons = [c["choices"][0]["finish_reason"] for c in chunks]
    assert deltas[0]["role"] == "assistant"
    assert all("role" not in d for d in deltas[1:])
    assert reasons[:-1] == [None] * (len(chunks) - 1) and reasons[-1] == "stop"
    assert deltas[-1] == {}
    assert "".join(d.get("content") or "" for d in deltas)


def test_include_usage_puts_usage_on_the_last_chunk(published_server: MockServer) -> None:
    out = stream(published_server, body(stream=True, stream_options={"include_usage": True}, max_tokens=4))
    assert out[-1] == "[DONE]"
    *content, last = out[:-1]
    assert last["choices"] == []
    usage = last["usage"]
    assert usage["completion_tokens"] == 4
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert all(c["usage"] is None for c in content)
    assert content[-1]["choices"][0]["finish_reason"] == "length"


def test_n_choices_stream(published_server: MockServer) -> None:
    chunks = stream(published_server, body(stream=True, n=2))[:-1]
    for index in (0, 1):
        mine = [c["choices"][0] for c in chunks if c["choices"][0]["index"] == index]
        assert mine[0]["delta"]["role"] == "assistant"
        assert [m["finish_reason"] for m in mine][-1] == "stop"


def test_conformant_stream_breaks_the_published_chunk_schema_only_where_it_is_defective(
    published_server: MockServer, published: Schemas
) -> None:
    """The published chunk schema demands finish_reason and role+content in every delta: a spec defect."""
    chunks = stream(published_server, body(stream=True))[:-1]
    problems = {(v.path, v.schema_path.rsplit("/", 1)[-1]) for c in chunks for v in published.chunk_violations(c)}
    assert problems
    allowed = {"/choices/0/finish_reason", "/choices/0/delta/role", "/choices/0/delta/content"}
    assert {path for path, _ in problems} <= allowed


def test_conformant_stream_is_valid_against_the_normalised_chunk_schema(
    default_server: MockServer, normalised: Schemas
) -> None:
    for extra in (
        {},
        {"stream_options": {"include_usage": True}},
        {"tools": [WEATHER], "tool_choice": "required"},
        {"logprobs": True, "top_logprobs": 2},
    ):
        chunks = stream(default_server, body(stream=True, **extra))[:-1]
        for chunk in chunks:
            assert normalised.chunk_violations(chunk) == [], chunk


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"stream_options": {"include_usage": True}},
        {"n": 2},
        {"tools": [WEATHER], "tool_choice": "required"},
        {"logprobs": True, "top_logprobs": 1},
        {"max_tokens": 1},
    ],
)
def test_strict_spec_stream_satisfies_the_published_chunk_schema(
    published_server: MockServer, published: Schemas, extra: dict[str, Any]
) -> None:
    out = stream(published_server, body(stream=True, **extra), mode="strict-spec")
    assert out[-1] == "[DONE]"
    for chunk in out[:-1]:
        assert published.chunk_violations(chunk) == [], chunk
        for choice in chunk["choices"]:
            assert choice["finish_reason"] is not None
            assert choice["delta"]["role"] == "assistant" and isinstance(choice["delta"]["content"], str)


def test_streamed_tool_call(published_server: MockServer) -> None:
    chunks = stream(published_server, body(stream=True, tools=[WEATHER], tool_choice="required"))[:-1]
    first = chunks[0]["choices"][0]["delta"]
    assert first["role"] == "assistant"
    [call] = first["tool_calls"]
    assert call["id"].startswith("call_") and call["function"] == {"name": "get_weather", "arguments": ""}
    pieces = [c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in chunks[1:-1]]
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_stream_is_deterministic(published_server: MockServer) -> None:
    def strip(out: list[Any]) -> list[Any]:
        return [{k: v for k, v in c.items() if k != "created"} if isinstance(c, dict) else c for c in out]

    assert strip(stream(published_server, body(stream=True))) == strip(stream(published_server, body(stream=True)))
