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

from conformance.findings import RULES
from conformance.lint import CHECKS, check_structure, lint
from conformance.overlay import OverlayResult, apply_overlay, load_overlay
from conformance.schema import Validator

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
    return {name: (Validator(_at(spec, JSON_BODY), spec), Validator(_at(spec, STREAM_BODY), spec))
            for name, spec in variants.items()}


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
    "id": "chatcmpl-tool", "object": "chat.completion", "created": 1765494440, "model": "gpt-5.2-2025-12-11",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": None, "refusal": None,
        "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}}],
    "usage": {"prompt_tokens": 40, "completion_tokens": 18, "total_tokens": 58},
}
FIRST_CHUNK = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1765494440, "model": "gpt-5.2",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
LAST_CHUNK = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1765494440, "model": "gpt-5.2",
              "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}


def test_every_action_answers_a_registered_lint_rule() -> None:
    overlay = load_overlay(OVERLAY)
    assert len(overlay.actions) > 40
    for action in overlay.actions:
        assert action.rule_id in RULES, f"{action.label}: x-rule {action.rule_id!r} is not a registered rule"
        assert action.rule_id.startswith("oas-"), action.label
        assert len(action.description) >= 20, action.label


def test_corrections_answer_only_rules_about_validity() -> None:
    kinds: dict[str, set[str]] = {}
    for action in load_overlay(OVERLAY).actions:
        kinds.setdefault(action.kind, set()).add(action.rule_id)
    assert kinds["correction"] == {"oas-error-response-missing", "oas-integer-typed-as-number",
                                   "oas-message-content-not-nullable", "oas-stream-chunk-unsatisfiable"}


def test_the_real_overlay_applies_cleanly(_published_once: dict[str, Any]) -> None:
    result: OverlayResult = apply_overlay(_published_once, load_overlay(OVERLAY))
    assert result.findings == ()  # no action is stale
    assert all(changed > 0 for _, changed in result.applied)
    assert list(check_structure(result.spec, "normalised")) == []
    assert lint(result.spec, "normalised") == []


def test_normalised_names_follow_the_openai_sdk(variants: dict[str, dict[str, Any]]) -> None:
    spec = variants["normalised"]
    schemas = spec["components"]["schemas"]
    for name in ("ChatCompletion", "Choice", "ChatCompletionMessage", "CompletionUsage", "ChatCompletionChunk",
                 "ChunkChoice", "ChoiceDelta", "CreateChatCompletionRequest", "ErrorResponse",
                 "ChatCompletionUserMessageParam", "ResponseFormatJSONSchema"):
        assert name in schemas, name
    for path in ("/v1/chat/completions", "/chat/completions"):
        post = spec["paths"][path]["post"]
        assert post["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ChatCompletion"}
        assert post["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/CreateChatCompletionRequest"}
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
    assert {v.path for v in validators["normalised"][0].violations(fractional)} == {"/created",
                                                                                    "/usage/total_tokens"}


# A response a server might send: the page example with one member replaced, dropped or nulled.
_MEMBERS = ["id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint"]
_CHOICE_MEMBERS = ["index", "message", "finish_reason", "logprobs"]
_MESSAGE_MEMBERS = ["role", "content", "refusal", "annotations", "tool_calls", "audio"]
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**10), st.floats(allow_nan=False, width=32),
                    st.sampled_from(["", "stop", "assistant", "chat.completion", "tool_calls", "default"]),
                    st.just([]), st.just({}), st.just({"type": "url_citation"}))


@st.composite
def responses(draw: st.DrawFn) -> dict[str, Any]:
    body = page_example()
    choice = body["choices"][0]
    # chosen before any change: a change to a replaced or dropped member is simply not part of the body
    targets: dict[str, tuple[dict[str, Any], list[str]]] = {
        "top": (body, _MEMBERS), "choice": (choice, _CHOICE_MEMBERS), "message": (choice["message"], _MESSAGE_MEMBERS),
        "usage": (body["usage"], ["prompt_tokens", "total_tokens", "prompt_tokens_details"])}
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
def test_cosmetic_actions_never_change_validity(validators: dict[str, tuple[Validator, Validator]],
                                                body: dict[str, Any]) -> None:
    """The same responses are valid under the published and the cosmetic spec (violations may be worded or
    placed differently: a lifted schema is reached through a reference)."""
    assert validators["cosmetic"][0].is_valid(body) == validators["published"][0].is_valid(body)
