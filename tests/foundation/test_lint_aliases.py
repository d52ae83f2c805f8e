"""oas-duplicate-path-alias: two paths with identical inline operations (every model generated twice)."""

from __future__ import annotations

import copy

from conformance.findings import Level
from conformance.lint import lint

from .helpers import ALIAS, fixed_spec, hits

RULE = "oas-duplicate-path-alias"
INLINE_BODY = {"type": "object", "required": ["model"], "properties": {"model": {"type": "string"}}}


def _inline_aliases() -> dict:  # type: ignore[type-arg]
    spec = fixed_spec()
    for path in ("/v1/chat/completions", "/chat/completions"):
        spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"] = copy.deepcopy(INLINE_BODY)
        spec["paths"][path]["post"]["responses"]["200"]["description"] = "A completion."
    spec["components"]["schemas"]["Request"]["example"] = {
        "model": "mini",
        "messages": [{"role": "user", "content": "Hi"}],
    }
    return spec


def test_silent_when_aliases_share_components() -> None:
    assert hits(fixed_spec(), RULE) == []


def test_fires_on_the_second_alias_with_inline_schemas() -> None:
    spec = _inline_aliases()
    findings = [f for f in lint(spec, "spec.json") if f.rule_id == RULE]
    assert [(f.pointer, f.level) for f in findings] == [(ALIAS, Level.INFO)]
    assert findings[0].message == "POST /chat/completions repeats POST /v1/chat/completions with inline schemas"
    assert findings[0].found == "identical inline operation at /v1/chat/completions"


def test_names_descriptions_and_samples_do_not_make_operations_different() -> None:
    spec = _inline_aliases()
    alias = spec["paths"]["/chat/completions"]["post"]
    alias.update(operationId="other", summary="another summary", description="text")
    alias["x-codeSamples"] = [{"lang": "HTTP", "source": "POST /chat/completions HTTP/1.1\n\n{}"}]
    assert [p for r, p in hits(spec) if r == RULE] == [ALIAS]


def test_different_operations_are_not_aliases() -> None:
    spec = _inline_aliases()
    spec["paths"]["/chat/completions"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "user"
    ] = {"type": "string"}
    assert hits(spec, RULE) == []


def test_different_methods_are_not_aliases() -> None:
    spec = _inline_aliases()
    spec["paths"]["/chat/completions"]["put"] = spec["paths"]["/chat/completions"].pop("post")
    assert hits(spec, RULE) == []
