"""The suite's checks on real recorded OpenAI exchanges (``../shared/real-traffic``): no false alarm.

Every recorded exchange with OpenAI (and Azure OpenAI) goes through the same checks as `conformance run`,
against the pinned published spec and the normalised one. A server-fault error is allowed only where it is a
real deviation of that exchange, named below with why it is real. Exchanges whose request was not recorded
(or only partly) get no request-dependent check. The recordings are read from beside the clone and never
copied into the project; without them the tests are skipped with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.findings import Level, Source
from conformance.suite.checks import CheckContext, SpecView, check_exchange
from conformance.suite.exchange import Exchange

TRAFFIC = Path(__file__).resolve().parents[2].parent / "shared" / "real-traffic" / "responses"
PROVIDERS = {"openai", "azure-openai"}

#: file -> {(rule, kind)}: real deviations of the recorded exchange, each with why it is real
REAL_DEVIATIONS: dict[str, dict[tuple[str, str], str]] = {
    "azure-openai__ai__azure-model-router.1-stream.json": {
        (
            "resp-schema-violation",
            "enum:string",
        ): 'Azure\'s first chunk carries only prompt_filter_results, with `object: ""`: not a chat.completion.chunk',
        (
            "resp-stream-chunk-shape",
            "id-changes",
        ): 'that first chunk has `id: ""` while the others carry the completion\'s id',
    },
}


def _recordings() -> list[Path]:
    if not TRAFFIC.is_dir():
        return []
    return sorted(p for p in TRAFFIC.glob("*.json") if json.loads(p.read_text())["provider"] in PROVIDERS)


def _exchange(record: dict[str, Any]) -> Exchange:
    if record["kind"] == "stream":
        text = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in record["chunks"])
        raw, media = (
            (text + ("" if record["done_marker"] is False else "data: [DONE]\n\n")).encode(),
            "text/event-stream",
        )
    else:
        raw, media = json.dumps(record["body"]).encode(), "application/json"
    request = record.get("request")
    return Exchange.build(
        operation="POST /v1/chat/completions",
        method="POST",
        url="https://api.openai.com/v1/chat/completions",
        request_headers={},
        request_body=request,
        status=record.get("http_status") or 200,
        response_headers={"content-type": media},
        response_body=raw,
        request_complete=isinstance(request, dict) and not record.get("request_partial"),
    )


@pytest.fixture(scope="module")
def context(request: pytest.FixtureRequest) -> CheckContext:
    if not TRAFFIC.is_dir():
        pytest.skip(f"the recorded traffic {TRAFFIC} is not there (CI provides ../shared beside the clone)")
    spec_fixture = request.getfixturevalue("real_specs")
    published, normalised = spec_fixture
    return CheckContext(SpecView(published, "published"), SpecView(normalised, "normalised"))


@pytest.fixture(scope="module")
def real_specs() -> tuple[dict[str, Any], dict[str, Any]]:
    from upstream_data import pinned_mirror

    from conformance.load.fetch import Fetcher
    from conformance.load.specs import load_spec

    fetcher = Fetcher(mirror=pinned_mirror())  # skips, saying why, when no upstream data is reachable
    return load_spec("published", fetcher), load_spec("normalised", fetcher)


def test_there_are_openai_recordings_to_check() -> None:
    if not TRAFFIC.is_dir():
        pytest.skip(f"the recorded traffic {TRAFFIC} is not there")
    assert len(_recordings()) >= 20


@pytest.mark.parametrize("path", _recordings(), ids=lambda p: p.name[:60])
def test_recorded_openai_exchanges_raise_only_their_real_deviations(path: Path, context: CheckContext) -> None:
    record = json.loads(path.read_text())
    if record["error"]:
        pytest.skip("an error exchange: its status was not always recorded")
    findings = check_exchange(_exchange(record), context)
    errors = {(f.rule_id, f.kind) for f in findings if f.source is Source.SERVER and f.level is Level.ERROR}
    assert errors == set(REAL_DEVIATIONS.get(path.name, {})), [
        (f.rule_id, f.kind, f.pointer, f.message[:120]) for f in findings if (f.rule_id, f.kind) in errors
    ]


def test_unrecorded_requests_get_no_request_dependent_check(context: CheckContext) -> None:
    partial = [json.loads(p.read_text()) for p in _recordings()]
    partial = [r for r in partial if r.get("request_partial") and not r["error"]]
    assert partial, "openai-python's recordings keep only part of the request"
    for record in partial:
        exchange = _exchange(record)
        assert not exchange.request_complete
        assert not [
            f
            for f in check_exchange(exchange, context)
            if f.rule_id
            in (
                "resp-choice-count",
                "resp-json-mode-content",
                "resp-tool-call-undeclared",
                "resp-model-mismatch",
                "resp-stream-mode-mismatch",
            )
        ]
