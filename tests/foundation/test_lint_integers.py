"""oas-integer-typed-as-number: timestamps, indexes, counts and token numbers typed `number`."""

from __future__ import annotations

import pytest

from conformance.findings import Level
from conformance.lint import lint

from .helpers import SCHEMAS, fixed_spec, hits

RULE = "oas-integer-typed-as-number"


def test_silent_on_integers_and_on_real_numbers() -> None:
    spec = fixed_spec()
    assert spec["components"]["schemas"]["Request"]["properties"]["temperature"]["type"] == "number"
    assert hits(spec, RULE) == []


@pytest.mark.parametrize(
    ("schema", "prop"),
    [
        ("Completion", "created"),
        ("Choice", "index"),
        ("ChunkChoice", "index"),
        ("Usage", "prompt_tokens"),
        ("Usage", "completion_tokens"),
        ("Usage", "total_tokens"),
        ("Request", "max_tokens"),
    ],
)
def test_fires_on_each_integer_by_meaning(schema: str, prop: str) -> None:
    spec = fixed_spec()
    spec["components"]["schemas"][schema]["properties"][prop]["type"] = "number"
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (
        RULE,
        f"{SCHEMAS}/{schema}/properties/{prop}",
        Level.WARNING,
    )
    assert finding.message == f"{prop!r} is an integer by meaning but typed `number`"
    assert (finding.expected, finding.found) == ("type: integer", "type: number")


@pytest.mark.parametrize(
    "prop",
    [
        "n",
        "seed",
        "top_logprobs",
        "expires_at",
        "max_completion_tokens",
        "reasoning_tokens",
        "start_index",
        "end_index",
        "timestamp",
    ],
)
def test_known_integer_names(prop: str) -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Request"]["properties"][prop] = {"type": "number"}
    assert hits(spec) == [(RULE, f"{SCHEMAS}/Request/properties/{prop}")]


@pytest.mark.parametrize("prop", ["temperature", "top_p", "presence_penalty", "frequency_penalty", "score"])
def test_real_numbers_stay_numbers(prop: str) -> None:
    spec = fixed_spec()
    spec["components"]["schemas"]["Request"]["properties"][prop] = {"type": "number"}
    assert hits(spec) == []
