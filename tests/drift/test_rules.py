"""One small spec pair per drift rule, with the exact findings it must produce (and nothing else)."""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from typing import Any

import pytest

from conformance.drift import diff_specs
from conformance.drift.rules import DRIFT_RULES
from conformance.findings import Level

from .specs import PATH, api, obj, request, response

S = {"type": "string"}
N = {"type": "number"}
INT = {"type": "integer"}


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(f.rule_id, f.level.label, f.pointer, f.message) for f in diff_specs(old, new)]


def loc(f: Any) -> str:
    return str(f.location)


# ---- operations, servers, auth --------------------------------------------------------------------
def test_operation_removed_and_added() -> None:
    old = api(paths=("/v1/chat/completions",))
    new = api(paths=("/v2/chat/completions",))
    found = diff_specs(old, new)
    assert [(f.rule_id, f.level, f.location, f.message) for f in found] == [
        ("drift-operation-removed", Level.ERROR, "POST /v1/chat/completions", "operation removed without deprecation"),
        ("drift-operation-added", Level.INFO, "POST /v2/chat/completions", "operation added"),
    ]
    assert found[0].hint == "the same operation is still published at /v2/chat/completions; point the client there"


def test_removing_a_deprecated_operation_is_a_warning() -> None:
    old = api(op={"deprecated": True}, paths=("/a/x", "/b/y"))
    new = api(paths=("/a/x",))
    assert changes(old, new) == [("drift-operation-removed", "warning", "", "operation removed (it was deprecated)")]


def test_operation_deprecated_and_renamed() -> None:
    old = api()
    new = api(op={"deprecated": True, "operationId": "createCompletion"})
    assert changes(old, new) == [
        ("drift-deprecated", "warning", "", "operation deprecated"),
        ("drift-operation-id-changed", "warning", "", "operationId changed from 'create' to 'createCompletion'"),
    ]


def test_server_url_changed() -> None:
    old = api(servers=("https://api-staging.example.com",))
    new = api(servers=("https://api.example.com",))
    assert changes(old, new) == [
        (
            "drift-server-changed",
            "warning",
            "servers",
            "server URL(s) changed from https://api-staging.example.com to https://api.example.com",
        )
    ]


def test_auth_changed_removed_relaxed() -> None:
    old = api()
    header = copy.deepcopy(old)
    header["components"]["securitySchemes"]["bearer"] = {"type": "apiKey", "in": "header", "name": "X-Key"}
    assert changes(old, header) == [
        ("drift-auth-changed", "error", "security", "authentication changed: http:bearer -> apiKey:header:X-Key")
    ]
    assert changes(old, api(security=False)) == [
        ("drift-auth-removed", "warning", "security", "authentication no longer documented (was http:bearer)")
    ]
    optional = copy.deepcopy(old)
    optional["security"] = [{"bearer": []}, {}]
    assert changes(old, optional) == [
        ("drift-auth-relaxed", "info", "security", "authentication relaxed: http:bearer -> anonymous or http:bearer")
    ]


# ---- request --------------------------------------------------------------------------------------
def test_new_required_request_field() -> None:
    old = request({"model": S})
    new = request({"model": S, "user": S}, ("model", "user"))
    assert changes(old, new) == [
        ("drift-request-required-added", "error", "request.body.user", "new required request field 'user': string")
    ]


def test_request_field_became_required_and_optional() -> None:
    old = request({"model": S, "n": INT})
    new = request({"model": S, "n": INT}, ("model", "n"))
    assert changes(old, new) == [
        ("drift-request-required-added", "error", "request.body.n", "request field 'n' became required")
    ]
    assert changes(new, old) == [
        ("drift-request-required-removed", "info", "request.body.n", "request field 'n' became optional")
    ]


def test_request_field_added_and_removed() -> None:
    old = request({"model": S})
    new = request({"model": S, "seed": INT})
    assert changes(old, new) == [
        ("drift-request-property-added", "info", "request.body.seed", "new optional request field 'seed': integer")
    ]
    assert changes(new, old) == [
        ("drift-request-property-removed", "warning", "request.body.seed", "request field 'seed' removed")
    ]


