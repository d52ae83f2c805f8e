"""The normalised spec accepts what OpenAI really sends: every recorded OpenAI exchange in ../shared/real-traffic.

Each exchange (request body where it was recorded, response body or every stream chunk) is validated against the
normalised spec. A rejection is either a defect of the spec, to be corrected in spec/overlay.yaml with its
reason, or a real deviation of that exchange from OpenAI's API, named in ``DEVIATIONS`` with why it is real.
The recordings are read where they are (never copied into the project); without them the tests are skipped.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from conformance.oas import Validator, deref, undocumented_fields
from conformance.overlay import apply_overlay, load_overlay

from .helpers import REPO

TRAFFIC = REPO.parent / "shared" / "real-traffic" / "responses"
# OpenAI itself, and OpenAI's models served by Azure OpenAI
PROVIDERS = ("openai", "azure-openai")
OPERATION = ("paths", "/v1/chat/completions", "post")

# (file, part, JSON pointer) -> why the exchange really deviates from OpenAI's API (not a spec defect)
DEVIATIONS: dict[tuple[str, str, str], str] = {
    (
        "azure-openai__ai__azure-model-router.1-stream.json",
        "chunk 0",
        "/object",
    ): "Azure OpenAI opens a stream with a prompt-filter chunk (`prompt_filter_results`) whose `object`, `id` and "
    "`model` are empty strings and `created` is 0; OpenAI never sends it, and `object` can only be "
    "`chat.completion.chunk` (OpenAI's SDK drops such chunks). An Azure deviation, not a spec defect.",
}


# members of recorded OpenAI exchanges that the normalised spec does not declare -> why they stay undeclared.
# Undeclared is not rejected: the spec forbids no unknown member; the suite reports them as undocumented
# (warnings; errors with --strict). Declaring OpenAI's own members would make the mock send them, and its
# conformant answers would then carry members the published spec does not document.
UNDECLARED: dict[tuple[str, str], str] = {
    ("completion", "/system_fingerprint"): "OpenAI's backend fingerprint (deprecated); the published spec omits it",
    ("chunk", "/system_fingerprint"): "OpenAI's backend fingerprint (deprecated); the published spec omits it",
    ("completion", "/service_tier"): "declared on chunks only by the published spec",
    ("chunk", "/obfuscation"): "OpenAI's padding against length side channels, unknown to the published spec",
    ("request", "/moderation"): "OpenAI's moderated-completions option, which this gateway's GPT-5.2 endpoint does "
    "not offer (pydantic-ai's moderation tests)",
    ("completion", "/moderation"): "the moderation results OpenAI adds when the request asked for them (above)",
    ("chunk", "/moderation"): "the moderation results OpenAI adds when the request asked for them (above)",
    ("request", "/web_search_options"): "an option of OpenAI's search-preview models only (gpt-4o-search-preview), "
    "not of GPT-5.2 on this endpoint",
}


def _exchanges() -> list[str]:
    if not TRAFFIC.is_dir():
        return []
    names = []
    for path in sorted(TRAFFIC.glob("*.json")):
        if json.loads(path.read_text()).get("provider") in PROVIDERS:
            names.append(path.name)
    return names


EXCHANGES = _exchanges()
needs_traffic = pytest.mark.skipif(
    not EXCHANGES,
    reason=f"the recorded traffic {TRAFFIC} is not there (../shared/real-traffic beside the clone; CI provides it)",
)


@functools.cache
def _validators(spec_json: str) -> dict[str, Validator]:
    spec = json.loads(spec_json)
    operation: Any = spec
    for key in OPERATION:
        operation = operation[key]
    ok = operation["responses"]["200"]["content"]
    schemas = spec.get("components", {}).get("schemas", {})
    return {
        "request": Validator(operation["requestBody"]["content"]["application/json"]["schema"], spec),
        "completion": Validator(ok["application/json"]["schema"], spec),
        "chunk": Validator(ok["text/event-stream"]["schema"], spec),
        # the published spec documents no error body: there, an error body is not checked
        "error": Validator({"$ref": "#/components/schemas/ErrorResponse"} if "ErrorResponse" in schemas else {}, spec),
    }


@pytest.fixture(scope="module")
def normalised(_published_once: dict[str, Any]) -> dict[str, Validator]:
    spec = apply_overlay(_published_once, load_overlay(REPO / "spec" / "overlay.yaml")).spec
    return _validators(json.dumps(spec))


def rejections(exchange: dict[str, Any], validators: dict[str, Validator]) -> list[tuple[str, str, str]]:
    """(part, pointer, what) for every violation of the exchange: its request, its body or each chunk."""
    out: list[tuple[str, str, str]] = []
    request = exchange.get("request")
    if isinstance(request, dict):
        for v in validators["request"].violations(request):
            # a partly recorded request lacks members it had on the wire: only what was recorded is checked
            if not (exchange.get("request_partial") and v.found == "missing"):
                out.append(("request", v.path, v.message))
    if exchange["kind"] == "stream":
        for index, chunk in enumerate(exchange["chunks"]):
            if exchange.get("stream_error") and isinstance(chunk, dict) and "error" in chunk:
                continue
            out += [(f"chunk {index}", v.path, v.message) for v in validators["chunk"].violations(chunk)]
    else:
        part = "error" if exchange["error"] else "completion"
        out += [(part, v.path, v.message) for v in validators[part].violations(exchange["body"])]
    return out


@needs_traffic
@pytest.mark.parametrize("name", EXCHANGES or ["none"])
def test_the_normalised_spec_accepts_openai_exchanges(normalised: dict[str, Validator], name: str) -> None:
    exchange = json.loads((TRAFFIC / name).read_text())
    found = rejections(exchange, normalised)
    unexplained = [r for r in found if (name, r[0], r[1]) not in DEVIATIONS]
    assert unexplained == [], (
        "the normalised spec rejects a real OpenAI exchange: correct spec/overlay.yaml, "
        "or name the deviation in DEVIATIONS with why it is real"
    )
    named = {(part, pointer) for (file, part, pointer) in DEVIATIONS if file == name}
    assert {(part, pointer) for part, pointer, _ in found} == named, "a named deviation is no longer seen"


@needs_traffic
def test_every_named_deviation_is_a_recorded_exchange() -> None:
    assert {file for file, _, _ in DEVIATIONS} <= set(EXCHANGES)
    assert all(len(reason) > 80 for reason in DEVIATIONS.values())


@needs_traffic
def test_the_recordings_cover_what_the_corrections_answer(_published_once: dict[str, Any]) -> None:
    """The recordings hold the behaviours the corrections are for, and the published spec rejects them: a check
    that this test validates something (a changed recording format would otherwise pass silently)."""
    published = _validators(json.dumps(_published_once))
    rejected: dict[str, int] = {}
    features: set[str] = set()
    for name in EXCHANGES:
        exchange = json.loads((TRAFFIC / name).read_text())
        features.update(exchange.get("features") or ())
        rejected[name] = len(rejections(exchange, published))
    assert len(EXCHANGES) >= 20
    assert {
        "logprobs",
        "refusal",
        "content_null",
        "tool_calls",
        "usage_chunk_empty_choices",
        "finish:length",
    } <= features
    for name in (
        "openai__openai-python__test_content_logprobs_events-stream.json",
        "openai__openai-python__test_refusal_logprobs_events-stream.json",
        "openai__openai-python__test_parse_pydantic_model_refusal.json",
        "openai__pydantic-ai__test_openai_native_output.json",
    ):
        assert rejected[name] > 0, f"{name}: the published spec accepts it; the test checks nothing there"


@needs_traffic
def test_undeclared_openai_members_are_the_known_ones(_published_once: dict[str, Any]) -> None:
    """Every member of a recorded OpenAI exchange is declared by the normalised spec, or named in UNDECLARED."""
    spec = apply_overlay(_published_once, load_overlay(REPO / "spec" / "overlay.yaml")).spec
    operation: Any = spec
    for key in OPERATION:
        operation = operation[key]
    schemas = {
        "request": deref(spec, operation["requestBody"]["content"]["application/json"]["schema"]),
        "completion": deref(spec, operation["responses"]["200"]["content"]["application/json"]["schema"]),
        "chunk": deref(spec, operation["responses"]["200"]["content"]["text/event-stream"]["schema"]),
    }
    found: set[tuple[str, str]] = set()
    for name in EXCHANGES:
        exchange = json.loads((TRAFFIC / name).read_text())
        if exchange["provider"] != "openai" or exchange["error"]:
            continue
        if isinstance(exchange.get("request"), dict):
            found.update(("request", m) for m in undocumented_fields(schemas["request"], exchange["request"]))
        for part, values in (("completion", [exchange.get("body")]), ("chunk", exchange.get("chunks") or [])):
            for value in values:
                if isinstance(value, dict):
                    found.update((part, m) for m in undocumented_fields(schemas[part], value))
    assert found == set(UNDECLARED)
