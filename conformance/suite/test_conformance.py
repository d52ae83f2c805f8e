"""The conformance suite, run by ``conformance run`` (not part of the project's own tests).

* ``test_generated``: schemathesis generates valid and invalid requests from the spec
  (positive and negative modes) and runs its own checks; every response also goes
  through :mod:`conformance.suite.checks`;
* ``test_scenario``: hand-written requests for behaviours random data rarely reaches
  (n choices, tool calls, JSON modes, logprobs, streaming with usage, both aliases);
* ``test_semantics_property``: hypothesis-generated structured requests, checked for
  what a schema cannot state;
* ``test_errors``: missing key, malformed JSON, invalid body, wrong method, unknown path.

The doc pages' example responses are checked outside this suite (``conformance.docs.run_pages``).

Tests record findings rather than fail: the runner applies the baseline and decides.
"""

from __future__ import annotations

import copy
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st

from conformance.locations import ExchangePath
from conformance.suite.blame import blame
from conformance.suite.exchange import Exchange
from conformance.suite.plugin import INVALID_KEY, Stop, Suite
from conformance.suite.rules import AUTH_NOT_ENFORCED, INVALID_ACCEPTED, REQUEST_CONSTRAINT, SCHEMATHESIS_FAILURE

MODEL_FALLBACK = "openai/gpt-5-2"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
JSON_SCHEMA = {
    "name": "answer",
    "schema": {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}},
        "required": ["answer"],
    },
}


def _model(suite: Suite) -> str:
    try:
        body = suite.published["paths"]["/v1/chat/completions"]["post"]["requestBody"]["content"]["application/json"]
        return str(body["schema"]["properties"]["model"]["enum"][0])
    except (KeyError, IndexError, TypeError):
        return MODEL_FALLBACK


