"""oas-stream-chunk-unsatisfiable (chunks no real stream can satisfy) and oas-message-content-not-nullable
(a tool-calling message that must carry string content). Reported once, where the schema is defined."""

from __future__ import annotations

import copy

from conformance.findings import Level
from conformance.lint import lint

from .helpers import ALIAS, SCHEMAS, V1, fixed_spec, hits

STREAM = "oas-stream-chunk-unsatisfiable"
CONTENT = "oas-message-content-not-nullable"
CHUNK_CHOICE = "/responses/200/content/text~1event-stream/schema/properties/choices/items"
MESSAGE = "/responses/200/content/application~1json/schema/properties/choices/items/properties/message"


def test_silent_on_the_fixed_spec() -> None:
    assert hits(fixed_spec(), STREAM) == hits(fixed_spec(), CONTENT) == []


def test_finish_reason_required_and_not_nullable() -> None:
    spec = fixed_spec()
    finish = spec["components"]["schemas"]["ChunkChoice"]["properties"]["finish_reason"]
    del finish["nullable"]
    finish["enum"] = ["stop", "length", "tool_calls"]
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (
        STREAM,
        SCHEMAS + "/ChunkChoice/properties/finish_reason",
        Level.WARNING,
    )
    assert finding.message == (
        "every chunk must carry a non-null finish_reason; real streams send null until the last chunk"
    )
    assert (finding.expected, finding.found) == (
        "finish_reason nullable (null until the last chunk)",
        "required, not nullable",
    )


def test_finish_reason_that_may_be_absent_is_fine() -> None:
    spec = fixed_spec()
    choice = spec["components"]["schemas"]["ChunkChoice"]
    del choice["properties"]["finish_reason"]["nullable"]
    choice["properties"]["finish_reason"]["enum"] = ["stop"]
    choice["required"] = ["index", "delta"]
    assert hits(spec, STREAM) == []


def test_finish_reason_nullable_through_a_reference() -> None:
    spec = fixed_spec()
    schemas = spec["components"]["schemas"]
    schemas["FinishReason"] = {"type": "string", "enum": ["stop", "length"]}
    schemas["ChunkChoice"]["properties"]["finish_reason"] = {
        "allOf": [{"$ref": "#/components/schemas/FinishReason"}],
        "nullable": True,
    }
    assert hits(spec, STREAM) == []
    schemas["ChunkChoice"]["properties"]["finish_reason"] = {"$ref": "#/components/schemas/FinishReason"}
    assert hits(spec, STREAM) == [(STREAM, SCHEMAS + "/ChunkChoice/properties/finish_reason")]


def test_delta_that_requires_role_or_content() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Delta"]["required"] = ["role", "content"]
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer) == (STREAM, SCHEMAS + "/Delta")
    assert finding.found == "required: ['role', 'content']"
    spec["components"]["schemas"]["Delta"]["required"] = ["content"]
    assert hits(spec) == [(STREAM, SCHEMAS + "/Delta")]


def test_delta_behind_a_nullable_reference() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Delta"]["required"] = ["role"]
    spec["components"]["schemas"]["ChunkChoice"]["properties"]["delta"] = {
        "allOf": [{"$ref": "#/components/schemas/Delta"}],
        "nullable": True,
    }
    assert hits(spec) == [(STREAM, SCHEMAS + "/Delta")]


def test_inline_chunk_schemas_are_reported_per_path() -> None:
    spec = fixed_spec()
    schemas = spec["components"]["schemas"]
    inline = copy.deepcopy(schemas["Chunk"])
    inline["properties"]["choices"]["items"] = copy.deepcopy(schemas["ChunkChoice"])
    inline["properties"]["choices"]["items"]["properties"]["delta"] = copy.deepcopy(schemas["Delta"])
    inline["properties"]["choices"]["items"]["properties"]["delta"]["required"] = ["role"]
    for path in ("/v1/chat/completions", "/chat/completions"):
        media = spec["paths"][path]["post"]["responses"]["200"]["content"]
        media["text/event-stream"]["schema"] = copy.deepcopy(inline)
    assert hits(spec, STREAM) == [
        (STREAM, ALIAS + CHUNK_CHOICE + "/properties/delta"),
        (STREAM, V1 + CHUNK_CHOICE + "/properties/delta"),
    ]


def test_message_content_required_and_not_nullable() -> None:
    spec = fixed_spec()
    del spec["components"]["schemas"]["AssistantMessage"]["properties"]["content"]["nullable"]
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (
        CONTENT,
        SCHEMAS + "/AssistantMessage/properties/content",
        Level.WARNING,
    )
    assert finding.message == "a tool-calling message must have a string `content`, but real ones carry null"
    assert (finding.expected, finding.found) == ("content nullable", "type 'string', required, not nullable")


def test_message_content_is_fine_when_optional_or_without_tools() -> None:
    spec = fixed_spec()
    message = spec["components"]["schemas"]["AssistantMessage"]
    del message["properties"]["content"]["nullable"]
    message["required"] = ["role"]
    assert hits(spec, CONTENT) == []
    message["required"] = ["role", "content"]
    del message["properties"]["tool_calls"]
    assert hits(spec, CONTENT) == []


def test_inline_message_is_reported_per_path() -> None:
    spec = fixed_spec()
    schemas = spec["components"]["schemas"]
    inline = copy.deepcopy(schemas["Completion"])
    inline["properties"]["choices"]["items"] = copy.deepcopy(schemas["Choice"])
    inline["properties"]["choices"]["items"]["properties"]["message"] = copy.deepcopy(schemas["AssistantMessage"])
    del inline["properties"]["choices"]["items"]["properties"]["message"]["properties"]["content"]["nullable"]
    for path in ("/v1/chat/completions", "/chat/completions"):
        media = spec["paths"][path]["post"]["responses"]["200"]["content"]
        media["application/json"]["schema"] = copy.deepcopy(inline)
    assert hits(spec, CONTENT) == [
        (CONTENT, ALIAS + MESSAGE + "/properties/content"),
        (CONTENT, V1 + MESSAGE + "/properties/content"),
    ]
