"""The rule registry: ids unique, kebab-case, area-prefixed; each with a level, a summary and a fix;
`conformance rules` lists every one of them."""

from __future__ import annotations

import json
import re

import pytest

import conformance.lint
import conformance.overlay
from conformance.cli import main
from conformance.findings import RULES, Level, Rule, Source, rule

KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
FOUNDATION = sorted(r.id for r in RULES.values() if r.id.startswith(("oas-", "overlay-")))
ISSUE_RULES = [
    "oas-invalid",
    "oas-response-description-missing",
    "oas-security-scheme-unused",
    "oas-error-response-missing",
    "oas-nullable-without-type",
    "oas-integer-typed-as-number",
    "oas-duplicate-path-alias",
    "oas-example-invalid",
    "oas-code-sample-invalid",
    "oas-inline-object-schema",
    "oas-stream-chunk-unsatisfiable",
    "oas-message-content-not-nullable",
]


def test_lint_and_overlay_rules_are_registered() -> None:
    assert conformance.lint.CHECKS and conformance.overlay.UNNEEDED  # imported for their registrations
    expected = sorted([*ISSUE_RULES, "oas-external-ref", "overlay-action-unneeded", "overlay-target-missing"])
    assert expected == FOUNDATION


@pytest.mark.parametrize("rule_id", FOUNDATION)
def test_each_foundation_rule_is_complete(rule_id: str) -> None:
    registered = RULES[rule_id]
    assert KEBAB.match(registered.id)
    assert isinstance(registered.level, Level)
    assert registered.source is Source.SPEC
    assert registered.summary and registered.summary == registered.summary.strip()
    assert registered.fix, f"{rule_id} has no fix"


def test_registering_an_id_twice_with_another_meaning_fails() -> None:
    existing = RULES["oas-invalid"]
    assert rule(existing.id, existing.level, existing.source, existing.summary, existing.fix) is existing
    with pytest.raises(RuntimeError, match="registered twice with different meanings"):
        rule("oas-invalid", Level.INFO, Source.SPEC, "something else")
    assert RULES["oas-invalid"] is existing


def test_finding_defaults_to_the_rule_fix_as_hint() -> None:
    finding = RULES["oas-invalid"].finding("spec.json", "broken", pointer="/info")
    assert (finding.rule_id, finding.level, finding.where, finding.hint) == (
        "oas-invalid",
        Level.ERROR,
        "spec.json#/info",
        RULES["oas-invalid"].fix,
    )


def test_conformance_rules_lists_every_registered_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    ids = [r["id"] for r in listed]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert set(ids) == set(RULES)  # the command imports every module that registers rules
    assert set(FOUNDATION) <= set(ids)
    for entry in listed:
        assert KEBAB.match(entry["id"]), entry["id"]
        assert entry["level"] in {"error", "warning", "info"}
        assert entry["source"] in {s.value for s in Source}
        assert entry["summary"]
    by_id = {r["id"]: r for r in listed}
    for rule_id in FOUNDATION:
        registered: Rule = RULES[rule_id]
        assert by_id[rule_id] == {
            "id": rule_id,
            "level": registered.level.label,
            "source": "spec",
            "summary": registered.summary,
            "fix": registered.fix,
        }


def test_conformance_rules_text_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert len(text) == len(RULES)
    line = next(x for x in text if x.startswith("oas-nullable-without-type "))
    assert line.split()[:3] == ["oas-nullable-without-type", "warning", "spec"]
    assert main(["rules", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out.splitlines()
    assert markdown[:2] == ["| id | level | source | why |", "|---|---|---|---|"]
    assert len(markdown) == len(RULES) + 2


def test_findings_survive_a_json_round_trip() -> None:
    """Reports and baselines store findings as JSON; reading one back gives the same finding."""
    from conformance.findings import Finding
    from conformance.lint import lint

    from .helpers import load_json

    findings = lint(load_json("chat_published_like.json"), "spec.json")
    findings.append(RULES["oas-invalid"].finding("spec.json", "m", pointer="/a~1b", extra={"z": 1, "a": [2]}))
    for finding in findings:
        again = Finding.from_dict(json.loads(json.dumps(finding.to_dict())))
        assert again == finding
        assert again.fingerprint == finding.fingerprint
