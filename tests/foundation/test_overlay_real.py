"""spec/overlay.yaml on the pinned published spec: every action answers a lint rule, the result is clean,
cosmetic actions never change which responses are valid, corrections do exactly where they should."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import json5
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conformance.docs.rules
import conformance.suite.checks
from conformance.findings import RULES
from conformance.lint import CHECKS, check_structure, lint
from conformance.oas import Validator
from conformance.overlay import OverlayResult, apply_overlay, load_overlay

from .helpers import DOC_PAGE, REPO

OVERLAY = REPO / "spec" / "overlay.yaml"
JSON_BODY = ("paths", "/v1/chat/completions", "post", "responses", "200", "content", "application/json", "schema")
STREAM_BODY = ("paths", "/v1/chat/completions", "post", "responses", "200", "content", "text/event-stream", "schema")

assert CHECKS  # lint's rules are registered


def _at(spec: dict[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = spec
    for key in keys:
        node = node[key]
    return node


@pytest.fixture(scope="module")
def variants(_published_once: dict[str, Any]) -> dict[str, dict[str, Any]]:
    overlay = load_overlay(OVERLAY)
    return {
        "published": _published_once,
        "cosmetic": apply_overlay(_published_once, overlay, kinds=("cosmetic",)).spec,
        "normalised": apply_overlay(_published_once, overlay).spec,
    }


@pytest.fixture(scope="module")
def validators(variants: dict[str, dict[str, Any]]) -> dict[str, tuple[Validator, Validator]]:
    return {
        name: (Validator(_at(spec, JSON_BODY), spec), Validator(_at(spec, STREAM_BODY), spec))
        for name, spec in variants.items()
    }


def page_example() -> dict[str, Any]:
    """The chat.completion example response on the gpt-5.2 doc page (read from the mirror at test time)."""
    return json.loads(_page_example_text())


@functools.cache
def _page_example_text() -> str:
    match = re.search(r"<summary>Response</summary>.*?```json5?\n(.*?)```", DOC_PAGE.read_text(), re.S)
    assert match, f"{DOC_PAGE}: no Response block"
    example: dict[str, Any] = json5.loads(match.group(1))
    assert example["object"] == "chat.completion"
    return json.dumps(example)


TOOL_CALL = {
    "id": "chatcmpl-tool",
    "object": "chat.completion",
    "created": 1765494440,
    "model": "gpt-5.2-2025-12-11",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
        }
    ],
    "usage": {"prompt_tokens": 40, "completion_tokens": 18, "total_tokens": 58},
}
FIRST_CHUNK = {
    "id": "chatcmpl-s",
    "object": "chat.completion.chunk",
    "created": 1765494440,
    "model": "gpt-5.2",
    "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
}
LAST_CHUNK = {
    "id": "chatcmpl-s",
    "object": "chat.completion.chunk",
    "created": 1765494440,
    "model": "gpt-5.2",
    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
}


# what a correction may answer besides a lint rule: what the suite or `conformance traffic` reports when a real
# answer breaks the published spec, and what `conformance docs` reports on the doc page that links the spec
FINDINGS = {"resp-schema-violation", "doc-model-not-in-spec"}
# where such a correction must say its evidence comes from
EVIDENCE = re.compile(r"recorded|openai-openapi|doc page|previous action")


def test_every_action_answers_a_registered_rule() -> None:
    assert conformance.suite.checks and conformance.docs.rules  # imported for their registrations
    overlay = load_overlay(OVERLAY)
    assert len(overlay.actions) > 40
    for action in overlay.actions:
        assert action.rule_id in RULES, f"{action.label}: x-rule {action.rule_id!r} is not a registered rule"
        assert action.rule_id.startswith("oas-") or action.rule_id in FINDINGS, action.label
        assert len(action.description) >= 20, action.label
        if action.rule_id in FINDINGS:
            assert action.kind == "correction", action.label
            assert EVIDENCE.search(action.description), f"{action.label}: no evidence named"


def test_corrections_answer_only_rules_about_validity() -> None:
    kinds: dict[str, set[str]] = {}
    for action in load_overlay(OVERLAY).actions:
        kinds.setdefault(action.kind, set()).add(action.rule_id)
    assert kinds["correction"] == {
        "oas-error-response-missing",
        "oas-integer-typed-as-number",
        "oas-message-content-not-nullable",
        "oas-stream-chunk-unsatisfiable",
        *FINDINGS,
    }
    assert not kinds["cosmetic"] & FINDINGS


def test_the_real_overlay_applies_cleanly(_published_once: dict[str, Any]) -> None:
    result: OverlayResult = apply_overlay(_published_once, load_overlay(OVERLAY))
    assert result.findings == ()  # no action is stale
    assert all(changed > 0 for _, changed in result.applied)
    assert list(check_structure(result.spec, "normalised")) == []
    assert lint(result.spec, "normalised") == []


def test_normalised_names_follow_the_openai_sdk(variants: dict[str, dict[str, Any]]) -> None:
    spec = variants["normalised"]
    schemas = spec["components"]["schemas"]
    for name in (
        "ChatCompletion",
        "Choice",
        "ChatCompletionMessage",
        "CompletionUsage",
        "ChatCompletionChunk",
        "ChunkChoice",
        "ChoiceDelta",
        "CreateChatCompletionRequest",
        "ErrorResponse",
        "ChatCompletionUserMessageParam",
        "ResponseFormatJSONSchema",
    ):
        assert name in schemas, name
    for path in ("/v1/chat/completions", "/chat/completions"):
        post = spec["paths"][path]["post"]
        assert post["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ChatCompletion"
        }
        assert post["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/CreateChatCompletionRequest"
        }
        assert post["responses"]["401"] == {"$ref": "#/components/responses/Error"}
    assert spec["security"] == [{"access-token": []}]
    assert schemas["ErrorResponse"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorObject"}
    assert set(schemas["ErrorObject"]["properties"]) == {"message", "type", "param", "code"}


def test_the_page_example_is_valid_in_every_form(validators: dict[str, tuple[Validator, Validator]]) -> None:
    example = page_example()
    for name, (body, _) in validators.items():
        assert body.violations(example) == [], name


def test_content_null_on_a_tool_call_is_a_correction(validators: dict[str, tuple[Validator, Validator]]) -> None:
    published = [v.path for v in validators["published"][0].violations(TOOL_CALL)]
    assert published == ["/choices/0/message/content"]
    assert [v.path for v in validators["cosmetic"][0].violations(TOOL_CALL)] == published
    assert validators["normalised"][0].violations(TOOL_CALL) == []


def test_stream_chunks_are_a_correction(validators: dict[str, tuple[Validator, Validator]]) -> None:
    published = validators["published"][1]
    assert {v.path for v in published.violations(FIRST_CHUNK)} == {"/choices/0/finish_reason"}
    assert {v.path for v in published.violations(LAST_CHUNK)} == {"/choices/0/delta/content", "/choices/0/delta/role"}
    cosmetic = validators["cosmetic"][1]
    assert not cosmetic.is_valid(FIRST_CHUNK)
    assert not cosmetic.is_valid(LAST_CHUNK)
    assert validators["normalised"][1].violations(FIRST_CHUNK) == []
    assert validators["normalised"][1].violations(LAST_CHUNK) == []


def test_integer_token_counts_are_a_correction(validators: dict[str, tuple[Validator, Validator]]) -> None:
    fractional = json.loads(json.dumps(page_example()))
    fractional["usage"]["total_tokens"] = 20.5
    fractional["created"] = 1765494440.5
    for name in ("published", "cosmetic"):
        assert validators[name][0].violations(fractional) == [], name
    assert {v.path for v in validators["normalised"][0].violations(fractional)} == {"/created", "/usage/total_tokens"}


# A response a server might send: the page example with one member replaced, dropped or nulled.
_MEMBERS = ["id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint"]
_CHOICE_MEMBERS = ["index", "message", "finish_reason", "logprobs"]
_MESSAGE_MEMBERS = ["role", "content", "refusal", "annotations", "tool_calls", "audio"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**10),
    st.floats(allow_nan=False, width=32),
    st.sampled_from(["", "stop", "assistant", "chat.completion", "tool_calls", "default"]),
    st.just([]),
    st.just({}),
    st.just({"type": "url_citation"}),
)


@st.composite
def responses(draw: st.DrawFn) -> dict[str, Any]:
    body = page_example()
    choice = body["choices"][0]
    # chosen before any change: a change to a replaced or dropped member is simply not part of the body
    targets: dict[str, tuple[dict[str, Any], list[str]]] = {
        "top": (body, _MEMBERS),
        "choice": (choice, _CHOICE_MEMBERS),
        "message": (choice["message"], _MESSAGE_MEMBERS),
        "usage": (body["usage"], ["prompt_tokens", "total_tokens", "prompt_tokens_details"]),
    }
    for _ in range(draw(st.integers(1, 3))):
        node, members = targets[draw(st.sampled_from(sorted(targets)))]
        key = draw(st.sampled_from(members))
        if draw(st.booleans()):
            node.pop(key, None)
        else:
            node[key] = draw(_VALUES)
    return body


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=responses())
def test_cosmetic_actions_never_change_validity(
    validators: dict[str, tuple[Validator, Validator]], body: dict[str, Any]
) -> None:
    """The same responses are valid under the published and the cosmetic spec (violations may be worded or
    placed differently: a lifted schema is reached through a reference)."""
    assert validators["cosmetic"][0].is_valid(body) == validators["published"][0].is_valid(body)


# -- OpenAI's documented behaviour that the published spec rejects (shapes from recorded OpenAI traffic) ------

REQUEST_BODY = ("paths", "/v1/chat/completions", "post", "requestBody", "content", "application/json", "schema")


@pytest.fixture(scope="module")
def requests(variants: dict[str, dict[str, Any]]) -> dict[str, Validator]:
    return {name: Validator(_at(spec, REQUEST_BODY), spec) for name, spec in variants.items()}


def _with_choice(**choice: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(TOOL_CALL))
    body["choices"][0] = {"index": 0, "logprobs": None, **choice}
    return body


TOKEN = {"token": "Foo", "logprob": -0.0025, "bytes": [70, 111, 111], "top_logprobs": []}
REFUSAL = _with_choice(
    finish_reason="stop",
    message={"role": "assistant", "content": None, "refusal": "I'm sorry, I can't help with that."},
    logprobs={"content": None, "refusal": [TOKEN]},
)
ANSWER_LOGPROBS = _with_choice(
    finish_reason="stop",
    message={"role": "assistant", "content": "Foo", "refusal": None},
    logprobs={"content": [TOKEN], "refusal": None},
)
FUNCTION_CALL = _with_choice(
    finish_reason="function_call",
    message={"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "{}"}},
)
CHUNK_LOGPROBS = {
    **FIRST_CHUNK,
    "choices": [
        {
            "index": 0,
            "delta": {"content": "Foo"},
            "finish_reason": None,
            "logprobs": {"content": [TOKEN], "refusal": None},
        }
    ],
}
FIRST_LOGPROBS_CHUNK = {
    **FIRST_CHUNK,
    "choices": [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "finish_reason": None,
            "logprobs": {"content": [], "refusal": None},
        }
    ],
}
USAGE_CHUNK = {**LAST_CHUNK, "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}}
TOOL_LOOP = {
    "model": "openai/gpt-5-2",
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"},
    ],
}


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        (REFUSAL, {"/choices/0/message/content", "/choices/0/logprobs"}),
        (ANSWER_LOGPROBS, {"/choices/0/logprobs"}),
        (FUNCTION_CALL, {"/choices/0/message/content", "/choices/0/finish_reason"}),
    ],
    ids=["refusal", "logprobs", "function-call"],
)
def test_openai_answers_are_a_correction(
    validators: dict[str, tuple[Validator, Validator]], body: dict[str, Any], paths: set[str]
) -> None:
    published = [v.path for v in validators["published"][0].violations(body)]
    for path in paths:  # at the member or inside it
        assert any(found.startswith(path) for found in published), (path, published)
    assert not validators["cosmetic"][0].is_valid(body)
    assert validators["normalised"][0].violations(body) == []


def test_logprob_chunks_are_a_correction(validators: dict[str, tuple[Validator, Validator]]) -> None:
    for chunk in (FIRST_LOGPROBS_CHUNK, CHUNK_LOGPROBS):
        published = [v.path for v in validators["published"][1].violations(chunk)]
        assert any(path.startswith("/choices/0/logprobs/") for path in published), published
        assert validators["normalised"][1].violations(chunk) == []
    # both members stay required: a missing one is still a violation
    missing = json.loads(json.dumps(CHUNK_LOGPROBS))
    del missing["choices"][0]["logprobs"]["refusal"]
    assert not validators["normalised"][1].is_valid(missing)


def test_the_function_call_member_is_declared(validators: dict[str, tuple[Validator, Validator]]) -> None:
    broken = json.loads(json.dumps(FUNCTION_CALL))
    broken["choices"][0]["message"]["function_call"] = {"name": "get_weather", "arguments": {"city": "Paris"}}
    assert "/choices/0/message/function_call" in {v.path for v in validators["normalised"][0].violations(broken)}
    delta = {
        **FIRST_CHUNK,
        "choices": [{"index": 0, "finish_reason": None, "delta": {"function_call": {"arguments": '{"ci'}}}],
    }
    assert validators["normalised"][1].violations(delta) == []


def test_a_final_usage_chunk_without_choices_needs_no_correction(
    validators: dict[str, tuple[Validator, Validator]],
) -> None:
    for name in ("published", "normalised"):
        assert validators[name][1].violations(USAGE_CHUNK) == [], name


def test_the_tool_loop_request_is_a_correction(requests: dict[str, Validator]) -> None:
    assert not requests["published"].is_valid(TOOL_LOOP)
    assert not requests["cosmetic"].is_valid(TOOL_LOOP)
    assert requests["normalised"].violations(TOOL_LOOP) == []
    # the other members of an assistant turn keep their types
    wrong = json.loads(json.dumps(TOOL_LOOP))
    wrong["messages"][1]["content"] = 5
    assert not requests["normalised"].is_valid(wrong)


@pytest.mark.parametrize("model", ["openai/gpt-5-2-pro", "openai/gpt-5-2-chat-latest", "gpt-4o-2024-08-06"])
def test_model_takes_the_family_ids_and_any_string(requests: dict[str, Validator], model: str) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    assert [v.path for v in requests["published"].violations(body)] == ["/model"]
    assert requests["normalised"].violations(body) == []
    assert not requests["normalised"].is_valid({**body, "model": 52})


def test_the_family_ids_stay_listed(variants: dict[str, dict[str, Any]]) -> None:
    normalised = variants["normalised"]
    schemas = normalised["components"]["schemas"]
    assert schemas["ChatModel"] == {
        "type": "string",
        "enum": ["openai/gpt-5-2", "openai/gpt-5-2-chat-latest", "openai/gpt-5-2-pro"],
    }
    assert schemas["CreateChatCompletionRequest"]["properties"]["model"] == {
        "anyOf": [{"$ref": "#/components/schemas/ChatModel"}, {"type": "string"}]
    }
    # the cosmetic form only names the published enum
    cosmetic = variants["cosmetic"]["components"]["schemas"]
    assert cosmetic["ChatModel"] == {"type": "string", "enum": ["openai/gpt-5-2"]}
    assert cosmetic["CreateChatCompletionRequest"]["properties"]["model"] == {"$ref": "#/components/schemas/ChatModel"}