def test_request_enum_values() -> None:
    old = request({"model": {"type": "string", "enum": ["a", "b"]}})
    new = request({"model": {"type": "string", "enum": ["b", "c"]}})
    assert changes(old, new) == [
        ("drift-request-enum-value-removed", "error", "request.body.model", "enum value(s) removed: a"),
        ("drift-request-enum-value-added", "info", "request.body.model", "enum value(s) added: c"),
    ]
    free = request({"model": S})
    assert changes(free, old) == [
        ("drift-request-enum-value-removed", "error", "request.body.model", "now restricted to the enum a, b")
    ]


def test_dropping_type_string_from_an_enum_widens_the_request() -> None:
    """oasdiff calls this breaking; the enum still admits exactly the same strings."""
    old = request({"model": {"type": "string", "enum": ["a", "b"]}})
    new = request({"model": {"enum": ["a", "b"]}})
    assert changes(old, new) == [
        (
            "drift-request-type-widened",
            "info",
            "request.body.model",
            "type widened from string to any type; the enum still limits values to string, "
            "so every old request stays valid",
        )
    ]


def test_request_type_narrowed_and_widened() -> None:
    old = request({"model": S, "temperature": N})
    new = request({"model": S, "temperature": INT})
    assert changes(old, new) == [
        ("drift-request-type-changed", "error", "request.body.temperature", "type changed from number to integer")
    ]
    assert changes(new, old) == [
        ("drift-request-type-widened", "info", "request.body.temperature", "type widened from integer to number")
    ]
    nullable = request({"model": S, "temperature": {"type": "number", "nullable": True}})
    assert changes(nullable, old) == [
        ("drift-request-type-changed", "error", "request.body.temperature", "no longer accepts null")
    ]


def _messages(*variants: dict[str, Any]) -> dict[str, Any]:
    return request({"model": S, "messages": {"type": "array", "items": {"oneOf": list(variants)}}})


def _role(role: str, **extra: Any) -> dict[str, Any]:
    props = {"role": {"type": "string", "enum": [role]}, "content": S}
    props.update(extra)
    return obj(props, ("role", "content"))


def test_request_variant_removed_and_added() -> None:
    old = _messages(_role("user"), _role("tool"))
    new = _messages(_role("user"), _role("developer"))
    assert changes(old, new) == [
        (
            "drift-request-variant-removed",
            "error",
            "request.body.messages[].oneOf[role=tool]",
            "oneOf alternative role=tool removed",
        ),
        (
            "drift-request-variant-added",
            "info",
            "request.body.messages[].oneOf[role=developer]",
            "oneOf alternative role=developer added",
        ),
    ]


def test_variants_are_matched_by_content_not_position() -> None:
    """Only a description and a deprecated flag changed inside a reordered oneOf: no alternative was removed."""
    old = _messages(_role("system"), _role("user"), _role("assistant", name=S))
    described = _role("assistant", name={"type": "string", "description": "who speaks", "deprecated": True})
    described["description"] = "An assistant message"
    new = _messages(described, _role("user"), _role("system"))
    assert changes(old, new) == [
        (
            "drift-deprecated",
            "warning",
            "request.body.messages[].oneOf[role=assistant].name",
            "request.body.messages[].oneOf[role=assistant].name deprecated",
        ),
        (
            "drift-doc-changed",
            "info",
            "",
            "descriptions/titles changed at 2 place(s): "
            "request.body.messages[].oneOf[role=assistant].description, "
            "request.body.messages[].oneOf[role=assistant].name.description",
        ),
    ]


def test_request_constraints() -> None:
    old = request({"model": S, "top_p": {"type": "number", "minimum": 0, "maximum": 1}})
    new = request({"model": S, "top_p": {"type": "number", "minimum": 0.1, "maximum": 1}})
    assert changes(old, new) == [
        ("drift-request-constraint-narrowed", "error", "request.body.top_p", "minimum changed from 0 to 0.1")
    ]
    assert changes(new, old) == [
        ("drift-request-constraint-relaxed", "info", "request.body.top_p", "minimum changed from 0.1 to 0")
    ]


