"""oas-invalid (structural validation) and oas-response-description-missing."""

from __future__ import annotations

from conformance.findings import Level
from conformance.lint import lint

from .helpers import ALIAS, V1, fixed_spec, hits, minimal_spec


def test_silent_on_valid_documents() -> None:
    assert hits(minimal_spec()) == []
    assert hits(fixed_spec()) == []


def test_missing_required_field_points_at_its_parent() -> None:
    spec = minimal_spec()
    del spec["info"]["version"]
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == ("oas-invalid", "/info", Level.ERROR)
    assert finding.message == 'not valid OpenAPI 3.0: "version" is a required property'
    assert finding.expected == "a document valid against the OpenAPI 3.0 schema"
    assert finding.found == '{"title": "tiny"}'
    assert finding.hint == "make the document validate against the OpenAPI 3.0 schema"


def test_invalid_parameter_points_at_the_parameter() -> None:
    spec = minimal_spec()
    spec["paths"]["/items"]["get"]["parameters"] = [{"name": "q", "in": "query"}]  # neither schema nor content
    assert hits(spec) == [("oas-invalid", "/paths/~1items/get/parameters/0")]


def test_a_ref_that_points_nowhere_is_reported_at_the_ref() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Choice"]["properties"]["message"] = {"$ref": "#/components/schemas/Missing"}
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer) == ("oas-invalid", "/components/schemas/Choice/properties/message/$ref")
    assert finding.message == "$ref '#/components/schemas/Missing' points nowhere in this document"
    assert finding.found == "#/components/schemas/Missing"


def test_schema_errors_the_validator_cannot_place_are_reported_without_a_wrong_pointer() -> None:
    spec = minimal_spec()
    spec["paths"]["/items"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "strin"}
    findings = lint(spec, "spec.json")
    assert sorted((f.rule_id, f.pointer) for f in findings) == [
        ("oas-invalid", ""),
        ("oas-invalid", "/paths/~1items/get/responses/200"),
    ]
    unplaced = next(f for f in findings if f.pointer == "")
    assert unplaced.message.startswith("not valid OpenAPI 3.0: 'strin' is not one of ")
    assert unplaced.message.endswith("(in a schema; the validator does not say which)")
    assert all("\n" not in f.message for f in findings)


def test_response_without_description_has_its_own_rule() -> None:
    spec = fixed_spec()
    del spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["description"]
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (
        "oas-response-description-missing",
        V1 + "/responses/200",
        Level.ERROR,
    )
    assert finding.message == "POST /v1/chat/completions: response 200 has no `description`"
    assert (finding.expected, finding.found) == ("a `description` string (required)", "no `description` key")


def test_each_response_without_description_is_reported_once() -> None:
    spec = fixed_spec()
    for path in ("/v1/chat/completions", "/chat/completions"):
        del spec["paths"][path]["post"]["responses"]["200"]["description"]
    assert hits(spec) == [
        ("oas-response-description-missing", ALIAS + "/responses/200"),
        ("oas-response-description-missing", V1 + "/responses/200"),
    ]


def test_a_named_response_without_description_is_structural() -> None:
    spec = fixed_spec()
    del spec["components"]["responses"]["Error"]["description"]
    assert hits(spec) == [("oas-invalid", "/components/responses/Error")]
