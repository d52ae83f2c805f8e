"""``additionalProperties: false`` dropped in many places is one finding; unused component schemas are info only."""

from __future__ import annotations

import copy
from typing import Any

from conformance.drift import diff_specs
from conformance.findings import Level

from .specs import api, obj


def _closed(props: dict[str, Any]) -> dict[str, Any]:
    return obj(props, additionalProperties=False)


def _spec(closed: bool) -> dict[str, Any]:
    def shape(props: dict[str, Any]) -> dict[str, Any]:
        return _closed(props) if closed else obj(props)

    message = shape({"role": {"type": "string"}, "content": {"type": "string"}})
    usage = shape({"total_tokens": {"type": "integer"}})
    choice = shape({"index": {"type": "integer"}, "message": message})
    response = shape({"id": {"type": "string"}, "usage": usage, "choices": {"type": "array", "items": choice}})
    return api(
        obj({"model": {"type": "string"}}, ("model",)), response, paths=("/v1/chat/completions", "/chat/completions")
    )


def test_additional_properties_false_removed_everywhere_is_one_finding_with_the_places() -> None:
    findings = diff_specs(_spec(True), _spec(False))
    opened = [f for f in findings if "additionalProperties" in f.message]
    assert len(opened) == 1, [f.message for f in findings]
    [f] = opened
    assert f.message.startswith("additionalProperties: false removed from 4 objects at once: ")
    places = f.get("places")
    assert len(places) == 4
    assert "response.200.choices[].message" in places
    assert f.get("locations") == ["POST /chat/completions", "POST /v1/chat/completions"]


def test_a_single_removal_stays_a_finding_of_its_own() -> None:
    old = api(obj({"model": {"type": "string"}}, ("model",)), _closed({"id": {"type": "string"}}))
    new = api(obj({"model": {"type": "string"}}, ("model",)), obj({"id": {"type": "string"}}))
    [f] = diff_specs(old, new)
    assert f.message.startswith("additionalProperties opened") and f.pointer == "response.200"


def test_the_grouped_finding_is_stable_and_reordering_does_not_change_it() -> None:
    first = diff_specs(_spec(True), _spec(False))
    again = diff_specs(copy.deepcopy(_spec(True)), copy.deepcopy(_spec(False)))
    assert [f.to_dict() for f in first] == [f.to_dict() for f in again]


def _with_components(schemas: dict[str, Any]) -> dict[str, Any]:
    spec = api(obj({"model": {"$ref": "#/components/schemas/Model"}}, ("model",)))
    spec["components"]["schemas"] = {"Model": {"type": "string"}, **schemas}
    return spec


def test_unused_component_schemas_are_compared_as_info_only() -> None:
    old = _with_components({"Legacy": obj({"a": {"type": "string"}}, ("a",)), "Gone": {"type": "string"}})
    new = _with_components(
        {"Legacy": obj({"a": {"type": "integer"}, "b": {"type": "string"}}, ("a", "b")), "Fresh": {"type": "boolean"}}
    )
    findings = diff_specs(old, new)
    assert findings, "unused schemas are compared"
    assert {f.level for f in findings} == {Level.INFO}
    assert {f.rule_id for f in findings} == {"drift-unused-schema-changed"}
    messages = {f.location: [] for f in findings}
    for f in findings:
        messages[f.location].append(f.message)
    assert messages["schema Gone"] == ["unused component schema 'Gone' removed"]
    assert messages["schema Fresh"] == ["unused component schema 'Fresh' added: boolean"]
    [legacy] = messages["schema Legacy"]
    assert legacy.startswith("unused component schema 'Legacy' changed: ")
    assert "a.type changed from string to integer" in legacy and "b added" in legacy


def test_a_used_component_schema_keeps_its_real_level() -> None:
    old = _with_components({})
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Model"] = {"type": "integer"}
    [f] = diff_specs(old, new)
    assert f.level == Level.ERROR and f.rule_id == "drift-request-type-changed"


def test_markdown_folds_unused_schema_changes_and_the_fingerprint_ignores_them() -> None:
    from conformance.drift.report import Step, fingerprint, render_markdown

    old = _with_components({"Legacy": obj({"a": {"type": "string"}})})
    new = _with_components({"Legacy": obj({"a": {"type": "integer"}})})
    findings = diff_specs(old, new)
    assert [f.rule_id for f in findings] == ["drift-unused-schema-changed"]
    assert fingerprint(findings) == "none", "no alert for a schema nobody uses"
    text = render_markdown([Step("a", "b", tuple(findings))], "t")
    assert "<details><summary>1 change(s) to component schemas no operation uses (info)</summary>" in text


def test_text_reports_put_unused_schema_changes_on_one_line() -> None:
    from conformance.drift.report import Step, render_text

    old = _with_components({"A": obj({"a": {"type": "string"}}), "B": {"type": "string"}})
    new = _with_components({"A": obj({"a": {"type": "integer"}}), "B": {"type": "number"}})
    findings = diff_specs(old, new)
    assert len(findings) == 2
    text = render_text([Step("a", "b", tuple(findings))], "t")
    assert "INFO     drift-unused-schema-changed  2 change(s) to component schemas no operation uses: A, B" in text
    assert "2 change(s): 0 breaking, 0 warning, 2 info" in text
