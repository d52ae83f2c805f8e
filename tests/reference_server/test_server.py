"""The reference server answers as the OpenAI reference describes, over a real socket; each mode does its damage.

The official ``openai`` package reads its conformant answers (completions, streams, tool calls) without error.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema_rs
import pytest
from gpt52.tls import default_context

from .harness import OTHER_KEY, ReferenceServer
from .modes import CONFORMANT_MODES, DEFECT_MODES, MODES

pytestmark = pytest.mark.slow

MODEL = "openai/gpt-5-2"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city", "days"],
            "additionalProperties": False,
        },
    },
}
SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "score": {"type": "number", "minimum": 3},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 2},
    },
    "required": ["answer", "score", "tags"],
    "additionalProperties": False,
}


def _body(**extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": "Say hello."}], **extra}


def post(
    server: ReferenceServer,
    body: Any = None,
    *,
    mode: str | None = None,
    path: str = "/v1/chat/completions",
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> httpx.Response:
    sent = {**server.auth, **({"X-Test-Mode": mode} if mode else {}), **(headers or {})}
    if content is None:
        content = json.dumps(body if body is not None else _body()).encode()
        sent.setdefault("Content-Type", "application/json")
    return httpx.post(server.base_url + path, content=content, headers=sent, timeout=30, verify=default_context())


def events(response: httpx.Response) -> tuple[list[dict[str, Any]], bool]:
    """The JSON chunks of an event stream, and whether it ended with ``data: [DONE]``."""
    chunks: list[dict[str, Any]] = []
    done = False
    for block in response.text.split("\n\n"):
        if not block.strip():
            continue
        assert block.startswith("data: "), block
        payload = block[len("data: ") :]
        assert not done, "an event after [DONE]"
        if payload == "[DONE]":
            done = True
        else:
            chunks.append(json.loads(payload))
    return chunks, done


# -- completions ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/chat/completions"])
def test_completion_has_the_reference_shape(server: ReferenceServer, path: str) -> None:
    response = post(server, _body(n=3), path=path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["id"].startswith("chatcmpl-") and body["object"] == "chat.completion"
    assert isinstance(body["created"], int) and body["model"] == MODEL
    assert body["system_fingerprint"].startswith("fp_") and body["service_tier"] == "default"
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    for choice in body["choices"]:
        assert choice["message"]["role"] == "assistant" and isinstance(choice["message"]["content"], str)
        assert choice["message"]["refusal"] is None and choice["logprobs"] is None
        assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert set(usage["completion_tokens_details"]) >= {"reasoning_tokens", "audio_tokens"}
    assert set(usage["prompt_tokens_details"]) == {"cached_tokens", "audio_tokens"}


@pytest.mark.parametrize("tool_choice", ["required", "auto", {"type": "function", "function": {"name": "get_weather"}}])
def test_tool_call_has_null_content_and_json_arguments(server: ReferenceServer, tool_choice: Any) -> None:
    body = post(server, _body(tools=[WEATHER], tool_choice=tool_choice)).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    call = choice["message"]["tool_calls"][0]
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert jsonschema_rs.is_valid(WEATHER["function"]["parameters"], json.loads(call["function"]["arguments"]))


def test_tool_choice_none_answers_in_words(server: ReferenceServer) -> None:
    choice = post(server, _body(tools=[WEATHER], tool_choice="none")).json()["choices"][0]
    assert choice["finish_reason"] == "stop" and "tool_calls" not in choice["message"]


def test_the_standard_tool_loop_is_accepted(server: ReferenceServer) -> None:
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
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
    response = post(server, {"model": MODEL, "messages": messages, "tools": [WEATHER]})
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["finish_reason"] == "stop"


def test_json_modes_give_valid_content(server: ReferenceServer) -> None:
    plain = post(server, _body(response_format={"type": "json_object"})).json()
    assert isinstance(json.loads(plain["choices"][0]["message"]["content"]), dict)
    fmt = {"type": "json_schema", "json_schema": {"name": "out", "schema": SCHEMA, "strict": True}}
    structured = post(server, _body(response_format=fmt)).json()
    assert jsonschema_rs.is_valid(SCHEMA, json.loads(structured["choices"][0]["message"]["content"]))


def test_a_self_referencing_schema_gets_a_bounded_answer(server: ReferenceServer) -> None:
    schema = {"type": "object", "required": ["a", "b"], "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "bomb", "schema": schema}}
    response = post(server, _body(response_format=fmt))
    assert response.status_code == 200 and len(response.content) < 100_000


def test_logprobs_have_content_and_refusal(server: ReferenceServer) -> None:
    logprobs = post(server, _body(logprobs=True, top_logprobs=2)).json()["choices"][0]["logprobs"]
    assert logprobs["refusal"] is None and logprobs["content"]
    assert all(len(entry["top_logprobs"]) == 2 for entry in logprobs["content"])


def test_max_tokens_cuts_text_with_finish_reason_length(server: ReferenceServer) -> None:
    choice = post(server, _body(max_tokens=2)).json()["choices"][0]
    assert choice["finish_reason"] == "length" and choice["message"]["content"] == "Hello!"


# -- streams --------------------------------------------------------------------------------------------------------
def test_stream_has_the_reference_shape(server: ReferenceServer) -> None:
    response = post(server, _body(stream=True, n=2))
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks, done = events(response)
    assert done and len({c["id"] for c in chunks}) == 1
    assert all(c["object"] == "chat.completion.chunk" and "usage" not in c for c in chunks)
    for index in (0, 1):
        entries = [choice for c in chunks for choice in c["choices"] if choice["index"] == index]
        assert entries[0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
        assert all("role" not in e["delta"] for e in entries[1:])
        assert [e["finish_reason"] for e in entries] == [None] * (len(entries) - 1) + ["stop"]
        assert "".join(e["delta"].get("content") or "" for e in entries)


def test_stream_usage_chunk_only_when_asked(server: ReferenceServer) -> None:
    chunks, done = events(post(server, _body(stream=True, stream_options={"include_usage": True})))
    assert done and chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])


def test_stream_tool_call_deltas(server: ReferenceServer) -> None:
    chunks, _ = events(post(server, _body(stream=True, tools=[WEATHER], tool_choice="required")))
    deltas = [c["choices"][0]["delta"] for c in chunks]
    first = deltas[0]["tool_calls"][0]
    assert deltas[0]["role"] == "assistant" and deltas[0]["content"] is None
    assert first["index"] == 0 and first["id"].startswith("call_") and first["function"]["name"] == "get_weather"
    pieces = [d["tool_calls"][0]["function"]["arguments"] for d in deltas[1:-1]]
    assert len(pieces) > 1 and json.loads("".join(pieces))["city"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


# -- auth and errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Authorization": ""}, None),
        ({"Authorization": "Bearer sk-wrong"}, "invalid_api_key"),
        ({"Authorization": "Basic sk-reference-test"}, None),
        ({"Authorization": "Bearer"}, None),
    ],
)
def test_auth_refused_with_an_openai_error(server: ReferenceServer, headers: dict[str, str], code: str | None) -> None:
    response = post(server, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error" and response.json()["error"]["code"] == code
    assert "sk-wrong" not in response.text and "sk-reference" not in response.text


def test_every_accepted_key_works(server: ReferenceServer) -> None:
    assert post(server, headers={"Authorization": f"Bearer {OTHER_KEY}"}).status_code == 200


@pytest.mark.parametrize(
    ("content", "status", "param"),
    [
        (b'{"model": ', 400, None),
        (json.dumps({"model": MODEL}).encode(), 400, "messages"),
        (json.dumps({"model": MODEL, "messages": []}).encode(), 400, "messages"),
        (json.dumps(_body(messages=[{"role": "robot", "content": "hi"}])).encode(), 400, "messages[0].role"),
        (json.dumps(_body(temperature=3)).encode(), 400, "temperature"),
        (json.dumps(_body(n="2")).encode(), 400, "n"),
        (json.dumps(_body(unknown_parameter=1)).encode(), 400, "unknown_parameter"),
        (json.dumps(_body(model="no-such-model")).encode(), 404, None),
    ],
)
def test_invalid_requests_get_error_bodies(
    server: ReferenceServer, content: bytes, status: int, param: str | None
) -> None:
    response = post(server, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["param"] == param


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "QUERY"])
def test_other_methods_get_405(server: ReferenceServer, method: str) -> None:
    response = httpx.request(method, server.base_url + "/v1/chat/completions", headers=server.auth)
    assert response.status_code == 405 and response.headers["allow"] == "POST" and response.json()["error"]
    head = httpx.head(server.base_url + "/chat/completions", headers=server.auth)
    assert head.status_code == 405 and head.content == b""
    assert httpx.request(method, server.base_url + "/v1/nothing", headers=server.auth).status_code == 404


def test_unknown_path_and_unknown_mode(server: ReferenceServer) -> None:
    assert post(server, path="/v1/nothing").status_code == 404
    unknown = post(server, mode="no-such-mode")
    assert unknown.status_code == 400 and "X-Test-Mode" in unknown.json()["error"]["message"]


def test_a_mode_prefix_chooses_the_mode_of_every_answer(server: ReferenceServer) -> None:
    """``/mode/NAME`` in front of the path (one server for the kill matrix): that mode for answers and errors."""
    assert post(server, path="/mode/created-string/v1/chat/completions").json()["created"].isdigit()
    assert isinstance(post(server, path="/mode/conformant/chat/completions").json()["created"], int)
    bare = post(server, path="/mode/bare-error/v1/chat/completions", body={"model": MODEL})
    assert bare.status_code == 400 and set(bare.json()) == {"message"}
    assert post(server, path="/mode/bare-error/v1/nothing").status_code == 404
    assert post(server, path="/mode/no-such-mode/v1/chat/completions").status_code == 404


def test_a_body_over_the_limit_is_refused(server: ReferenceServer) -> None:
    response = post(
        server, content=b"[" + b"1," * (3 * 1024 * 1024) + b"1]", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"


def test_deep_nesting_is_a_400_not_a_crash(server: ReferenceServer) -> None:
    response = post(server, content=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
    assert not server.stderr()


def test_malformed_framing_is_a_400(server: ReferenceServer) -> None:
    url = httpx.URL(server.base_url)
    with socket.create_connection((url.host, url.port), timeout=10) as raw:
        raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):  # the server closes a connection whose framing it cannot trust
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Malformed HTTP request framing" in answer


def test_concurrent_requests_are_all_answered(server: ReferenceServer) -> None:
    statuses: list[int] = []
    # a client that sends half a request and waits must not hold the others up
    url = httpx.URL(server.base_url)
    idle = socket.create_connection((url.host, url.port))
    idle.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    threads = [
        threading.Thread(target=lambda: statuses.append(post(server, _body(stream=True)).status_code)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    idle.close()
    assert statuses == [200] * 8


def test_sigterm_stops_the_server_cleanly() -> None:
    running = ReferenceServer().start()
    assert running.stop() == 0


# -- the official SDK -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", CONFORMANT_MODES)
def test_the_official_sdk_reads_conformant_answers(server: ReferenceServer, mode: str) -> None:
    import openai

    client = openai.OpenAI(
        api_key=server.key, base_url=server.base_url + "/v1", default_headers={"X-Test-Mode": mode}, max_retries=0
    )
    completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}], n=2)
    assert [c.message.content for c in completion.choices] and completion.usage is not None
    called = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Weather?"}], tools=[WEATHER], tool_choice="required"
    )  # type: ignore[list-item]
    calls = called.choices[0].message.tool_calls or []
    assert called.choices[0].finish_reason == "tool_calls" and json.loads(calls[0].function.arguments)["city"]
    text = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Hi"}], stream=True
        )
        if chunk.choices
    )
    assert text == "Hello! How can I help you today?"
    with client.chat.completions.stream(
        model=MODEL,
        messages=[{"role": "user", "content": "Weather?"}],
        tools=[WEATHER],
        tool_choice="required",  # type: ignore[list-item]
        stream_options={"include_usage": True},
    ) as stream:
        final = stream.get_final_completion()
    streamed_calls = final.choices[0].message.tool_calls or []
    assert json.loads(streamed_calls[0].function.arguments)["city"] and final.usage is not None


# -- the modes ------------------------------------------------------------------------------------------------------
def test_the_mode_table_is_complete() -> None:
    assert set(CONFORMANT_MODES) == {"conformant", "openai-quirks"}
    assert all(MODES[m].pointer for m in DEFECT_MODES) and len(DEFECT_MODES) >= 25


def test_quirks_are_openai_behaviour(server: ReferenceServer) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "out", "schema": SCHEMA}}
    refused = post(
        server,
        _body(response_format=fmt, messages=[{"role": "user", "content": "Please refuse."}]),
        mode="openai-quirks",
    ).json()
    assert refused["choices"][0]["message"]["content"] is None and refused["choices"][0]["message"]["refusal"]
    assert refused["model"] == "gpt-5.2-2025-12-11"
    cut = post(server, _body(response_format=fmt, max_tokens=3), mode="openai-quirks").json()["choices"][0]
    assert cut["finish_reason"] == "length"
    with pytest.raises(ValueError):
        json.loads(cut["message"]["content"])
    legacy = post(server, _body(functions=[WEATHER["function"]]), mode="openai-quirks").json()["choices"][0]
    assert legacy["finish_reason"] == "function_call" and legacy["message"]["function_call"]["name"] == "get_weather"
    chunks, _ = events(post(server, _body(stream=True, logprobs=True), mode="openai-quirks"))
    assert chunks[0]["choices"][0]["logprobs"] == {"content": [], "refusal": None}


def _completion(server: ReferenceServer, mode: str, **extra: Any) -> dict[str, Any]:
    response = post(server, _body(**extra), mode=mode)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _stream(server: ReferenceServer, mode: str, **extra: Any) -> tuple[list[dict[str, Any]], bool]:
    return events(post(server, _body(stream=True, **extra), mode=mode))


def _entries(chunks: list[dict[str, Any]], index: int = 0) -> list[dict[str, Any]]:
    return [choice for c in chunks for choice in c["choices"] if choice["index"] == index]


TOOLS = {"tools": [WEATHER], "tool_choice": "required"}
DAMAGE: dict[str, Callable[[ReferenceServer, str], bool]] = {
    "no-auth": lambda s, m: post(s, mode=m, headers={"Authorization": ""}).status_code == 200,
    "any-key": lambda s, m: post(s, mode=m, headers={"Authorization": "Bearer nope"}).status_code == 200,
    "usage-arithmetic": lambda s, m: (lambda u: u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"])(
        _completion(s, m)["usage"]
    ),
    "created-string": lambda s, m: isinstance(_completion(s, m)["created"], str),
    "missing-id": lambda s, m: "id" not in _completion(s, m) and "id" not in _stream(s, m)[0][0],
    "no-done": lambda s, m: not _stream(s, m)[1],
    "chunk-object": lambda s, m: _stream(s, m)[0][0]["object"] == "chat.completion",
    "wrong-content-type": lambda s, m: post(s, mode=m).headers["content-type"].startswith("text/plain"),
    "error-in-200": lambda s, m: "error" in _completion(s, m) and "choices" not in _completion(s, m),
    "image-body": lambda s, m: _completion(s, m)["object"] == "image",
    "end-turn": lambda s, m: (
        _entries(_stream(s, m)[0])[-1]["finish_reason"] == "end_turn"
        and _completion(s, m)["choices"][0]["finish_reason"] == "stop"
    ),
    "tool-args-not-json": lambda s, m: _not_json(
        _completion(s, m, **TOOLS)["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    ),
    "changing-chunk-ids": lambda s, m: len({c["id"] for c in _stream(s, m)[0]}) > 1,
    "unrequested-usage": lambda s, m: _stream(s, m)[0][-1]["choices"] == [] and bool(_stream(s, m)[0][-1]["usage"]),
    "stall": lambda s, m: all(post(s, mode=m).status_code == 200 for _ in range(3)),
    "role-every-delta": lambda s, m: all(e["delta"].get("role") == "assistant" for e in _entries(_stream(s, m)[0])),
    "stream-as-json": lambda s, m: post(s, _body(stream=True), mode=m).headers["content-type"] == "application/json",
    "json-as-stream": lambda s, m: post(s, mode=m).headers["content-type"].startswith("text/event-stream"),
    "stream-choice-count": lambda s, m: (
        not _entries(_stream(s, m, n=3)[0], 2) and len(_completion(s, m, n=3)["choices"]) == 3
    ),
    "model-unrelated": lambda s, m: _completion(s, m)["model"] == "llama-3-8b",
    "early-finish": lambda s, m: _entries(_stream(s, m)[0])[1]["finish_reason"] == "stop",
    "server-error": lambda s, m: sorted(post(s, mode=m).status_code for _ in range(2)) == [200, 500],
    "role-not-assistant": lambda s, m: _completion(s, m)["choices"][0]["message"]["role"] == "user",
    "content-null-no-tools": lambda s, m: (
        lambda msg: msg["content"] is None and not msg.get("tool_calls") and msg["refusal"] is None
    )(_completion(s, m)["choices"][0]["message"]),
    "undeclared-tool": lambda s, m: (
        _completion(s, m)["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "lookup_account"
    ),
    "tool-calls-finish-stop": lambda s, m: _completion(s, m, **TOOLS)["choices"][0]["finish_reason"] == "stop",
    "json-mode-prose": lambda s, m: _not_json(
        _completion(s, m, response_format={"type": "json_object"})["choices"][0]["message"]["content"]
    ),
    "choice-count": lambda s, m: len(_completion(s, m, n=3)["choices"]) == 1,
    "no-validation": lambda s, m: (
        post(s, mode=m, content=b"{", headers={"Content-Type": "application/json"}).status_code == 200
    ),
    "bare-error": lambda s, m: (
        post(s, mode=m, path="/v1/nothing").json() == {"message": "Invalid URL (POST /v1/nothing)"}
    ),
}


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("mode", DEFECT_MODES)
def test_each_defect_mode_does_its_damage(server: ReferenceServer, mode: str) -> None:
    assert mode in DAMAGE, f"no damage check for mode {mode}"
    assert DAMAGE[mode](server, mode)