def _base(suite: Suite, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": _model(suite), "messages": [{"role": "user", "content": "Say hello."}]}
    if suite.config.live:
        body["max_tokens"] = 16
    body.update(extra)
    return body


def _constrain(body: Any) -> Any:
    """Keep generated requests cheap on a live target: one short answer, no stream."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    body["max_tokens"] = 16
    body["n"] = 1
    body.pop("stream", None)
    body.pop("stream_options", None)
    if isinstance(body.get("messages"), list):
        body["messages"] = body["messages"][:2]
    return body


# -- schemathesis ---------------------------------------------------------------------------------------------------
schema = schemathesis.pytest.from_fixture("st_schema")


@pytest.fixture(scope="session")
def st_schema(suite: Suite) -> Any:
    from schemathesis.config import SchemathesisConfig

    config = SchemathesisConfig.from_dict(
        {
            "seed": suite.config.seed,
            "generation": {"max-examples": suite.config.max_examples, "mode": "all", "database": "none"},
            # examples, coverage (schema-derived boundary and negative cases) and fuzzing; no links, so no stateful
            "phases": {"stateful": {"enabled": False}},
        }
    )
    spec = suite.published if suite.config.spec == "published" else suite.normalised
    return schemathesis.openapi.from_dict(copy.deepcopy(spec), config=config)


def _st_checks() -> list[Any]:
    # a 5xx is already reported by the suite's own check (resp-server-error), with the response's error text
    from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

    return [negative_data_rejection, positive_data_acceptance]


@schema.parametrize()
def test_generated(case: Any, suite: Suite) -> None:
    if not suite.budget_left():
        return
    if suite.config.live:
        case.body = _constrain(case.body)
    try:
        exchange, _ = suite.send_case(case)
    except Stop:
        return  # reported once by the suite; hypothesis must not see it as a failure
    response = _as_schemathesis_response(exchange)
    if response is None:
        return
    try:
        case.validate_response(response, checks=_st_checks())
    except (AssertionError, BaseExceptionGroup) as group:  # schemathesis: FailureGroup is a BaseExceptionGroup
        failures = list(getattr(group, "exceptions", [group]))
        suite.record_findings([_schemathesis_finding(suite, case, exchange, f) for f in failures])


def _only_body_negative(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    components = getattr(meta, "components", None) or {}
    negative = {str(getattr(loc, "value", loc)) for loc, info in components.items() if info.mode.is_negative}
    return negative == {"body"}


def _error_param(exchange: Exchange) -> str:
    try:
        error = exchange.json_body().get("error") or {}
        return str(error.get("param") or error.get("code") or "-")[:40]
    except (ValueError, AttributeError, UnicodeDecodeError):
        return "-"


def _schemathesis_finding(suite: Suite, case: Any, exchange: Exchange, failure: Any) -> Any:
    """Whose fault a schemathesis failure is, and what exactly failed (the fingerprint tells causes apart)."""
    code = str(getattr(failure, "code", "check"))
    message = str(getattr(failure, "message", failure))
    body = None if type(case.body).__name__ == "NotSet" else case.body
    mode = _mode(case)
    verdict = blame(
        code,
        exchange.status,
        _error_param(exchange),
        mode,
        body,
        normalised_valid=lambda request: suite.request_valid(case.path, request, "normalised"),
        only_body_negative=_only_body_negative(case),
    )
    rule = REQUEST_CONSTRAINT if verdict.constraint else SCHEMATHESIS_FAILURE
    made = rule.finding(
        ExchangePath(exchange.operation, f"/{code}"),
        f"schemathesis {getattr(failure, 'title', type(failure).__name__)}: "
        f"{message.splitlines()[0] if message else ''}"
        + (f" ({verdict.why})" if verdict.why else "")
        + f"; response {exchange.response_body[:160]!r}",
        evidence=exchange.curl(suite.config.api_key_env),
        expected=_mode_expectation(case),
        found=f"status {exchange.status}",
        kind=verdict.kind,
        fault=verdict.fault,
        extra={"generation_mode": mode},
    )
    return made


def _mode(case: Any) -> str:
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    return str(getattr(getattr(generation, "mode", None), "value", "positive"))


def _mode_expectation(case: Any) -> str:
    return "a 4xx rejection" if _mode(case) == "negative" else "a 2xx answer"


def _as_schemathesis_response(exchange: Exchange) -> Any:
    """Rebuild a schemathesis Response from the exchange, so its checks see exactly what was sent and received."""
    if exchange.status is None:
        return None
    import datetime

    import requests
    from schemathesis.core.transport import Response

    prepared = requests.Request(
        exchange.method,
        exchange.url,
        headers=exchange.request_headers,
        data=exchange.request_text.encode() if exchange.request_text is not None else None,
    ).prepare()
    http_response = requests.Response()
    http_response.status_code = exchange.status
    http_response._content = exchange.response_body
    http_response.headers.update(exchange.response_headers)
    http_response.request = prepared
    http_response.url = exchange.url
    http_response.elapsed = datetime.timedelta(milliseconds=exchange.elapsed_ms)
    return Response.from_requests(http_response, verify=True)


# -- scenarios ------------------------------------------------------------------------------------------------------
SCENARIOS: dict[str, dict[str, Any]] = {
    "basic": {},
    "n-choices": {"n": 3},
    "tool-required": {"tools": [WEATHER_TOOL], "tool_choice": "required"},
    "tool-named": {"tools": [WEATHER_TOOL], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
    "tool-auto": {"tools": [WEATHER_TOOL], "tool_choice": "auto"},
    "json-object": {"response_format": {"type": "json_object"}},
    "json-schema": {"response_format": {"type": "json_schema", "json_schema": JSON_SCHEMA}},
    "logprobs": {"logprobs": True, "top_logprobs": 2},
    # documented behaviours a naive checker flags: JSON mode cut by max_tokens, logprobs in a stream
    "json-object-cut": {"response_format": {"type": "json_object"}, "max_tokens": 1},
    "stream-logprobs": {"stream": True, "logprobs": True, "top_logprobs": 1},
    "multi-turn": {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Answer in English."},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 18}'},
        ],
        "tools": [WEATHER_TOOL],
    },
    "stream": {"stream": True},
    "stream-usage": {"stream": True, "stream_options": {"include_usage": True}},
    "stream-tools": {"stream": True, "tools": [WEATHER_TOOL], "tool_choice": "required"},
    "stream-n-choices": {"stream": True, "n": 2},
}


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/chat/completions"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(suite: Suite, name: str, path: str) -> None:
    if path == "/chat/completions" and name not in ("basic", "stream"):
        return  # the alias shares everything; two scenarios prove it answers alike
    if suite.config.live and (SCENARIOS[name].get("n") or 1) > 1:
        return  # several choices cost several answers
    suite.send(path, _base(suite, **SCENARIOS[name]))


# -- hypothesis: structured requests --------------------------------------------------------------------------------
@st.composite
def chat_requests(draw: st.DrawFn, model: str, live: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {
                "role": "user",
                "content": draw(
                    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40)
                ),
            }
        ],
    }
    if not live:
        body["n"] = draw(st.integers(1, 4))
    body["max_tokens"] = draw(st.integers(1, 64))
    if draw(st.booleans()):
        body["tools"] = [WEATHER_TOOL]
        body["tool_choice"] = draw(
            st.sampled_from(["auto", "none", "required", {"type": "function", "function": {"name": "get_weather"}}])
        )
    elif draw(st.booleans()):
        body["response_format"] = draw(
            st.sampled_from(
                [{"type": "text"}, {"type": "json_object"}, {"type": "json_schema", "json_schema": JSON_SCHEMA}]
            )
        )
    if draw(st.booleans()):
        body["temperature"] = draw(st.floats(0, 2))
    if not live and draw(st.booleans()):
        body["stream"] = True
        if draw(st.booleans()):
            body["stream_options"] = {"include_usage": True}
    return body


def test_semantics_property(suite: Suite) -> None:
    model = _model(suite)

    @hypothesis.settings(
        max_examples=suite.config.max_examples,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(body=chat_requests(model, suite.config.live))
    def run(body: dict[str, Any]) -> None:
        if suite.budget_left():
            try:
                suite.send("/v1/chat/completions", body)
            except Stop:
                return  # reported once by the suite; hypothesis must not shrink it

    run()


# -- errors ---------------------------------------------------------------------------------------------------------
def test_errors(suite: Suite) -> None:
    body = _base(suite)
    if not suite.config.no_auth:
        probes: tuple[tuple[str, dict[str, str]], ...] = (
            ("missing-key", {}),
            ("invalid-key", {"Authorization": f"Bearer {INVALID_KEY}"}),
        )
        for what, headers in probes:
            exchange, _ = suite.send("/v1/chat/completions", body, headers=headers, auth=False)
            if exchange.status is not None and exchange.status < 400:
                suite.record_findings(
                    [
                        AUTH_NOT_ENFORCED.finding(
                            ExchangePath(exchange.operation, "/security"),
                            f"{what.replace('-', ' ')}, yet answered {exchange.status}",
                            expected="401",
                            found=str(exchange.status),
                            kind=what,
                            evidence=exchange.curl(suite.config.api_key_env),
                        )
                    ]
                )
    invalid: list[tuple[str, Any, bytes | None]] = [
        ("malformed JSON", None, b'{"model": '),
        ("messages missing", {"model": _model(suite)}, None),
        ("wrong message role", {"model": _model(suite), "messages": [{"role": "robot", "content": "hi"}]}, None),
    ]
    for what, bad, raw in invalid:
        exchange, _ = suite.send("/v1/chat/completions", bad, raw=raw)
        if exchange.status is not None and exchange.status < 400:
            suite.record_findings(
                [
                    INVALID_ACCEPTED.finding(
                        ExchangePath(exchange.operation, "/requestBody"),
                        f"{what}: answered {exchange.status}",
                        expected="400 with an error body",
                        found=str(exchange.status),
                        kind=what,
                        evidence=exchange.curl(suite.config.api_key_env),
                    )
                ]
            )
    if not suite.config.live:
        suite.send("/v1/chat/completions", None, method="GET", raw=b"", probe=True)
        suite.send("/v1/no-such-path", body, probe=True)
