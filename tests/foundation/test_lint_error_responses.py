"""oas-error-response-missing: an operation that documents no 4XX, 5XX or default response."""

from __future__ import annotations

import pytest

from conformance.findings import Level
from conformance.lint import lint

from .helpers import ALIAS, V1, fixed_spec, hits

RULE = "oas-error-response-missing"


def _responses(spec: dict, statuses: dict) -> dict:  # type: ignore[type-arg]
    spec["paths"]["/v1/chat/completions"]["post"]["responses"] = statuses
    return spec


def test_silent_on_the_fixed_spec() -> None:
    assert hits(fixed_spec(), RULE) == []


@pytest.mark.parametrize("status", ["400", "404", "429", "4XX", "500", "5XX", "default"])
def test_any_error_status_counts(status: str) -> None:
    spec = fixed_spec()
    ok = spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]
    _responses(spec, {"200": ok, status: {"$ref": "#/components/responses/Error"}})
    assert hits(spec, RULE) == []


def test_fires_on_the_operation_without_one() -> None:
    spec = fixed_spec()
    ok = spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]
    _responses(spec, {"200": ok, "302": {"description": "moved"}})
    [finding] = lint(spec, "spec.json")
    assert (finding.rule_id, finding.pointer, finding.level) == (RULE, V1 + "/responses", Level.WARNING)
    assert finding.message == "POST /v1/chat/completions documents no error response"
    assert (finding.expected, finding.found) == ("at least one of 4XX, 5XX or default", "only ['200', '302']")


def test_fires_once_per_operation() -> None:
    spec = fixed_spec()
    for path in ("/v1/chat/completions", "/chat/completions"):
        responses = spec["paths"][path]["post"]["responses"]
        spec["paths"][path]["post"]["responses"] = {"200": responses["200"]}
    assert hits(spec) == [(RULE, ALIAS + "/responses"), (RULE, V1 + "/responses")]
