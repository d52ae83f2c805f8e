"""oas-nullable-without-type: `nullable: true` where no `type` gives it meaning."""

from __future__ import annotations

from conformance.findings import Level
from conformance.lint import lint

from .helpers import SCHEMAS, V1, fixed_spec, hits

RULE = "oas-nullable-without-type"
METADATA = SCHEMAS + "/Request/properties/metadata/additionalProperties"


def test_silent_when_typed() -> None:
    spec = fixed_spec()
    assert spec["components"]["schemas"]["Request"]["properties"]["metadata"]["additionalProperties"] == {
        "type": "string",
        "nullable": True,
    }
    assert hits(spec, RULE) == []


def test_silent_on_a_nullable_reference() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Completion"]["properties"]["usage"] = {
        "allOf": [{"$ref": "#/components/schemas/Usage"}],
        "nullable": True,
    }
    assert hits(spec, RULE) == []


def test_fires_where_the_type_is_missing() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Request"]["properties"]["metadata"]["additionalProperties"] = {"nullable": True}
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (RULE, METADATA, Level.WARNING)
    assert (finding.message, finding.expected, finding.found) == (
        "`nullable: true` without `type`",
        "a `type` beside `nullable`",
        '{"nullable": true}',
    )


def test_fires_in_every_kind_of_nested_schema() -> None:
    spec = fixed_spec()
    schemas = spec["components"]["schemas"]
    schemas["Request"]["properties"]["stop"] = {"oneOf": [{"type": "string"}, {"nullable": True}]}
    schemas["Request"]["properties"]["tags"] = {"type": "array", "items": {"nullable": True, "description": "x"}}
    schemas["Request"]["properties"]["logit_bias"] = {"type": "object", "additionalProperties": {"nullable": True}}
    spec["paths"]["/v1/chat/completions"]["post"]["parameters"] = [
        {"name": "trace", "in": "query", "schema": {"nullable": True}}
    ]
    spec["components"]["responses"]["Error"]["content"]["application/json"]["schema"] = {
        "allOf": [{"$ref": "#/components/schemas/ErrorResponse"}],
        "nullable": True,
        "properties": {"detail": {"nullable": True}},
    }
    assert pointers_of(spec) == sorted(
        [
            SCHEMAS + "/Request/properties/stop/oneOf/1",
            SCHEMAS + "/Request/properties/tags/items",
            SCHEMAS + "/Request/properties/logit_bias/additionalProperties",
            V1 + "/parameters/0/schema",
            "/components/responses/Error/content/application~1json/schema/properties/detail",
        ]
    )


def pointers_of(spec: dict) -> list[str]:  # type: ignore[type-arg]
    return [pointer for rule, pointer in hits(spec) if rule == RULE]
