"""Modes: the registry, and each drift, fault and documented behaviour where the modes table says it is."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import httpx
import pytest

from conformance.docs import example_response
from conformance.mock import MODES, get_mode, list_modes
from conformance.mock.modes import KINDS
from conformance.mock.server import MockServer
from conformance.oas import undocumented_fields

from .helpers import AUTH, DATA, PATH, SEED_PAGE, Schemas, assert_error, body, events, post
from .test_conformant import WEATHER

DRIFTS = [m for m in MODES if m.kind == "drift"]
BODY_DRIFTS = [m for m in DRIFTS if m.pointer is not None and m.keyword is not None]


def test_registry() -> None:
    names = [m.name for m in MODES]
    assert len(names) == len(set(names))
    assert names[0] == "conformant"
    assert {m.kind for m in MODES} == set(KINDS)
    assert [m.name for m in list_modes("fault")] == [
        "latency",
        "rate-limit",
        "error-500",
        "error-502",
        "error-503",
        "drop",
        "stream-cut",
    ]
    assert {m.name for m in DRIFTS} == {
        "missing-required",
        "wrong-type",
        "enum-outside",
        "content-null-with-tool-calls",
        "extra-field",
        "wrong-object",
        "wrong-content-type",
        "undocumented-status",
    }
    for mode in MODES:
        assert mode.description and mode.expects
        assert get_mode(mode.name) is mode
    with pytest.raises(KeyError, match="unknown mock mode 'nope'; expected one of conformant, strict-spec"):
        get_mode("nope")


def request_for(mode: Any, **extra: Any) -> dict[str, Any]:
    """A valid request that the mode deviates on (content-null-with-tool-calls needs a declared tool)."""
    if mode.name == "content-null-with-tool-calls":
        extra = {"tools": [WEATHER], **extra}
    return body(**extra)


@pytest.mark.parametrize("mode", BODY_DRIFTS, ids=lambda m: m.name)
def test_drift_deviates_at_the_documented_path(published_server: MockServer, published: Schemas, mode: Any) -> None:
    response = post(published_server.base_url, request_for(mode), mode=mode.name)
    assert response.status_code == 200
    found = {(v.path, v.schema_path.rsplit("/", 1)[-1]) for v in published.completion_violations(response.json())}
    assert found == {(mode.pointer, mode.keyword)}


@pytest.mark.parametrize("mode", BODY_DRIFTS, ids=lambda m: m.name)
def test_streamed_drift_deviates_at_the_documented_path(
    published_server: MockServer, published: Schemas, mode: Any
) -> None:
    response = post(published_server.base_url, request_for(mode, stream=True), mode=mode.name)
    assert response.status_code == 200
    chunks = events(response)[:-1]
    found = {(v.path, v.schema_path.rsplit("/", 1)[-1]) for c in chunks for v in published.chunk_violations(c)}
    assert (mode.stream_pointer, mode.keyword) in found


def test_content_null_with_tool_calls_is_accepted_by_the_normalised_spec(
    published_server: MockServer, normalised: Schemas
) -> None:
    data = post(published_server.base_url, body(tools=[WEATHER]), mode="content-null-with-tool-calls").json()
    message = data["choices"][0]["message"]
    assert message["content"] is None
    assert [c["function"]["name"] for c in message["tool_calls"]] == ["get_weather"]  # the declared tool
    assert data["choices"][0]["finish_reason"] == "tool_calls"
    assert normalised.completion_violations(data) == []


@pytest.mark.parametrize("stream", [False, True])
def test_content_null_with_tool_calls_sends_exactly_that_deviation(published_server: MockServer, stream: bool) -> None:
    """The same request answered conformantly differs only by `content: null` (streams: `delta.content`)."""
    payload = body(tools=[WEATHER], tool_choice="required", stream=stream)
    drifted = post(published_server.base_url, payload, mode="content-null-with-tool-calls")
    conformant = post(published_server.base_url, payload)
    if not stream:
        got, want = drifted.json(), conformant.json()
        assert got["choices"][0]["message"]["content"] is None
        assert want["choices"][0]["message"]["content"] == ""
        got["choices"][0]["message"]["content"] = ""
        assert {**got, "created": 0} == {**want, "created": 0}
        return
    got_chunks, want_chunks = events(drifted)[:-1], events(conformant)[:-1]
    assert got_chunks[0]["choices"][0]["delta"]["content"] is None
    assert "content" not in want_chunks[0]["choices"][0]["delta"]  # the published delta has no null content
    del got_chunks[0]["choices"][0]["delta"]["content"]
    assert [{**c, "created": 0} for c in got_chunks] == [{**c, "created": 0} for c in want_chunks]


@pytest.mark.parametrize(
    "extra", [{}, {"tools": [WEATHER], "tool_choice": "none"}], ids=["no-tools", "tool-choice-none"]
)
def test_content_null_with_tool_calls_never_calls_an_undeclared_or_refused_tool(
    published_server: MockServer, published: Schemas, extra: dict[str, Any]
) -> None:
    """Without a tool it may call, the mode answers as the conformant mode does (the deviation needs a tool)."""
    drifted = post(published_server.base_url, body(**extra), mode="content-null-with-tool-calls").json()
    conformant = post(published_server.base_url, body(**extra)).json()
    assert "tool_calls" not in drifted["choices"][0]["message"]
    assert drifted["choices"][0]["finish_reason"] == "stop"
    assert {**drifted, "created": 0} == {**conformant, "created": 0}
    assert published.completion_violations(drifted) == []


def test_extra_field_is_undocumented_not_invalid(published_server: MockServer, published: Schemas) -> None:
    data = post(published_server.base_url, body(), mode="extra-field").json()
    assert published.completion_violations(data) == []
    assert list(undocumented_fields(published.op.json_schema, data)) == ["/meta"]
    assert set(data["meta"]["usage"]) == {"credits_used", "usd_spent"}
    chunks = events(post(published_server.base_url, body(stream=True), mode="extra-field"))[:-1]
    assert [("meta" in c) for c in chunks] == [False] * (len(chunks) - 1) + [True]


def test_extra_field_mirrors_the_sibling_spec_meta(published_server: MockServer) -> None:
    from upstream_data import history_mirror

    sibling = json.loads(
        (history_mirror() / "aimlapi/api-docs/main/docs/api-references/text-models-llm/OpenAI/gpt-5-2.json").read_text()
    )
    schema = sibling["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]["application/json"]
    meta_schema = schema["schema"]["properties"]["meta"]
    data = post(published_server.base_url, body(), mode="extra-field").json()
    assert set(data["meta"]) == set(meta_schema["properties"])
    assert set(data["meta"]["usage"]) == set(meta_schema["properties"]["usage"]["required"])


def test_wrong_content_type(published_server: MockServer, published: Schemas) -> None:
    response = post(published_server.base_url, body(), mode="wrong-content-type")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert published.completion_violations(json.loads(response.text)) == []
    streamed = post(published_server.base_url, body(stream=True), mode="wrong-content-type")
    assert streamed.headers["content-type"] == "text/plain; charset=utf-8"
    assert events(streamed)[-1] == "[DONE]"


def test_undocumented_status(published_server: MockServer, published: Schemas) -> None:
    response = post(published_server.base_url, body(), mode="undocumented-status")
    assert response.status_code == 202
    assert "202" not in published.op.documented_statuses
    assert published.completion_violations(response.json()) == []
    assert (
        post(
            published_server.base_url, body(), mode="undocumented-status", headers={"X-Mock-Status": "299"}
        ).status_code
        == 299
    )


def test_documented_replays_the_seed_page_example(published_server: MockServer) -> None:
    expected = example_response(SEED_PAGE)  # the mock's default page: skips when ../shared/seeds is absent
    response = post(published_server.base_url, body(), mode="documented")
    assert response.status_code == 200
    data = response.json()
    assert data == expected
    assert data["object"] == "image"  # what the seed page promises: not a chat completion


def test_documented_with_another_page() -> None:
    from .conftest import server_env

    page = DATA / "page_with_example.md"
    with MockServer(mode="documented", spec="published", extra_args=["--page", str(page)], env=server_env()) as server:
        data = post(server.base_url, body()).json()
    assert data == example_response(page)
    assert data["object"] == "chat.completion" and data["choices"][0]["message"]["content"] == "Hi there!"


def test_latency(published_server: MockServer) -> None:
    start = time.monotonic()
    response = post(published_server.base_url, body(), mode="latency", headers={"X-Mock-Latency-Ms": "300"})
    assert response.status_code == 200
    assert time.monotonic() - start >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        post(published_server.base_url, body(), mode="latency", headers={"X-Mock-Latency-Ms": "3000"}, timeout=0.2)


def test_rate_limit(published_server: MockServer) -> None:
    response = post(published_server.base_url, body(), mode="rate-limit", headers={"X-Mock-Retry-After": "7"})
    error = assert_error(response, 429, "rate_limit_exceeded")
    assert error["type"] == "requests"
    assert response.headers["retry-after"] == "7"
    assert post(published_server.base_url, body(), mode="rate-limit").headers["retry-after"] == "1"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(published_server: MockServer, status: int) -> None:
    response = post(published_server.base_url, body(), mode=f"error-{status}")
    error = assert_error(response, status)
    assert error["type"] == "server_error"
    assert ("retry-after" in response.headers) == (status == 503)


def test_drop_closes_the_connection_mid_body(published_server: MockServer) -> None:
    with pytest.raises(httpx.RemoteProtocolError, match=r"without sending complete message body"):
        post(published_server.base_url, body(), mode="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        post(published_server.base_url, body(stream=True), mode="drop")
    # at the socket: a status line, headers and part of the body, then EOF
    payload = json.dumps(body()).encode()
    request = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH['Authorization']}\r\n"
        f"X-Mock-Mode: drop\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    with socket.create_connection(("127.0.0.1", published_server.port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    lengths = [line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    length = int(lengths[0])
    assert 0 < len(rest) < length


def test_stream_cut_ends_before_done(published_server: MockServer) -> None:
    response = post(published_server.base_url, body(stream=True), mode="stream-cut")
    assert response.status_code == 200
    out = events(response)
    assert out and "[DONE]" not in out
    assert all(c["choices"][0]["finish_reason"] is None for c in out)
    # a non-streamed request in stream-cut mode gets the conformant answer
    assert post(published_server.base_url, body(), mode="stream-cut").json()["choices"][0]["finish_reason"] == "stop"


def test_mode_per_server_and_header_override() -> None:
    from .conftest import server_env

    with MockServer(mode="rate-limit", spec="published", extra_args=["--retry-after", "3"], env=server_env()) as server:
        response = post(server.base_url, body())
        assert_error(response, 429)
        assert response.headers["retry-after"] == "3"
        assert post(server.base_url, body(), mode="conformant").status_code == 200
    log = server.log_text()  # complete once the server has stopped
    assert f"POST {PATH} 429 rate-limit " in log
    assert f"POST {PATH} 200 conformant " in log


def test_one_log_line_per_request(published_server: MockServer) -> None:
    marker = f"/log-probe-{time.monotonic_ns()}"
    httpx.post(published_server.base_url + marker, headers=AUTH, json=body())
    deadline = time.monotonic() + 5
    while marker not in published_server.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    [line] = [line for line in published_server.log_text().splitlines() if marker in line]
    method, path, status, mode, ms = line.split(" ")
    assert (method, path, status, mode) == ("POST", marker, "404", "conformant")
    assert ms.endswith("ms") and float(ms[:-2]) >= 0
