"""A fixture pair: the same small API written with every defect the published spec has, and fixed.

The defective one yields exactly the findings listed here (rule id and JSON pointer); the fixed one none.
"""

from __future__ import annotations

from collections import Counter

import pytest

from conformance.cli import main
from conformance.findings import Level
from conformance.lint import lint
from conformance.oas import resolve_pointer

from .helpers import ALIAS, DATA, V1, fixed_spec, hits, load_json

JSON = "/content/application~1json/schema"
STREAM = "/content/text~1event-stream/schema"
CHOICE = "/properties/choices/items"


def _expected() -> list[tuple[str, str]]:
    per_op = [
        ("oas-response-description-missing", "/responses/200"),
        ("oas-error-response-missing", "/responses"),
        ("oas-example-invalid", "/responses/200" + JSON + "/properties/created/example"),
        ("oas-integer-typed-as-number", "/requestBody" + JSON + "/properties/max_tokens"),
        ("oas-integer-typed-as-number", "/responses/200" + JSON + "/properties/created"),
        ("oas-integer-typed-as-number", "/responses/200" + JSON + CHOICE + "/properties/index"),
        ("oas-integer-typed-as-number", "/responses/200" + JSON + "/properties/usage/properties/total_tokens"),
        (
            "oas-nullable-without-type",
            "/requestBody" + JSON + "/properties/response_format/properties/schema/additionalProperties",
        ),
        (
            "oas-message-content-not-nullable",
            "/responses/200" + JSON + CHOICE + "/properties/message/properties/content",
        ),
        ("oas-stream-chunk-unsatisfiable", "/responses/200" + STREAM + CHOICE + "/properties/finish_reason"),
        ("oas-stream-chunk-unsatisfiable", "/responses/200" + STREAM + CHOICE + "/properties/delta"),
    ] + [
        ("oas-inline-object-schema", suffix)
        for suffix in (
            "/requestBody" + JSON,
            "/requestBody" + JSON + "/properties/messages/items",
            "/requestBody" + JSON + "/properties/response_format",
            "/responses/200" + JSON,
            "/responses/200" + JSON + CHOICE,
            "/responses/200" + JSON + CHOICE + "/properties/message",
            "/responses/200" + JSON + CHOICE + "/properties/message/properties/tool_calls/items",
            "/responses/200" + JSON + CHOICE + "/properties/message/properties/tool_calls/items/properties/function",
            "/responses/200" + JSON + "/properties/usage",
            "/responses/200" + STREAM,
            "/responses/200" + STREAM + CHOICE,
            "/responses/200" + STREAM + CHOICE + "/properties/delta",
        )
    ]
    expected = [(rule, op + suffix) for op in (V1, ALIAS) for rule, suffix in per_op]
    expected += [
        ("oas-security-scheme-unused", "/components/securitySchemes/access-token"),
        ("oas-duplicate-path-alias", ALIAS),
        ("oas-code-sample-invalid", V1 + "/x-codeSamples/0"),  # sends "max_tokens": "64"
        ("oas-code-sample-invalid", V1 + "/x-codeSamples/1"),  # a Ruby sample: cannot be read (warning)
    ]
    return sorted(expected)


def test_the_defective_spec_shows_each_defect_at_its_pointer() -> None:
    assert hits(load_json("chat_published_like.json")) == _expected()


def test_levels_of_the_defective_spec() -> None:
    findings = lint(load_json("chat_published_like.json"), "spec.json")
    assert Counter(f.level for f in findings) == {Level.ERROR: 5, Level.WARNING: 20, Level.INFO: 25}
    unreadable = [f for f in findings if f.pointer == V1 + "/x-codeSamples/1"]
    assert [(f.level, f.message) for f in unreadable] == [
        (
            Level.WARNING,
            "Ruby sample: cannot read the request body (samples in 'Ruby' are not read "
            "(only Python, JavaScript, cURL, HTTP))",
        )
    ]


def test_the_fixed_spec_is_clean() -> None:
    assert hits(fixed_spec()) == []


@pytest.mark.parametrize("name", ["chat_published_like.json", "chat_fixed.json"])
def test_every_pointer_resolves_in_the_linted_document(name: str) -> None:
    spec = load_json(name)
    for finding in lint(spec, name):
        resolve_pointer(spec, finding.pointer)  # raises KeyError when a pointer leads nowhere


def test_cli_exit_codes_on_the_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(DATA / "chat_fixed.json")]) == 0
    assert capsys.readouterr().out.endswith("0 finding(s): 0 error, 0 warning, 0 info\n")
    assert main(["lint", str(DATA / "chat_published_like.json")]) == 1
    assert capsys.readouterr().out.endswith("50 finding(s): 5 error, 20 warning, 25 info\n")
    assert main(["lint", str(DATA / "chat_published_like.json"), "--fail-on", "never"]) == 0
    capsys.readouterr()
    assert main(["lint", str(DATA / "chat_published_like.json"), "--min-level", "warning", "--fail-on", "warning"]) == 1
    assert capsys.readouterr().out.endswith("25 finding(s): 5 error, 20 warning, 0 info\n")
