"""oas-inline-object-schema: an object schema a generator must name by its position (readability, info)."""

from __future__ import annotations

from conformance.findings import Level
from conformance.lint import lint

from .helpers import SCHEMAS, V1, fixed_spec, hits

RULE = "oas-inline-object-schema"


def test_silent_when_every_object_is_a_named_component() -> None:
    assert hits(fixed_spec(), RULE) == []


def test_fires_on_an_inline_response_body() -> None:
    spec = fixed_spec()
    spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object",
        "properties": {"id": {"type": "string"}},
    }
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (
        RULE,
        V1 + "/responses/200/content/application~1json/schema",
        Level.INFO,
    )
    assert finding.message == (
        "inline object schema; a generator names it by position (about 24 characters: V1ChatCompletionsType200)"
    )
    assert (finding.expected, finding.found) == (
        "a named schema under components/schemas",
        "an inline object with properties",
    )


def test_fires_on_objects_nested_in_components_but_not_on_components() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Choice"]["properties"]["logprobs"] = {
        "type": "object",
        "properties": {
            "content": {"type": "array", "items": {"type": "object", "properties": {"token": {"type": "string"}}}}
        },
    }
    assert hits(spec) == [
        (RULE, SCHEMAS + "/Choice/properties/logprobs"),
        (RULE, SCHEMAS + "/Choice/properties/logprobs/properties/content/items"),
    ]


def test_objects_without_properties_and_references_are_fine() -> None:
    spec = fixed_spec()
    request = spec["components"]["schemas"]["Request"]["properties"]
    request["extra"] = {"type": "object", "additionalProperties": True}
    request["usage"] = {"$ref": "#/components/schemas/Usage"}
    assert hits(spec) == []
