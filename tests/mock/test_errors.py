"""Every refusal is an OpenAI-style JSON error object: auth, routing, size, JSON, the request schema."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conformance.mock.auth import DEFAULT_API_KEY
from conformance.mock.server import MockServer

from .conftest import server_env
from .helpers import AUTH, MODEL, PATH, assert_error, body, post


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token abc", "bearer"])
def test_missing_or_malformed_bearer_gets_401(published_server: MockServer, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = httpx.post(published_server.base_url + PATH, json=body(), headers=headers)
    error = assert_error(response, 401, "invalid_api_key")
    assert error["type"] == "invalid_request_error"
    assert "Bearer" in error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Basic sekret-value-123",
        "sekret-value-123",
        "Bearer sekret-value-123",
        "Bearer sekret-value-123 more",
        "bearer sekret-value-123",
    ],
)
def test_the_key_is_never_echoed(published_server: MockServer, header: str) -> None:
    response = httpx.post(published_server.base_url + PATH, json=body(), headers={"Authorization": header})
    assert_error(response, 401, "invalid_api_key")
    assert "sekret" not in response.text and "value-123" not in response.text
    assert "sekret" not in published_server.log_text()


def test_an_invalid_key_gets_401(published_server: MockServer) -> None:
    """A well-formed bearer header with a key the mock does not accept: refused, as the API refuses it."""
    response = httpx.post(published_server.base_url + PATH, json=body(), headers={"Authorization": "Bearer sk-nope"})
    error = assert_error(response, 401, "invalid_api_key")
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("Incorrect API key provided.")
    assert DEFAULT_API_KEY in error["message"]  # the test key is public: saying it helps
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", [f"Bearer {DEFAULT_API_KEY}", f"bearer {DEFAULT_API_KEY}", f"Bearer  {DEFAULT_API_KEY}"]
)
def test_the_default_test_key_is_accepted_in_any_case_of_the_scheme(published_server: MockServer, header: str) -> None:
    response = httpx.post(published_server.base_url + PATH, json=body(), headers={"Authorization": header})
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def keyed_server() -> Iterator[MockServer]:
    env = {**server_env(), "AIMLAPI_KEY": "sk-from-the-environment", "OTHER_KEY": "sk-from-another-variable"}
    with MockServer(
        spec="published", env=env, api_keys=["sk-first", "sk-second"], api_key_envs=["OTHER_KEY"]
    ) as server:
        yield server


@pytest.mark.parametrize(
    "key", [DEFAULT_API_KEY, "sk-first", "sk-second", "sk-from-the-environment", "sk-from-another-variable"]
)
def test_api_key_options_and_the_environment_add_keys(keyed_server: MockServer, key: str) -> None:
    response = httpx.post(keyed_server.base_url + PATH, json=body(), headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text


def test_other_keys_stay_refused_and_only_the_test_key_is_named(keyed_server: MockServer) -> None:
    response = httpx.post(keyed_server.base_url + PATH, json=body(), headers={"Authorization": "Bearer sk-third"})
    assert_error(response, 401, "invalid_api_key")
    log = keyed_server.log_text()
    assert f"accepting the test key {DEFAULT_API_KEY} and 4 more" in log
    assert "sk-from-another-variable" not in " ".join(keyed_server.command())
    for secret in ("sk-first", "sk-second", "sk-from-the-environment", "sk-from-another-variable"):
        assert secret not in log and secret not in response.text


def test_schema_violation_gets_400_naming_path_and_expectation(published_server: MockServer) -> None:
    response = post(published_server.base_url, body(temperature=5))
    error = assert_error(response, 400, "invalid_value")
    assert error["param"] == "temperature"
    assert error["message"].startswith("Invalid request body at /temperature: expected maximum: 2, found 5")


def test_missing_required_member_names_it(published_server: MockServer) -> None:
    response = post(published_server.base_url, {"model": MODEL})
    error = assert_error(response, 400, "invalid_value")
    assert error["param"] == "messages"
    assert error["message"].startswith("Invalid request body at /messages: expected required")


def test_nested_violation_param_is_openai_style(published_server: MockServer) -> None:
    """The 400 names the member that is wrong (the closest ``oneOf`` branch), not the whole message."""
    response = post(published_server.base_url, body(messages=[{"role": "martian", "content": "hi"}]))
    error = assert_error(response, 400, "invalid_value")
    assert error["param"] == "messages[0].role"
    expected = 'Invalid request body at /messages/0/role: expected enum: ["user"], found "martian"'
    assert error["message"].startswith(expected)


def test_wrong_model_is_a_schema_violation(published_server: MockServer) -> None:
    error = assert_error(post(published_server.base_url, body(model="gpt-4o")), 400, "invalid_value")
    assert error["param"] == "model"
    assert "enum" in error["message"]


@pytest.mark.parametrize("raw", [b"not json", b"", b"{", b'{"model": NaN}', b"\xff\xfe", b"[1, 2"])
def test_not_json_gets_400(published_server: MockServer, raw: bytes) -> None:
    response = post(published_server.base_url, content=raw, headers={"Content-Type": "application/json"})
    error = assert_error(response, 400, "invalid_json")
    assert error["message"].startswith("Invalid request body: expected a JSON object")


def test_json_that_is_not_an_object_is_a_schema_violation(published_server: MockServer) -> None:
    error = assert_error(post(published_server.base_url, [1, 2]), 400, "invalid_value")
    assert "type" in error["message"]


def test_unknown_path_gets_404(published_server: MockServer) -> None:
    response = post(published_server.base_url, body(), path="/v1/completions")
    error = assert_error(response, 404, "unknown_url")
    assert "POST /v1/chat/completions" in error["message"]
    assert_error(httpx.get(published_server.base_url + "/"), 404, "unknown_url")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method_gets_405_with_allow(published_server: MockServer, method: str) -> None:
    response = httpx.request(method, published_server.base_url + PATH, headers=AUTH)
    error = assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    assert method in error["message"]


def test_both_path_aliases_are_served(published_server: MockServer) -> None:
    for path in ("/v1/chat/completions", "/chat/completions"):
        assert post(published_server.base_url, body(), path=path).status_code == 200


@pytest.fixture(scope="module")
def small_body_server() -> Iterator[MockServer]:
    with MockServer(spec="published", extra_args=["--max-body", "2000"], env=server_env()) as server:
        yield server


def test_body_over_the_limit_gets_413(small_body_server: MockServer) -> None:
    big = body(messages=[{"role": "user", "content": "x" * 5000}])
    error = assert_error(post(small_body_server.base_url, big), 413, "request_too_large")
    assert "at most 2000 bytes" in error["message"]


def test_chunked_body_over_the_limit_gets_413(small_body_server: MockServer) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        yield b'{"model": "openai/gpt-5-2", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}]}'

    response = post(small_body_server.base_url, content=chunks())
    assert_error(response, 413, "request_too_large")


def test_body_under_the_limit_is_served(small_body_server: MockServer) -> None:
    assert post(small_body_server.base_url, body()).status_code == 200


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Mock-Mode", "no-such-mode"),
        ("X-Mock-Latency-Ms", "soon"),
        ("X-Mock-Retry-After", "-1"),
        ("X-Mock-Status", "42"),
    ],
)
def test_bad_mock_headers_get_400(published_server: MockServer, header: str, value: str) -> None:
    response = post(published_server.base_url, body(), headers={header: value})
    error = assert_error(response, 400, "invalid_mock_header")
    assert header in error["message"] or header.lower() in error["message"].lower()


def test_semantic_refusals(published_server: MockServer) -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    named = {"type": "function", "function": {"name": "other"}}
    error = assert_error(post(published_server.base_url, body(tools=tools, tool_choice=named)), 400, "invalid_value")
    assert error["param"] == "tool_choice" and "'other'" in error["message"]
    error = assert_error(post(published_server.base_url, body(tool_choice="required")), 400, "invalid_value")
    assert error["param"] == "tool_choice"
    error = assert_error(post(published_server.base_url, body(n=129)), 400, "integer_above_max_value")
    assert error["param"] == "n"