def test_request_body_became_required() -> None:
    old = request({"model": S})
    old["paths"][PATH]["post"]["requestBody"]["required"] = False
    new = request({"model": S})
    assert changes(old, new) == [
        ("drift-request-body-required", "error", "request.body", "request body became required")
    ]


def test_request_content_type_removed_and_added() -> None:
    old = request({"model": S})
    new = copy.deepcopy(old)
    body = new["paths"][PATH]["post"]["requestBody"]["content"]
    body["multipart/form-data"] = body.pop("application/json")
    assert changes(old, new) == [
        ("drift-request-content-type-removed", "error", "request.body", "content type application/json removed"),
        (
            "drift-request-content-type-added",
            "info",
            "request.body[multipart/form-data]",
            "content type multipart/form-data added",
        ),
    ]


def test_request_default_changed() -> None:
    old = request({"model": S, "n": {"type": "integer", "default": 1}})
    new = request({"model": S, "n": {"type": "integer", "default": 2}})
    assert changes(old, new) == [("drift-default-changed", "warning", "request.body.n", "default changed from 1 to 2")]


def test_request_parameters() -> None:
    old = api(obj({"model": S}, ("model",)))
    new = copy.deepcopy(old)
    new["paths"][PATH]["post"]["parameters"] = [{"name": "version", "in": "query", "required": True, "schema": S}]
    assert changes(old, new) == [
        ("drift-request-required-added", "error", "request.query.version", "new required query parameter 'version'")
    ]


# ---- response -------------------------------------------------------------------------------------
def test_response_field_removed() -> None:
    old = response({"id": S, "usage": obj({"total_tokens": INT})}, ("id",))
    new = response({"usage": obj({"total_tokens": INT})})
    assert changes(old, new) == [
        ("drift-response-property-removed", "error", "response.200.id", "required response field 'id' removed")
    ]
    optional = response({"id": S}, ("id",))
    assert changes(old, optional) == [
        (
            "drift-response-optional-property-removed",
            "warning",
            "response.200.usage",
            "optional response field 'usage' removed",
        )
    ]


def test_response_field_made_optional_and_required() -> None:
    old = response({"id": S}, ("id",))
    new = response({"id": S})
    assert changes(old, new) == [
        ("drift-response-property-optional", "error", "response.200.id", "response field 'id' is no longer required")
    ]
    assert changes(new, old) == [
        ("drift-response-property-required", "info", "response.200.id", "response field 'id' became required")
    ]


def test_response_field_made_nullable_in_either_spelling() -> None:
    old = response({"content": S}, ("content",))
    nullable = response({"content": {"type": "string", "nullable": True}}, ("content",))
    any_of = response({"content": {"anyOf": [S, {"type": "null"}]}}, ("content",))
    expected = [
        ("drift-response-nullable-added", "error", "response.200.content", "response.200.content may now be null")
    ]
    assert changes(old, nullable) == expected
    assert changes(old, any_of) == expected
    assert changes(nullable, any_of) == []


def test_response_field_added_names_its_shape() -> None:
    old = response({"id": S})
    meta = obj(
        {"usage": obj({"credits_used": N, "usd_spent": N}, ("credits_used", "usd_spent"), nullable=True)}, nullable=True
    )
    new = response({"id": S, "meta": meta})
    assert changes(old, new) == [
        (
            "drift-response-property-added",
            "info",
            "response.200.meta",
            "new optional response field 'meta': object|null {usage?: object|null "
            "{credits_used: number, usd_spent: number}}",
        )
    ]


def test_response_enum_widened_and_narrowed() -> None:
    old = response({"finish_reason": {"type": "string", "enum": ["stop", "length"]}})
    new = response({"finish_reason": {"type": "string", "enum": ["stop", "length", "tool_calls"]}})
    assert changes(old, new) == [
        ("drift-response-enum-value-added", "error", "response.200.finish_reason", "enum value(s) added: tool_calls")
    ]
    assert changes(new, old) == [
        ("drift-response-enum-value-removed", "info", "response.200.finish_reason", "enum value(s) removed: tool_calls")
    ]


