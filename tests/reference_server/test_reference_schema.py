"""Property: every answer of the conformant flavours is valid under OpenAI's own OpenAPI description.

The description is read from ``../shared/reference/openai-openapi/openapi.yaml`` (OpenAPI 3.1, with a few 3.0
``nullable`` members, turned into JSON Schema here); the test is skipped when it is not there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import yaml
from gpt52.tls import default_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .harness import ReferenceServer
from .test_server import SCHEMA, WEATHER, events

pytestmark = pytest.mark.slow

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "openai-openapi" / "openapi.yaml"


def _json_schema(node: Any) -> Any:
    """OpenAPI's ``nullable: true`` as JSON Schema (a ``null`` alternative); everything else as it is."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def validators() -> dict[str, Any]:
    if not REFERENCE.is_file():
        pytest.skip(f"OpenAI's OpenAPI description is not at {REFERENCE} (it comes with ../shared/reference)")
    spec = yaml.load(REFERENCE.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    # YAML reads some examples as dates: a JSON round trip makes them strings
    components = json.loads(json.dumps(_json_schema({"schemas": spec["components"]["schemas"]}), default=str))
    return {
        name: jsonschema_rs.validator_for({"$ref": f"#/components/schemas/{name}", "components": components})
        for name in ("CreateChatCompletionResponse", "CreateChatCompletionStreamResponse", "ErrorResponse")
    }


def _violations(validator: Any, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(instance)][:5]


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    words = draw(st.sampled_from(["Say hello.", "Please refuse this.", "Weather in Paris?"]))
    body: dict[str, Any] = {
        "model": draw(st.sampled_from(["openai/gpt-5-2", "gpt-5.2", "gpt-4o"])),
        "messages": [{"role": "user", "content": words}],
        "n": draw(st.integers(1, 3)),
    }
    kind = draw(st.sampled_from(["text", "tools", "json_object", "json_schema", "functions"]))
    if kind == "tools":
        body["tools"] = [WEATHER]
        body["tool_choice"] = draw(
            st.sampled_from(
                [None, "auto", "required", "none", {"type": "function", "function": {"name": "get_weather"}}]
            )
        )
    elif kind == "functions":
        body["functions"] = [WEATHER["function"]]
    elif kind != "text":
        body["response_format"] = (
            {"type": kind}
            if kind == "json_object"
            else {"type": "json_schema", "json_schema": {"name": "out", "schema": SCHEMA, "strict": True}}
        )
    if draw(st.booleans()):
        body["logprobs"] = True
        body["top_logprobs"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        body["max_tokens"] = draw(st.integers(1, 20))
    if draw(st.booleans()):
        body["stream"] = True
        body["stream_options"] = {"include_usage": draw(st.booleans())}
    return {k: v for k, v in body.items() if v is not None}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=requests(), mode=st.sampled_from(["conformant", "openai-quirks"]))
def test_conformant_answers_follow_the_openai_reference(
    server: ReferenceServer, validators: dict[str, Any], body: dict[str, Any], mode: str
) -> None:
    response = httpx.post(
        server.base_url + "/v1/chat/completions",
        json=body,
        timeout=30,
        headers={**server.auth, "X-Test-Mode": mode},
        verify=default_context(),
    )
    assert response.status_code == 200, response.text
    if not body.get("stream"):
        completion = response.json()
        assert not _violations(validators["CreateChatCompletionResponse"], completion), json.dumps(completion)[:600]
        assert len(completion["choices"]) == body["n"]
        return
    chunks, done = events(response)
    assert done
    for chunk in chunks:
        assert not _violations(validators["CreateChatCompletionStreamResponse"], chunk), json.dumps(chunk)[:600]
    assert {c["index"] for chunk in chunks for c in chunk["choices"]} == set(range(body["n"]))
    assert (chunks[-1]["choices"] == []) == bool(body["stream_options"]["include_usage"])


def test_error_bodies_follow_the_openai_reference(server: ReferenceServer, validators: dict[str, Any]) -> None:
    for response in (
        httpx.post(server.base_url + "/v1/chat/completions", content=b"{", headers=server.auth),
        httpx.post(server.base_url + "/v1/chat/completions", json={}),
        httpx.get(server.base_url + "/v1/chat/completions", headers=server.auth),
        httpx.post(server.base_url + "/v1/other", json={}, headers=server.auth),
    ):
        assert response.status_code >= 400
        assert not _violations(validators["ErrorResponse"], response.json()), response.text
