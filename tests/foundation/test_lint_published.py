"""The pinned published gpt-5-2-openai.json (read through the fetcher from the mirror, never copied here):
each defect the issue names shows at its pointer; the cosmetic form keeps exactly the defects the
corrections answer; the normalised form is clean."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conformance import paths
from conformance.cli import main
from conformance.lint import lint
from conformance.load.specs import load_spec
from conformance.oas import resolve_pointer
from conformance.overlay import load_overlay

from .helpers import ALIAS, V1

JSON = "/responses/200/content/application~1json/schema"
STREAM = "/responses/200/content/text~1event-stream/schema"
REQUEST = "/requestBody/content/application~1json/schema"
CHOICE = "/properties/choices/items"


def _both(*suffixes: str) -> list[str]:
    return sorted(op + suffix for op in (V1, ALIAS) for suffix in suffixes)


def _by_rule(findings: list[Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in findings:
        out.setdefault(f.rule_id, []).append(f.pointer)
    return {rule: sorted(pointers) for rule, pointers in out.items()}


@pytest.fixture(scope="module")
def found(_published_once: dict[str, Any]) -> dict[str, list[str]]:
    """Lint once for the module (lint never changes the spec it reads)."""
    return _by_rule(lint(_published_once, "gpt-5-2-openai.json"))


def test_response_200_has_no_description(found: dict[str, list[str]]) -> None:
    assert found["oas-response-description-missing"] == _both("/responses/200")
    assert "/paths/~1v1~1chat~1completions/post/responses/200" in found["oas-response-description-missing"]
    assert "oas-invalid" not in found  # the only structural problem has its own rule


def test_bearer_scheme_is_declared_but_unused(found: dict[str, list[str]]) -> None:
    assert found["oas-security-scheme-unused"] == ["/components/securitySchemes/access-token"]


def test_no_error_response(found: dict[str, list[str]]) -> None:
    assert found["oas-error-response-missing"] == _both("/responses")


def test_four_nullable_without_type(found: dict[str, list[str]]) -> None:
    assert found["oas-nullable-without-type"] == _both(
        REQUEST + "/properties/response_format/oneOf/2/properties/json_schema/properties/schema/additionalProperties",
        REQUEST + "/properties/tools/items/properties/function/properties/parameters/additionalProperties",
    )


def test_integers_typed_number(found: dict[str, list[str]]) -> None:
    usage = [f"/properties/usage/properties/{n}" for n in ("prompt_tokens", "completion_tokens", "total_tokens")]
    assert found["oas-integer-typed-as-number"] == _both(
        REQUEST + "/properties/max_tokens",
        REQUEST + "/properties/top_logprobs",
        JSON + "/properties/created",
        JSON + CHOICE + "/properties/index",
        *(JSON + u for u in usage),
        STREAM + "/properties/created",
        STREAM + CHOICE + "/properties/index",
        STREAM + CHOICE + "/properties/delta/properties/tool_calls/items/properties/index",
        *(STREAM + u for u in usage),
    )


def test_path_alias(found: dict[str, list[str]]) -> None:
    assert found["oas-duplicate-path-alias"] == [ALIAS]


def test_stream_chunks_and_message_content(found: dict[str, list[str]]) -> None:
    assert found["oas-stream-chunk-unsatisfiable"] == _both(
        STREAM + CHOICE + "/properties/finish_reason", STREAM + CHOICE + "/properties/delta"
    )
    assert found["oas-message-content-not-nullable"] == _both(JSON + CHOICE + "/properties/message/properties/content")


def test_exact_counts_and_nothing_else(found: dict[str, list[str]], published: dict[str, Any]) -> None:
    assert {rule: len(p) for rule, p in found.items()} == {
        "oas-response-description-missing": 2,
        "oas-security-scheme-unused": 1,
        "oas-error-response-missing": 2,
        "oas-nullable-without-type": 4,
        "oas-integer-typed-as-number": 26,
        "oas-duplicate-path-alias": 1,
        "oas-stream-chunk-unsatisfiable": 4,
        "oas-message-content-not-nullable": 2,
        "oas-inline-object-schema": 114,
    }
    for pointers in found.values():
        for pointer in pointers:
            resolve_pointer(published, pointer)


@pytest.fixture
def pinned(mirror: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPEC_MIRROR", str(mirror))
    return project


def test_cli_lint_exits_1_on_the_published_spec(pinned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] | {"error": 2, "warning": 39, "info": 115} == report["summary"]
    assert {f["rule_id"] for f in report["findings"] if f["level"] == "error"} == {"oas-response-description-missing"}


def test_cli_lint_text_shows_rule_pointer_expected_found_and_fix(
    pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "--min-level", "error"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("lint gpt-5-2-openai.json\n")
    assert (
        "ERROR   oas-response-description-missing  gpt-5-2-openai.json#/paths/~1v1~1chat~1completions/post/"
        "responses/200\n"
        "        POST /v1/chat/completions: response 200 has no `description`\n"
        "        expected: a `description` string (required)\n"
        "        found:    no `description` key\n"
        "        fix:      add a `description` to the response\n"
    ) in out
    assert out.endswith("2 finding(s): 2 error, 0 warning, 0 info\n")


def test_cli_lint_normalised_is_clean(pinned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--spec", "normalised", "--fail-on", "info"]) == 0
    assert capsys.readouterr().out == (
        "lint gpt-5-2-openai.json (normalised)\n0 finding(s): 0 error, 0 warning, 0 info\n"
    )


def test_cosmetic_form_keeps_exactly_what_the_corrections_answer(pinned: Path) -> None:
    cosmetic = load_spec("cosmetic")
    findings = lint(cosmetic, "cosmetic")
    # corrections answering a lint rule (others answer what real traffic or a doc page showed: not lint's)
    corrections = {
        a.rule_id
        for a in load_overlay(paths.overlay_path()).actions
        if a.kind == "correction" and a.rule_id.startswith("oas-")
    }
    assert {f.rule_id for f in findings} == corrections
    assert Counter(f.rule_id for f in findings) == {
        "oas-error-response-missing": 2,
        "oas-integer-typed-as-number": 10,
        "oas-message-content-not-nullable": 1,
        "oas-stream-chunk-unsatisfiable": 2,
    }
    for finding in findings:
        resolve_pointer(cosmetic, finding.pointer)  # named components, not paths through a $ref
    assert sorted(f.pointer for f in findings if f.rule_id != "oas-integer-typed-as-number") == [
        "/components/schemas/ChatCompletionMessage/properties/content",
        "/components/schemas/ChoiceDelta",
        "/components/schemas/ChunkChoice/properties/finish_reason",
        ALIAS + "/responses",
        V1 + "/responses",
    ]