def test_response_type_changed_and_narrowed() -> None:
    old = response({"created": INT})
    new = response({"created": N})
    assert changes(old, new) == [
        ("drift-response-type-changed", "error", "response.200.created", "type changed from integer to number")
    ]
    assert changes(new, old) == [
        ("drift-response-type-narrowed", "info", "response.200.created", "type narrowed from number to integer")
    ]


def test_response_variants() -> None:
    text = obj({"type": {"type": "string", "enum": ["text"]}, "text": S})
    image = obj({"type": {"type": "string", "enum": ["image"]}, "url": S})
    old = response({"part": {"oneOf": [text]}})
    new = response({"part": {"oneOf": [text, image]}})
    assert changes(old, new) == [
        (
            "drift-response-variant-added",
            "warning",
            "response.200.part.oneOf[type=image]",
            "oneOf alternative type=image added",
        )
    ]
    assert changes(new, old) == [
        (
            "drift-response-variant-removed",
            "info",
            "response.200.part.oneOf[type=image]",
            "oneOf alternative type=image removed",
        )
    ]


def test_response_constraint_changed() -> None:
    old = response({"id": {"type": "string", "maxLength": 10}})
    new = response({"id": {"type": "string", "maxLength": 20}})
    assert changes(old, new) == [
        ("drift-response-constraint-changed", "info", "response.200.id", "maxLength changed from 10 to 20")
    ]


def test_response_content_type_removed_and_added() -> None:
    old = api(stream=obj({"id": S}))
    new = api()
    assert changes(old, new) == [
        (
            "drift-response-content-type-removed",
            "error",
            "response.200[text/event-stream]",
            "content type text/event-stream removed",
        )
    ]
    assert changes(new, old) == [
        (
            "drift-response-content-type-added",
            "info",
            "response.200[text/event-stream]",
            "content type text/event-stream added",
        )
    ]


def test_response_status_codes() -> None:
    created = api(status="201")
    ok = api(status="200")
    assert changes(created, ok) == [
        ("drift-response-success-status-changed", "error", "response.201", "success status changed from 201 to 200")
    ]
    with_error = copy.deepcopy(ok)
    with_error["paths"][PATH]["post"]["responses"]["400"] = {"description": "bad"}
    assert changes(ok, with_error) == [
        ("drift-response-status-added", "info", "response.400", "response 400 documented")
    ]
    assert changes(with_error, ok) == [
        ("drift-response-status-removed", "warning", "response.400", "response 400 no longer documented")
    ]


# ---- everything else ------------------------------------------------------------------------------
def test_unclassified_keyword_change() -> None:
    old = request({"model": S, "x": {"type": "object", "discriminator": {"propertyName": "kind"}}})
    new = request({"model": S, "x": {"type": "object", "discriminator": {"propertyName": "type"}}})
    assert changes(old, new) == [
        (
            "drift-schema-changed",
            "warning",
            "request.body.x",
            'discriminator changed from {"propertyName": "kind"} to {"propertyName": "type"}',
        )
    ]


def test_docs_and_examples_are_info_and_separate() -> None:
    old = request({"model": S})
    new = copy.deepcopy(old)
    op = new["paths"][PATH]["post"]
    op["summary"] = "Create"
    op["x-codeSamples"] = [{"lang": "python", "source": "print()"}]
    op["requestBody"]["content"]["application/json"]["schema"]["properties"]["model"]["example"] = "gpt"
    assert changes(old, new) == [
        ("drift-doc-changed", "info", "", "descriptions/titles changed at 1 place(s): summary"),
        (
            "drift-example-changed",
            "info",
            "",
            "examples/code samples/extensions changed at 2 place(s): request.body.model.example, x-codeSamples",
        ),
    ]


def test_same_change_under_both_aliases_is_reported_once() -> None:
    old = request({"model": S}, paths=("/v1/chat/completions", "/chat/completions"))
    new = request({"model": S, "user": S}, ("model", "user"), paths=("/v1/chat/completions", "/chat/completions"))
    found = diff_specs(old, new)
    assert [(f.rule_id, f.location, f.pointer) for f in found] == [
        ("drift-request-required-added", "POST /chat/completions, POST /v1/chat/completions", "request.body.user")
    ]
    assert found[0].get("locations") == ["POST /chat/completions", "POST /v1/chat/completions"]


