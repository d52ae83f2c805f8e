"""Hostile servers against the suite's checks: nothing they send may crash the checks, make them fetch, or hide a
defect behind a path prefix. End to end, `test_targets.py` runs whole runs against hostile targets on loopback (a key
echoed back, every request refused, stalls, a budget), and `test_backoff.py` against rate limits and 5xx.
"""

from __future__ import annotations

from typing import Any

import attrs

from conformance.findings import Level, Source
from conformance.suite.checks import CheckContext, check_exchange

from .helpers import completion, exchange


def server_errors(findings: list[Any]) -> set[tuple[str, str]]:
    return {(f.rule_id, f.pointer) for f in findings if f.source is Source.SERVER and f.level is Level.ERROR}


def test_a_target_with_a_path_prefix_keeps_its_schema_checks(ctx: CheckContext) -> None:
    ctx.target_base = "/gateway"
    drifted = attrs.evolve(
        exchange(completion(created="yesterday")), url="http://127.0.0.1:9/gateway/v1/chat/completions"
    )
    assert ("resp-schema-violation", "/created") in server_errors(check_exchange(drifted, ctx))


def test_a_requested_json_schema_is_never_fetched(ctx: CheckContext, watched_host: tuple[str, list[str]]) -> None:
    host, seen = watched_host
    request = {
        "model": "m",
        "messages": [],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "a",
                "schema": {"type": "object", "properties": {"x": {"$ref": f"{host}/schema.json"}}},
            },
        },
    }
    body = completion(
        choices=[{"index": 0, "message": {"role": "assistant", "content": '{"x": "a"}'}, "finish_reason": "stop"}]
    )
    check_exchange(exchange(body, request=request), ctx)
    assert seen == []


def test_a_hostile_answer_nested_too_deep_is_a_finding_not_a_crash(ctx: CheckContext) -> None:
    for depth in (1_000, 100_000):
        raw = ("[" * depth + "]" * depth).encode()
        findings = check_exchange(exchange(None, raw=raw), ctx)
        assert [(f.rule_id, f.source) for f in findings] == [("resp-body-not-json", Source.SERVER)]
        assert "nested" in findings[0].message
        stream = exchange(
            None,
            raw=b"data: " + raw + b"\n\ndata: [DONE]\n\n",
            content_type="text/event-stream",
            request={"model": "m", "messages": [], "stream": True},
        )
        assert ("resp-stream-chunk-shape", "/events/0") in {(f.rule_id, f.pointer) for f in check_exchange(stream, ctx)}
