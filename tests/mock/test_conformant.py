"""Conformant mode: valid against the 200 schema, realistic, deterministic for a seed and a request."""

from __future__ import annotations

import json
import time
from typing import Any

import jsonschema
import pytest

from conformance.mock.server import MockServer

from .helpers import MODEL, Schemas, body, events, post

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city", "days"],
            "additionalProperties": False,
        },
    },
}
CLOCK: dict[str, Any] = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


def completion(server: MockServer, payload: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    response = post(server.base_url, payload, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    data: dict[str, Any] = response.json()
    return data


def test_realistic_and_valid_against_the_published_schema(published_server: MockServer, published: Schemas) -> None:
    before = int(time.time())
    data = completion(published_server, body())
    assert published.completion_violations(data) == []
    assert data["id"].startswith("chatcmpl-") and len(data["id"]) == len("chatcmpl-") + 29
    assert data["object"] == "chat.completion"
    assert isinstance(data["created"], int) and before - 1 <= data["created"] <= int(time.time()) + 1
    assert data["model"] == MODEL
    [choice] = data["choices"]
    assert choice["index"] == 0
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str) and choice["message"]["content"]
    usage = data["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0


def test_n_choices(published_server: MockServer, published: Schemas) -> None:
    data = completion(published_server, body(n=3))
    assert published.completion_violations(data) == []
    assert [c["index"] for c in data["choices"]] == [0, 1, 2]
    assert len({c["message"]["content"] for c in data["choices"]}) == 3


def test_max_tokens_cuts_with_finish_reason_length(published_server: MockServer) -> None:
    data = completion(published_server, body(max_tokens=2))
    assert data["choices"][0]["finish_reason"] == "length"
    assert data["usage"]["completion_tokens"] == 2


def test_deterministic_for_seed_and_request(published_server: MockServer) -> None:
    def strip(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k != "created"}

    first = completion(published_server, body())
    again = completion(published_server, body())
    assert strip(first) == strip(again)
    other_request = completion(published_server, body(messages=[{"role": "user", "content": "Bye"}]))
    assert other_request["id"] != first["id"]
    other_seed = completion(published_server, body(), headers={"X-Mock-Seed": "7"})
    assert other_seed["id"] != first["id"]
    assert strip(completion(published_server, body(), headers={"X-Mock-Seed": "7"})) == strip(other_seed)


@pytest.mark.parametrize("tool_choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_tool_call_when_tool_choice_asks(published_server: MockServer, published: Schemas, tool_choice: Any) -> None:
    data = completion(
        published_server,
        body(tools=[CLOCK, WEATHER] if tool_choice != "required" else [WEATHER], tool_choice=tool_choice),
    )
    assert published.completion_violations(data) == []
    choice = data["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    [call] = choice["message"]["tool_calls"]
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    jsonschema.validate(json.loads(call["function"]["arguments"]), WEATHER["function"]["parameters"])
    # the published spec says content is a non-nullable string: conformant mode keeps it one
    assert choice["message"]["content"] == ""


def test_no_tool_call_when_tool_choice_is_auto_or_none(published_server: MockServer) -> None:
    for choice in ("auto", "none", None):
        extra = {"tools": [WEATHER]} if choice is None else {"tools": [WEATHER], "tool_choice": choice}
        data = completion(published_server, body(**extra))
        assert "tool_calls" not in data["choices"][0]["message"]
        assert data["choices"][0]["finish_reason"] == "stop"


def test_tool_call_content_stays_published_valid_on_the_normalised_spec(
    default_server: MockServer, normalised: Schemas, published: Schemas
) -> None:
    """Conformant answers are valid against the published spec even when the mock serves the normalised one;
    `content: null` beside tool calls (as OpenAI sends it) is the content-null-with-tool-calls drift mode."""
    minimal = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    assert normalised.completion.is_valid(minimal), "the normalised 200 schema changed: update this test"
    data = completion(default_server, body(tools=[WEATHER], tool_choice="required"))
    assert normalised.completion_violations(data) == []
    assert published.completion_violations(data) == []
    assert data["choices"][0]["message"]["content"] == ""
    assert data["choices"][0]["finish_reason"] == "tool_calls"
    drifted = completion(
        default_server,
        body(tools=[WEATHER], tool_choice="required"),
        headers={"X-Mock-Mode": "content-null-with-tool-calls"},
    )
    assert drifted["choices"][0]["message"]["content"] is None
    assert normalised.completion_violations(drifted) == []


def test_json_object_response_format(published_server: MockServer, published: Schemas) -> None:
    data = completion(published_server, body(response_format={"type": "json_object"}))
    assert published.completion_violations(data) == []
    assert isinstance(json.loads(data["choices"][0]["message"]["content"]), dict)


@pytest.mark.parametrize(
    "schema",
    [
        {
            "type": "object",
            "properties": {"name": {"type": "string", "minLength": 3}, "age": {"type": "integer", "minimum": 18}},
            "required": ["name", "age"],
            "additionalProperties": False,
        },
        {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "minItems": 2, "uniqueItems": True},
        {
            "type": "object",
            "properties": {"tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}, "minItems": 1}},
            "required": ["tags"],
            "$defs": {
                "tag": {"type": "object", "required": ["label"], "properties": {"label": {"type": ["string", "null"]}}}
            },
        },
        {"anyOf": [{"type": "null"}, {"type": "number", "exclusiveMinimum": 0, "maximum": 1}]},
    ],
)
def test_json_schema_response_format_content_satisfies_the_schema(
    published_server: MockServer, schema: dict[str, Any]
) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}}
    data = completion(published_server, body(response_format=fmt))
    jsonschema.validate(json.loads(data["choices"][0]["message"]["content"]), schema)


def test_logprobs_when_asked(published_server: MockServer, published: Schemas) -> None:
    data = completion(published_server, body(logprobs=True, top_logprobs=3))
    assert published.completion_violations(data) == []
    choice = data["choices"][0]
    entries = choice["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == choice["message"]["content"]
    assert len(entries) == data["usage"]["completion_tokens"]
    for entry in entries:
        assert entry["bytes"] == list(entry["token"].encode())
        assert entry["logprob"] <= 0
        assert len(entry["top_logprobs"]) == 3 and entry["top_logprobs"][0]["token"] == entry["token"]
    assert completion(published_server, body())["choices"][0]["logprobs"] is None


@pytest.mark.parametrize("stream", [False, True])
def test_logprobs_stay_valid_against_the_published_spec_when_serving_the_normalised_one(
    default_server: MockServer, published: Schemas, normalised: Schemas, stream: bool
) -> None:
    """The normalised spec also accepts the `refusal: null` OpenAI sends; conformant answers send `[]`, which both
    specs accept (as they send `content: ""` beside tool calls)."""
    response = post(default_server.base_url, body(logprobs=True, top_logprobs=1, stream=stream))
    assert response.status_code == 200
    if not stream:
        data = response.json()
        assert data["choices"][0]["logprobs"]["refusal"] == []
        assert published.completion_violations(data) == normalised.completion_violations(data) == []
        return
    chunks = [c for c in events(response)[:-1] if c["choices"] and c["choices"][0].get("logprobs")]
    assert chunks
    for chunk in chunks:
        assert chunk["choices"][0]["logprobs"]["refusal"] == []
        assert normalised.chunk_violations(chunk) == []
        assert not [v for v in published.chunk_violations(chunk) if "logprobs" in v.path]


def test_default_server_answers_valid_against_its_spec(default_server: MockServer, normalised: Schemas) -> None:
    for extra in ({}, {"n": 2, "logprobs": True, "top_logprobs": 1}, {"max_tokens": 1}):
        data = completion(default_server, body(**extra))
        assert normalised.completion_violations(data) == []


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "minItems": 1_000_000_000},
        {"type": "string", "minLength": 1_000_000_000},
        {"type": "object", "minProperties": 1_000_000_000},
        {"type": "integer", "minimum": 10**400, "multipleOf": 7},
        {"type": "object", "properties": {"a": {"$ref": "#/nowhere"}}, "required": ["a"]},
        {"$ref": "#"},
        {"type": 5, "properties": [], "required": "a"},
    ],
)
def test_hostile_schemas_in_requests_get_a_bounded_best_effort_answer(
    published_server: MockServer, schema: dict[str, Any]
) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    response = post(published_server.base_url, body(response_format=fmt), timeout=20)
    assert response.status_code == 200, response.text
    content = response.json()["choices"][0]["message"]["content"]
    assert len(content) < 100_000
    json.loads(content)


def test_the_named_tool_is_called_even_with_an_empty_name(published_server: MockServer) -> None:
    tools = [{"type": "function", "function": {"name": "", "parameters": {}}}]
    for choice in ("required", {"type": "function", "function": {"name": ""}}):
        data = completion(published_server, body(tools=tools, tool_choice=choice))
        assert data["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == ""


TOOL_LOOP = [
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris", "days": 1}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 18}'},
]


def test_the_standard_tool_loop_is_accepted(
    default_server: MockServer, published_server: MockServer, normalised: Schemas
) -> None:
    """The assistant's tool-calling answer goes back in `messages` with the `content: null` it came with; the
    normalised spec (the default) accepts it, as OpenAI does; the published spec refuses it."""
    data = completion(default_server, body(messages=TOOL_LOOP, tools=[WEATHER]))
    assert normalised.completion_violations(data) == []
    assert data["choices"][0]["finish_reason"] == "stop"
    refused = post(published_server.base_url, body(messages=TOOL_LOOP, tools=[WEATHER]))
    assert refused.status_code == 400 and refused.json()["error"]["param"].startswith("messages[1]")


@pytest.mark.parametrize("model", ["openai/gpt-5-2-pro", "openai/gpt-5-2-chat-latest", "gpt-5.2-2025-12-11"])
def test_the_family_ids_and_other_model_names_are_accepted(default_server: MockServer, model: str) -> None:
    data = completion(default_server, body(model=model))
    assert data["model"] == model
