"""oas-security-scheme-unused: a declared scheme that no requirement applies."""

from __future__ import annotations

from conformance.findings import Level
from conformance.lint import lint

from .helpers import fixed_spec, hits

RULE = "oas-security-scheme-unused"


def test_silent_when_applied_at_the_top_level() -> None:
    assert hits(fixed_spec(), RULE) == []


def test_silent_when_applied_on_every_operation() -> None:
    spec = fixed_spec()
    del spec["security"]
    for item in spec["paths"].values():
        item["post"]["security"] = [{"bearer": []}]
    assert hits(spec, RULE) == []


def test_silent_when_applied_on_one_operation() -> None:
    spec = fixed_spec()
    del spec["security"]
    spec["paths"]["/chat/completions"]["post"]["security"] = [{"bearer": []}]
    assert hits(spec, RULE) == []


def test_fires_when_applied_nowhere() -> None:
    spec = fixed_spec()
    del spec["security"]
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (
        RULE,
        "/components/securitySchemes/bearer",
        Level.WARNING,
    )
    assert finding.message == "security scheme 'bearer' is declared but applied to no operation"
    assert finding.expected == "`security: [{bearer: []}]` at the top level or on operations"
    assert finding.found == "no `security` requirement anywhere"


def test_fires_only_for_the_unused_scheme_and_escapes_its_name() -> None:
    spec = fixed_spec()
    spec["components"]["securitySchemes"]["api/key"] = {"type": "apiKey", "in": "header", "name": "X-Key"}
    assert hits(spec) == [(RULE, "/components/securitySchemes/api~1key")]


def test_an_empty_requirement_list_applies_nothing() -> None:
    spec = fixed_spec()
    spec["security"] = []
    assert hits(spec) == [(RULE, "/components/securitySchemes/bearer")]
