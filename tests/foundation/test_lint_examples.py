"""oas-example-invalid (an `example` that violates its own schema) and oas-code-sample-invalid (an
`x-codeSamples` request body that violates the request schema, or cannot be read)."""

from __future__ import annotations

import pytest

from conformance.findings import Level
from conformance.lint import lint

from .helpers import SCHEMAS, V1, fixed_spec, hits

EXAMPLE = "oas-example-invalid"
SAMPLE = "oas-code-sample-invalid"


def test_silent_on_valid_examples_and_samples() -> None:
    spec = fixed_spec()
    assert len(spec["paths"]["/v1/chat/completions"]["post"]["x-codeSamples"]) == 2
    assert hits(spec, EXAMPLE) == hits(spec, SAMPLE) == []


def test_example_of_the_wrong_type() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Usage"]["properties"]["prompt_tokens"]["example"] = "seven"
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (
        EXAMPLE,
        SCHEMAS + "/Usage/properties/prompt_tokens/example",
        Level.ERROR,
    )
    assert finding.message == 'example violates its schema at /: "seven" is not of type "integer"'
    assert (finding.expected, finding.found) == ('type: "integer"', '"seven"')


def test_example_violations_point_into_the_example() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Message"]["example"] = {"role": "robot"}
    assert hits(spec) == [(EXAMPLE, SCHEMAS + "/Message/example/content"), (EXAMPLE, SCHEMAS + "/Message/example/role")]


def test_example_outside_a_range() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Request"]["properties"]["temperature"]["example"] = 3
    assert hits(spec) == [(EXAMPLE, SCHEMAS + "/Request/properties/temperature/example")]


def test_null_example_of_a_nullable_schema_is_valid() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["ChunkChoice"]["properties"]["finish_reason"]["example"] = None
    assert hits(spec) == []


def test_example_checked_through_references() -> None:
    spec = fixed_spec()
    choice = {"index": 0, "finish_reason": "stop", "message": {"role": "user", "content": "a"}}
    spec["components"]["schemas"]["Completion"]["example"] = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "choices": [choice],
    }
    assert hits(spec) == [(EXAMPLE, SCHEMAS + "/Completion/example/choices/0/message/role")]


def _sample(spec: dict, lang: str, source: str) -> dict:  # type: ignore[type-arg]
    spec["paths"]["/v1/chat/completions"]["post"]["x-codeSamples"] = [{"lang": lang, "source": source}]
    return spec


def test_curl_sample_with_a_body_the_schema_rejects() -> None:
    spec = _sample(
        fixed_spec(),
        "cURL",
        "curl https://api.example.test/v1/chat/completions \\\n"
        '  -H \'Authorization: Bearer KEY\' \\\n  -d \'{"model": "mini", "max_tokens": "64"}\'',
    )
    findings = lint(spec, "spec.json")
    assert sorted((f.rule_id, f.pointer, f.level) for f in findings) == [
        (SAMPLE, V1 + "/x-codeSamples/0", Level.ERROR),
        (SAMPLE, V1 + "/x-codeSamples/0", Level.ERROR),
    ]
    assert sorted(f.message for f in findings) == [
        'cURL sample sends a body that violates the request schema at /max_tokens: "64" is not of type "integer"',
        'cURL sample sends a body that violates the request schema at /messages: "messages" is a required property',
    ]


@pytest.mark.parametrize(
    ("lang", "source"),
    [
        ("Python", 'import requests\nrequests.post("https://x.test/v1/chat/completions", json={"model": "gpt"})\n'),
        (
            "JavaScript",
            "fetch('https://x.test/v1/chat/completions', {method: 'POST', body: JSON.stringify("
            "{model: 'mini', messages: []}),});",
        ),
        ("HTTP", 'POST /v1/chat/completions HTTP/1.1\nHost: x.test\n\n{"model": "mini", "messages": [], "n": 1}'),
    ],
)
def test_each_language_is_read(lang: str, source: str) -> None:
    spec = _sample(fixed_spec(), lang, source)
    assert {(f.rule_id, f.pointer, f.level) for f in lint(spec, "spec.json")} == {
        (SAMPLE, V1 + "/x-codeSamples/0", Level.ERROR)
    }


def test_valid_javascript_sample_is_silent() -> None:
    spec = _sample(
        fixed_spec(),
        "JavaScript",
        "await fetch('https://x.test/v1/chat/completions', {\n"
        "  method: 'POST',\n  body: JSON.stringify({\n    model: 'mini',\n"
        "    messages: [{role: 'user', content: 'Hello'}],\n  }),\n});",
    )
    assert hits(spec) == []


def test_unreadable_sample_is_a_warning() -> None:
    spec = _sample(fixed_spec(), "cURL", "curl https://api.example.test/v1/chat/completions -d '{not json'")
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (SAMPLE, V1 + "/x-codeSamples/0", Level.WARNING)
    assert finding.message.startswith("cURL sample: cannot read the request body (the curl --data body is not JSON: ")


def test_a_broken_request_schema_does_not_stop_lint() -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Request"]["properties"]["model"]["pattern"] = "["
    spec["components"]["schemas"]["Request"]["properties"]["model"]["example"] = "mini"
    spec["components"]["schemas"]["Usage"]["properties"]["prompt_tokens"]["example"] = "seven"
    assert hits(spec) == [
        (EXAMPLE, SCHEMAS + "/Usage/properties/prompt_tokens/example"),
        ("oas-invalid", ""),
        ("oas-invalid", SCHEMAS + "/Request"),
    ]