def test_aliases_that_differ_are_merged_where_they_agree() -> None:
    old = request({"model": S}, paths=("/v1/chat/completions", "/chat/completions"))
    new = copy.deepcopy(old)
    for path in ("/v1/chat/completions", "/chat/completions"):
        new["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["n"] = INT
    new["paths"]["/v1/chat/completions"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "seed"
    ] = INT
    found = [(f.rule_id, f.location, f.pointer) for f in diff_specs(old, new)]
    assert found == [
        ("drift-request-property-added", "POST /chat/completions, POST /v1/chat/completions", "request.body.n"),
        ("drift-request-property-added", "POST /v1/chat/completions", "request.body.seed"),
    ]


def test_refs_are_followed_and_renames_do_not_count() -> None:
    inline = request({"model": S, "n": INT})
    by_ref = request({"model": S, "n": {"$ref": "#/components/schemas/Count"}})
    by_ref["components"]["schemas"] = {"Count": INT}
    assert changes(inline, by_ref) == []
    by_ref_wider = copy.deepcopy(by_ref)
    by_ref_wider["components"]["schemas"]["Count"] = N
    assert changes(by_ref, by_ref_wider) == [
        ("drift-request-type-widened", "info", "request.body.n", "type widened from integer to number")
    ]


def test_allof_is_folded() -> None:
    flat = request({"model": S, "n": INT})
    composed = api(obj({}, (), allOf=[obj({"model": S}, ("model",)), obj({"n": INT})]))
    assert changes(flat, composed) == []


def test_recursive_schema_terminates() -> None:
    node = {"$ref": "#/components/schemas/Node"}
    old = request({"model": S, "tree": node})
    old["components"]["schemas"] = {"Node": obj({"children": {"type": "array", "items": node}})}
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Node"]["properties"]["name"] = S
    assert changes(old, new) == [
        ("drift-request-property-added", "info", "request.body.tree.name", "new optional request field 'name': string")
    ]


def test_unused_component_schema_changes_are_info() -> None:
    old = request({"model": S})
    old["components"]["schemas"] = {"Spare": obj({"a": S}, ("a",))}
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Spare"]["properties"]["a"] = INT
    assert changes(old, new) == [
        (
            "drift-unused-schema-changed",
            "info",
            "",
            "unused component schema 'Spare' changed: a.type changed from string to integer",
        )
    ]


#: rules tested elsewhere: a broken or cyclic $ref and an unloadable spec are outcomes of reading a spec, not a
#: difference between two small specs (test_history.py, test_hostile.py, test_property.py, test_cli.py)
ELSEWHERE = {"drift-ref-broken", "drift-ref-cycle", "drift-spec-unloadable"}


def _expected_ids() -> set[str]:
    """Every rule id this module's tests expect, read from their source (the string literals they assert)."""
    tree = ast.parse(Path(__file__).read_text())
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and node.name != "test_rule_has_a_pair":
            found |= {
                n.value
                for n in ast.walk(node)
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in DRIFT_RULES
            }
    return found


EXPECTED_IDS = _expected_ids()


@pytest.mark.parametrize("rule_id", sorted(set(DRIFT_RULES) - ELSEWHERE))
def test_rule_has_a_pair(rule_id: str) -> None:
    """Each registered drift rule is the expected result of at least one fixture pair in this module."""
    assert rule_id in EXPECTED_IDS, f"{rule_id}: no test here expects it; add a fixture pair"


@pytest.mark.parametrize("rule_id", sorted(DRIFT_RULES))
def test_rule_is_documented(rule_id: str) -> None:
    drift_rule = DRIFT_RULES[rule_id]
    assert rule_id.startswith("drift-")
    assert drift_rule.direction in {"request", "response", "both", "spec"}
    assert drift_rule.rule.summary and drift_rule.client
