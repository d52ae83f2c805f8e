"""Hostile input to the mock: each test starts from the input that once froze, crashed or leaked.

Real servers on loopback ports; the concurrency test sends a normal request while a hostile one is being
answered, and the SIGTERM test stops the server in the middle of one.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import random
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.mock import chat
from conformance.mock.generate import Budget, Entropy, Generator
from conformance.mock.server import MockServer

from .conftest import server_env
from .helpers import PATH, assert_error, body, post

SELF_TWICE = {"type": "object", "required": ["a", "b"], "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}}}
SELF_ITEMS = {"type": "array", "minItems": 64, "items": {"$ref": "#"}}


def _json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}


def _tool(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": "lookup", "parameters": parameters}}]


HOSTILE = {
    "response-format-refers-to-itself-twice": body(response_format=_json_schema(SELF_TWICE)),
    "response-format-64-items-of-itself": body(
        response_format=_json_schema({"type": "object", "required": ["x"], "properties": {"x": SELF_ITEMS}})
    ),
    "tool-parameters-refer-to-themselves": body(tools=_tool(SELF_TWICE), tool_choice="required"),
}


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_self_referencing_request_schemas_get_a_400_that_says_why(
    published_server: MockServer, payload: dict[str, Any]
) -> None:
    error = assert_error(post(published_server.base_url, payload), 400, "schema_too_complex")
    assert error["param"] in ("response_format.json_schema.schema", "tools[0].function.parameters")
    assert error["message"].startswith(
        f"Invalid schema in '{error['param']}': expected a schema the mock can satisfy within its budget per answer"
    )
    assert "refers back to the schema itself" in error["message"]


def test_other_clients_are_served_while_a_hostile_schema_is_answered(published_server: MockServer) -> None:
    """A tool schema that needs more than the budget (128,000 values) is answered on a worker thread: a plain
    request sent meanwhile is answered, and the hostile one ends (400) instead of freezing the server."""
    wide = {
        "type": "object",
        "required": [f"k{i}" for i in range(2000)],
        "properties": {f"k{i}": {"type": "array", "minItems": 64, "items": {"type": "string"}} for i in range(2000)},
    }
    hostile = body(tools=_tool(wide), tool_choice="required")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(post, published_server.base_url, hostile, timeout=60)
        plain = pool.submit(post, published_server.base_url, body(), timeout=60)
        assert plain.result().status_code == 200
        assert_error(slow.result(), 400, "schema_too_complex")
    assert post(published_server.base_url, body()).status_code == 200


def test_sigterm_stops_the_server_in_the_middle_of_a_hostile_answer() -> None:
    wide = {
        "type": "object",
        "required": [f"k{i}" for i in range(2000)],
        "properties": {f"k{i}": {"type": "array", "minItems": 64, "items": {"type": "string"}} for i in range(2000)},
    }
    with (
        MockServer(spec="published", env=server_env()) as server,
        concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool,
    ):
        pending = pool.submit(post, server.base_url, body(tools=_tool(wide), tool_choice="required"), timeout=60)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        # the connection may close before the answer: what matters is the prompt exit
        with contextlib.suppress(httpx.HTTPError):
            pending.result()


def test_twenty_thousand_required_members_with_n_4_are_answered(published_server: MockServer) -> None:
    names = [f"p{i}" for i in range(20_000)]
    schema = {"type": "object", "required": names, "properties": {n: {"type": "integer"} for n in names}}
    payload = body(n=4, response_format=_json_schema(schema))
    assert len(json.dumps(payload)) < 1024 * 1024
    response = post(published_server.base_url, payload, timeout=60)
    if response.status_code == 200:  # within the time budget on this machine
        choices = response.json()["choices"]
        assert len(choices) == 4
        assert all(len(json.loads(c["message"]["content"])) == 20_000 for c in choices)
    else:  # a slow machine spends the time budget: a 400 that says so, never a hang
        assert "more than" in assert_error(response, 400, "schema_too_complex")["message"]


class _CountingList(list[str]):
    """A `required` list that counts membership tests: a generator that asks `name in required` per property
    does quadratic work on 20,000 names."""

    lookups = 0

    def __contains__(self, item: object) -> bool:
        type(self).lookups += 1
        return super().__contains__(item)


def test_required_members_are_looked_up_in_a_set() -> None:
    names = _CountingList(f"p{i}" for i in range(20_000))
    schema = {"type": "object", "required": names, "properties": {n: {"type": "integer"} for n in names}}
    value = Generator(random.Random(0), budget=Budget()).value(schema)
    assert len(value) == 20_000
    assert _CountingList.lookups == 0


def test_the_budget_is_shared_by_the_choices_of_one_answer() -> None:
    schema = {"type": "array", "minItems": 64, "items": {"type": "array", "minItems": 64, "items": {"type": "integer"}}}
    payload = body(
        n=40, response_format=_json_schema({"type": "object", "required": ["x"], "properties": {"x": schema}})
    )
    with pytest.raises(chat.RequestProblem) as caught:
        chat.plan(payload, Entropy(0, b"x"), now=0)
    assert caught.value.code == "schema_too_complex"
    assert "more than 100000 values" in caught.value.message


def test_references_in_request_schemas_are_never_fetched_or_read(
    published_server: MockServer, watched_host: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, seen = watched_host
    secret = tmp_path / "secret.json"
    secret.write_text('{"const": "AIMLAPI_KEY=sk-should-never-leave"}')
    schema = {
        "type": "object",
        "required": ["a", "b"],
        "properties": {"a": {"$ref": f"{url}/schema.json"}, "b": {"$ref": secret.as_uri()}},
    }
    for payload in (body(response_format=_json_schema(schema)), body(tools=_tool(schema), tool_choice="required")):
        response = post(published_server.base_url, payload)
        assert response.status_code == 200, response.text
        assert "fetched" not in response.text and "sk-should-never-leave" not in response.text
    assert seen == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"[" * 100_000 + b"]" * 100_000,
            "Invalid request body: expected a JSON object, found JSON nested deeper than 64 levels.",
        ),
        (
            b'{"model": ' + b"[" * 1000 + b"]" * 1000 + b"}",
            "Invalid request body: expected JSON nested at most 64 levels deep, found deeper nesting.",
        ),
    ],
    ids=["100000-brackets", "1000-levels-in-a-member"],
)
def test_deep_nesting_gets_a_400(published_server: MockServer, raw: bytes, expected: str) -> None:
    response = post(published_server.base_url, content=raw, headers={"Content-Type": "application/json"})
    error = assert_error(response, 400)
    assert error["message"] == expected
    assert post(published_server.base_url, body()).status_code == 200  # and the server is fine


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff\xfe", "Invalid request body: expected a JSON object, found bytes that are not UTF-8 text (at byte 0)."),
        (b"{", "Invalid request body: expected a JSON object, found a syntax error at line 1 column 2."),
        (b"", "Invalid request body: expected a JSON object, found an empty body."),
        (b'{"model": NaN}', "Invalid request body: expected a JSON object, found NaN is not valid JSON."),
    ],
    ids=["not-utf8", "truncated", "empty", "nan"],
)
def test_not_json_is_said_in_words_not_decoder_text(published_server: MockServer, raw: bytes, expected: str) -> None:
    response = post(published_server.base_url, content=raw, headers={"Content-Type": "application/json"})
    assert assert_error(response, 400, "invalid_json")["message"] == expected


def test_a_bad_mock_header_is_a_sentence_not_a_tuple(published_server: MockServer) -> None:
    response = post(published_server.base_url, body(), headers={"X-Mock-Latency-Ms": "soon"})
    error = assert_error(response, 400, "invalid_mock_header")
    assert error["message"] == "Invalid X-Mock-Latency-Ms header: expected an integer from 0 to 60000, found 'soon'."
    assert error["param"] == "X-Mock-Latency-Ms"


@pytest.mark.parametrize("header", ["sk-live-0123456789abcdef0123", "sk-live-0123456789abcdef0123 extra"])
def test_a_key_sent_without_its_scheme_is_not_echoed(published_server: MockServer, header: str) -> None:
    response = httpx.post(published_server.base_url + PATH, json=body(), headers={"Authorization": header})
    error = assert_error(response, 401, "invalid_api_key")
    assert error["message"] == "Malformed Authorization header: expected the scheme 'Bearer', found another scheme."
    assert "sk-live" not in response.text and "0123" not in response.text


def test_tens_of_thousands_of_bad_items_are_refused_at_the_first(published_server: MockServer) -> None:
    """jsonschema-rs builds every error before the first: 25,000 bad messages blocked the server for tens of
    seconds. The 400 names the first problem only."""
    payload = body(messages=[{"role": "martian", "content": 1}] * 25_000)
    assert len(json.dumps(payload)) < 1024 * 1024
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(post, published_server.base_url, payload, timeout=60)
        error = assert_error(pending.result(), 400, "invalid_value")
    assert error["param"].startswith("messages[")
    assert len(error["message"]) < 600


def _spec_with(
    tmp_path: Path, name: str, schemas: dict[str, Any], prop: dict[str, Any], required: bool = False
) -> Path:
    """The small chat spec of the foundation tests, with extra components and a property using them in both the
    request and the answer."""
    spec = json.loads((Path(__file__).parents[1] / "foundation" / "data" / "chat_fixed.json").read_text())
    spec["components"]["schemas"].update(schemas)
    spec["components"]["schemas"]["Request"]["properties"]["extra"] = prop
    completion = spec["components"]["schemas"]["Completion"]
    completion["properties"]["extra"] = prop
    if required:
        completion["required"] = [*completion.get("required", []), "extra"]
    path = tmp_path / name
    path.write_text(json.dumps(spec))
    return path


def test_mock_spec_serves_a_recursive_schema(tmp_path: Path) -> None:
    node = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        },
    }
    spec = _spec_with(tmp_path, "recursive.json", {"Node": node}, {"$ref": "#/components/schemas/Node"}, True)
    tree = {"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]}
    with MockServer(spec=spec, env=server_env()) as server:
        answer = post(
            server.base_url, {"model": "mini", "messages": [{"role": "user", "content": "hi"}], "extra": tree}
        ).json()
        assert isinstance(answer["extra"]["name"], str)
        bad = post(
            server.base_url,
            {
                "model": "mini",
                "messages": [{"role": "user", "content": "hi"}],
                "extra": {"name": "a", "children": [{"children": []}]},
            },
        )
        assert assert_error(bad, 400, "invalid_value")["param"] == "extra.children[0].name"


def test_mock_spec_with_references_that_explode_when_inlined(tmp_path: Path) -> None:
    """31 components, each requiring two members that refer to the next: 2**31 nodes inlined. The mock starts,
    validates requests and answers with a bounded value."""
    chain = {
        f"C{i}": {
            "type": "object",
            "required": ["l", "r"],
            "properties": {
                "l": {"$ref": f"#/components/schemas/C{i + 1}"},
                "r": {"$ref": f"#/components/schemas/C{i + 1}"},
            },
        }
        for i in range(31)
    }
    chain["C31"] = {"type": "string"}
    spec = _spec_with(tmp_path, "chain.json", chain, {"$ref": "#/components/schemas/C0"}, True)
    with MockServer(spec=spec, env=server_env()) as server:
        for extra in ({}, {"stream": True}):
            response = post(
                server.base_url, {"model": "mini", "messages": [{"role": "user", "content": "hi"}], **extra}
            )
            assert response.status_code == 200
            assert len(response.content) < 5_000_000
        bad = post(
            server.base_url, {"model": "mini", "messages": [{"role": "user", "content": "hi"}], "extra": {"l": 1}}
        )
        assert_error(bad, 400, "invalid_value")
    assert "the mock's answer breaks the served 200 schema" in server.log_text()  # said, not hidden


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b'{"openapi": "3.0.0", "paths": {}, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "expected a document nested at most 128 levels deep",
        ),
        (
            "openapi: 3.0.0\npaths: {}\n"
            + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)),
            "expected YAML aliases to add at most 100000 nodes",
        ),
    ],
    ids=["deep-nesting", "alias-bomb"],
)
def test_mock_spec_refuses_hostile_documents_with_exit_2(tmp_path: Path, content: bytes | str, expected: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    server = MockServer(spec=path, env=server_env())
    with pytest.raises(Exception, match="exited with code 2") as caught:
        server.start()
    assert expected in str(caught.value)
    assert "Traceback" not in str(caught.value)
