"""Whose fault, what exactly, and what OpenAI documents: the verdict of each check on hand-made exchanges.

Each test states a defect of the verdicts seen on servers this project did not write (issue
"verdicts you can trust"): it failed before the fix.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.baseline import Baseline, Entry
from conformance.findings import Level, Source
from conformance.oas import Validator
from conformance.suite.blame import blame
from conformance.suite.checks import CheckContext, check_exchange
from conformance.suite.constraints import broken_constraint
from conformance.suite.exchange import Exchange, scrub
from conformance.suite.semantics import models_related

from .helpers import completion, exchange, sse


def server_errors(findings: list[Any]) -> set[tuple[str, str]]:
    return {(f.rule_id, f.pointer) for f in findings if f.source is Source.SERVER and f.level is Level.ERROR}


def _chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def _stream(*chunks: dict[str, Any], request: dict[str, Any] | None = None, done: bool = True) -> Exchange:
    return exchange(
        None,
        raw=sse(*chunks, done=done),
        content_type="text/event-stream",
        request=request if request is not None else {"model": "m", "messages": [], "stream": True},
    )


# -- fault per violation ---------------------------------------------------------------------------------------------
def test_a_server_defect_does_not_turn_the_spec_defects_of_the_same_body_into_server_findings(
    ctx: CheckContext,
) -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    }
    body = completion(
        object="chat.completion.banana", choices=[{"index": 0, "message": message, "finish_reason": "tool_calls"}]
    )
    request = {"model": "m", "messages": [], "tools": [{"type": "function", "function": {"name": "f"}}]}
    findings = [f for f in check_exchange(exchange(body, request=request), ctx) if f.rule_id == "resp-schema-violation"]
    by_pointer = {f.pointer: f.source for f in findings}
    assert by_pointer == {"/object": Source.SERVER, "/choices/0/message/content": Source.SPEC}


def test_finish_reason_end_turn_is_never_folded_into_the_null_finish_reason_spec_finding(ctx: CheckContext) -> None:
    null = check_exchange(_stream(_chunk({"role": "assistant", "content": "hi"}), _chunk({}, "stop")), ctx)
    end_turn = check_exchange(_stream(_chunk({"role": "assistant", "content": "hi"}), _chunk({}, "end_turn")), ctx)
    spec = {f.fingerprint for f in null if f.pointer == "/choices/0/finish_reason"}
    server = [f for f in end_turn if f.pointer == "/choices/0/finish_reason" and f.source is Source.SERVER]
    assert spec and server
    assert not spec & {f.fingerprint for f in server}
    baseline = Baseline(None, tuple(Entry(fp, "resp-schema-violation", "", "", "known") for fp in spec))  # type: ignore[arg-type]
    new, acknowledged, _ = baseline.split(end_turn)
    assert {f.fingerprint for f in server} <= {f.fingerprint for f in new}
    assert all(f.source is Source.SPEC for f in acknowledged)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["end_turn", "STOP", "", "eos"]), st.sampled_from(["object", "created", "id"]))
def test_kind_separates_a_server_defect_from_a_spec_defect_at_the_same_place(finish: str, damaged: str) -> None:
    from .helpers import make_ctx

    ctx = make_ctx()
    body = completion(**{damaged: ["not", "scalar"]})
    findings = check_exchange(exchange(body), ctx)
    assert any(
        f.source is Source.SERVER and f.pointer == f"/{damaged}" and f.kind.startswith("type:") for f in findings
    )
    stream = check_exchange(_stream(_chunk({"role": "assistant", "content": ""}), _chunk({}, finish)), ctx)
    kinds = {f.kind for f in stream if f.pointer == "/choices/0/finish_reason" and f.source is Source.SERVER}
    assert kinds and all(kind.endswith(":string") for kind in kinds)


# -- 5xx ------------------------------------------------------------------------------------------------------------
def test_a_5xx_is_the_servers_fault_even_where_the_normalised_spec_documents_it(ctx: CheckContext) -> None:
    ctx.normalised.ops[("POST", "/v1/chat/completions")].responses["500"] = {"description": "boom"}
    findings = check_exchange(exchange({"error": {"message": "boom"}}, status=500), ctx)
    assert server_errors(findings) == {("resp-server-error", "/responses/500")}
    ctx.checked_against = "normalised"
    assert server_errors(check_exchange(exchange({"error": {"message": "boom"}}, status=500), ctx)) == {
        ("resp-server-error", "/responses/500")
    }


# -- what OpenAI documents ------------------------------------------------------------------------------------------
def test_openai_documented_answers_raise_no_server_error(ctx: CheckContext) -> None:
    ctx.checked_against = "normalised"
    tools = [{"type": "function", "function": {"name": "get_weather"}}]
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        # content null beside tool calls
        (
            {"model": "m", "messages": [], "tools": tools},
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                "finish_reason": "tool_calls",
            },
        ),
        # a named tool_choice is answered with finish_reason "stop"
        (
            {
                "model": "m",
                "messages": [],
                "tools": tools,
                "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            },
            {
                "index": 0,
                "message": {"role": "assistant", "content": "", "tool_calls": [call]},
                "finish_reason": "stop",
            },
        ),
        # JSON mode cut by max_tokens
        (
            {"model": "m", "messages": [], "response_format": {"type": "json_object"}, "max_tokens": 3},
            {"index": 0, "message": {"role": "assistant", "content": '{"ans'}, "finish_reason": "length"},
        ),
        # structured output replaced by a refusal
        (
            {
                "model": "m",
                "messages": [],
                "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}},
            },
            {
                "index": 0,
                "message": {"role": "assistant", "content": "", "refusal": "I can't"},
                "finish_reason": "stop",
            },
        ),
        # the legacy function_call
        (
            {"model": "m", "messages": [], "functions": [{"name": "get_weather"}]},
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "",
                    "function_call": {"name": "get_weather", "arguments": "{}"},
                },
                "finish_reason": "function_call",
            },
        ),
    ]
    for request, choice in cases:
        body = completion(choices=[choice], model="m-2025-01-01")
        findings = check_exchange(exchange(body, request=request), ctx)
        # the schema side of these answers is the overlay's (tested on the real spec); here: the semantic checks
        assert not [
            f
            for f in findings
            if f.source is Source.SERVER
            and f.level is Level.ERROR
            and f.rule_id not in ("resp-undocumented-field", "resp-schema-violation")
        ], (request, [(f.rule_id, f.pointer) for f in findings])


def test_a_final_usage_chunk_with_no_choices_is_fine(ctx: CheckContext) -> None:
    ctx.checked_against = "normalised"
    request = {"model": "m", "messages": [], "stream": True, "stream_options": {"include_usage": True}}
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    ex = _stream(
        _chunk({"role": "assistant", "content": "hi"}),
        _chunk({}, "stop"),
        {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [], "usage": usage},
        request=request,
    )
    assert server_errors(check_exchange(ex, ctx)) == set()


# -- checks clients depend on ---------------------------------------------------------------------------------------
def test_role_must_be_assistant_and_given_once(ctx: CheckContext) -> None:
    body = completion(choices=[{"index": 0, "message": {"role": "user", "content": "hi"}, "finish_reason": "stop"}])
    assert ("resp-message-role", "/choices/0/message/role") in server_errors(check_exchange(exchange(body), ctx))
    repeated = _stream(
        _chunk({"role": "assistant", "content": "a"}), _chunk({"role": "assistant", "content": "b"}), _chunk({}, "stop")
    )
    assert ("resp-stream-chunk-shape", "/events/1/choices/0/delta/role") in server_errors(check_exchange(repeated, ctx))


def test_stream_choice_count_equals_n(ctx: CheckContext) -> None:
    request = {"model": "m", "messages": [], "stream": True, "n": 2}
    ex = _stream(_chunk({"role": "assistant", "content": "a"}), _chunk({}, "stop"), request=request)
    assert ("resp-choice-count", "/events/*/choices") in server_errors(check_exchange(ex, ctx))


def test_stream_requested_but_json_sent_and_the_other_way_round(ctx: CheckContext) -> None:
    wanted_stream = exchange(completion(), request={"model": "m", "messages": [], "stream": True})
    assert server_errors(check_exchange(wanted_stream, ctx)) == {("resp-stream-mode-mismatch", "/stream")}
    wanted_json = _stream(
        _chunk({"role": "assistant", "content": "a"}), _chunk({}, "stop"), request={"model": "m", "messages": []}
    )
    assert ("resp-stream-mode-mismatch", "/stream") in server_errors(check_exchange(wanted_json, ctx))


def test_early_finish_reason_is_an_error(ctx: CheckContext) -> None:
    ex = _stream(_chunk({"role": "assistant", "content": "a"}, "stop"), _chunk({"content": "b"}), _chunk({}, "stop"))
    assert ("resp-stream-chunk-shape", "/events/0/choices/0/finish_reason") in server_errors(check_exchange(ex, ctx))


def test_unrequested_usage_and_changing_ids(ctx: CheckContext) -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    ex = _stream(_chunk({"role": "assistant", "content": "a"}), {**_chunk({}, "stop"), "id": "other", "usage": usage})
    assert {
        ("resp-stream-chunk-shape", "/events/1/usage"),
        ("resp-stream-chunk-shape", "/events/*/id"),
    } <= server_errors(check_exchange(ex, ctx))


def test_streamed_tool_arguments_are_assembled_before_they_are_judged(ctx: CheckContext) -> None:
    request = {"model": "m", "messages": [], "stream": True, "tools": [{"type": "function", "function": {"name": "f"}}]}

    def call(arguments: str, first: bool) -> dict[str, Any]:
        part: dict[str, Any] = {"index": 0, "function": {"arguments": arguments}}
        if first:
            part.update(id="c1", type="function", function={"name": "f", "arguments": arguments})
        return {"tool_calls": [part]}

    good = _stream(
        _chunk({"role": "assistant", "content": None, **call('{"ci', True)}),
        _chunk(call('ty": 1}', False)),
        _chunk({}, "tool_calls"),
        request=request,
    )
    assert server_errors(check_exchange(good, ctx)) == set()
    bad = _stream(
        _chunk({"role": "assistant", "content": None, **call("city=", True)}),
        _chunk(call("Paris", False)),
        _chunk({}, "tool_calls"),
        request=request,
    )
    assert (
        "resp-tool-arguments-not-json",
        "/assembled/choices/0/message/tool_calls/0/function/arguments",
    ) in server_errors(check_exchange(bad, ctx))


def test_model_unrelated_is_a_warning_and_dated_names_are_fine(ctx: CheckContext) -> None:
    assert models_related("openai/gpt-5-2", "gpt-5.2-2025-12-11")
    assert models_related("gpt-4o", "gpt-4o-2024-08-06")
    assert not models_related("openai/gpt-5-2", "llama-3-8b")
    findings = check_exchange(
        exchange(completion(model="llama-3-8b"), request={"model": "openai/gpt-5-2", "messages": []}), ctx
    )
    assert [(f.rule_id, f.level) for f in findings] == [("resp-model-mismatch", Level.WARNING)]


def test_slow_answers_are_reported_with_their_time(ctx: CheckContext) -> None:
    ctx.max_response_ms = 1000
    slow = Exchange.build(
        operation="POST /v1/chat/completions",
        method="POST",
        url="http://h/v1/chat/completions",
        request_headers={},
        request_body={"model": "m", "messages": []},
        status=200,
        response_headers={"content-type": "application/json"},
        response_body=exchange(completion()).response_body,
        elapsed_ms=2500,
    )
    findings = [f for f in check_exchange(slow, ctx) if f.rule_id == "resp-slow"]
    assert len(findings) == 1 and "2.5 s" in findings[0].message


def test_request_dependent_checks_are_skipped_when_the_request_was_not_recorded(ctx: CheckContext) -> None:
    body = completion(choices=[])  # n=1 expected if the request were known
    known = exchange(body)
    unknown = attrs.evolve(known, request_complete=False)
    assert ("resp-choice-count", "/choices") in server_errors(check_exchange(known, ctx))
    assert ("resp-choice-count", "/choices") not in server_errors(check_exchange(unknown, ctx))


# -- constraints and secrets ----------------------------------------------------------------------------------------
def test_the_constraint_the_server_names_is_the_one_reported() -> None:
    """A request breaking two documented constraints, rejected for ``n``: filed under ``n``, not the first one
    (``make conform`` once reported a 400 about ``n`` as "the request breaks parallel_tool_calls")."""
    body = {"tools": [], "parallel_tool_calls": True, "n": 547, "messages": []}
    assert broken_constraint(body) == "parallel_tool_calls:without-tools"
    assert broken_constraint(body, "n") == "n:above-128"
    assert broken_constraint(body, "messages[0].role") == "messages:empty"
    assert broken_constraint(body, "temperature") == "parallel_tool_calls:without-tools"  # none named: the first
    assert broken_constraint(body, "-") == "parallel_tool_calls:without-tools"
    assert broken_constraint({"model": "m"}, "n") is None


# a normalised request schema of a few members: what spec/overlay.yaml makes of the published `number`
_NORMALISED = {
    "type": "object",
    "properties": {
        "model": {"type": "string"},
        "logprobs": {"type": "boolean", "nullable": True},
        "top_logprobs": {"type": "integer", "minimum": 0, "maximum": 20, "nullable": True},
        "n": {"type": "integer", "minimum": 1, "nullable": True},
        "stream_options": {"type": "object", "nullable": True},
    },
}
_normalised_valid = Validator(_NORMALISED, {"openapi": "3.0.3"}).is_valid


def _blame(mode: str, body: dict[str, Any], param: str = "-", only_body_negative: bool = True) -> Any:
    return blame(
        "ST202", 400, param, mode, body, normalised_valid=_normalised_valid, only_body_negative=only_body_negative
    )


def test_a_rejection_the_corrected_spec_explains_is_not_filed_under_a_cross_field_constraint() -> None:
    """``make conform``: a 400 for ``top_logprobs: 1.05e-153`` (a float, the published spec says any number) with
    ``logprobs: false`` was reported as "the request breaks top_logprobs:without-logprobs"; the server said the
    type was wrong, and the corrected spec rejects the request for that."""
    body = {"model": "m", "logprobs": False, "top_logprobs": 1.0524636999716711e-153, "stream_options": {}}
    verdict = _blame("positive", body, param="top_logprobs")
    assert (verdict.fault, verdict.kind, verdict.constraint) == (
        Source.SPEC,
        "ST202:normalised-rejects-request",
        None,
    )
    assert verdict.why is not None and "too loose" in verdict.why


def test_a_rejection_only_a_cross_field_constraint_explains_names_the_constraint_the_server_names() -> None:
    body = {"model": "m", "logprobs": False, "top_logprobs": 2, "n": 200, "stream_options": {}}
    assert _blame("positive", body, param="n").constraint == "n:above-128"
    verdict = _blame("positive", body, param="top_logprobs")
    assert (verdict.fault, verdict.kind) == (Source.SPEC, "ST202:top_logprobs:without-logprobs")
    assert verdict.why == "the request breaks top_logprobs:without-logprobs"


def test_a_valid_request_rejected_for_nothing_documented_is_the_servers_fault() -> None:
    verdict = _blame("positive", {"model": "m", "logprobs": True, "top_logprobs": 2}, param="model")
    assert (verdict.fault, verdict.kind, verdict.why) == (Source.SERVER, "ST202:400:model", None)


def test_an_invalid_request_accepted_is_the_specs_fault_only_when_the_corrected_spec_accepts_it() -> None:
    accepted = {"model": "any-model-id", "top_logprobs": 3}
    assert _blame("negative", accepted).kind == "ST202:normalised-accepts-request"
    # a damaged header or query, not only the body: the corrected spec's body schema says nothing about it
    assert _blame("negative", accepted, only_body_negative=False).fault is Source.SERVER
    assert _blame("negative", {"model": "m", "top_logprobs": "three"}).fault is Source.SERVER


def test_documented_request_constraints() -> None:
    assert (
        broken_constraint({"tools": [], "tool_choice": {"type": "function", "function": {"name": "x"}}})
        == "tool_choice:unknown-function"
    )
    assert broken_constraint({"top_logprobs": 2}) == "top_logprobs:without-logprobs"
    assert broken_constraint({"model": "m", "messages": []}) == "messages:empty"
    assert broken_constraint({"stream_options": {"include_usage": True}}) == "stream_options:without-stream"
    assert (
        broken_constraint({"messages": [{"role": "tool", "tool_call_id": "c", "content": "x"}]})
        == "messages:tool-without-call"
    )
    loop = {
        "messages": [
            {"role": "user", "content": "w?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "c", "content": "18"},
        ],
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": "auto",
    }
    assert broken_constraint(loop) is None


@given(st.text(min_size=8, max_size=40).filter(lambda s: "*" not in s), st.text(max_size=40))
def test_scrub_removes_every_occurrence_of_the_key(key: str, around: str) -> None:
    text = f"{around}{key}{around}Bearer {key}"
    assert key not in scrub(text, (key,))


def test_only_a_complete_run_that_reached_an_entry_calls_it_stale() -> None:
    from conformance.suite.runner import judge_stale

    stream = Entry("a", "resp-schema-violation", "POST /v1/chat/completions [stream]", "/x", "known")
    plain = Entry("b", "resp-status-undocumented", "POST /v1/chat/completions", "/responses/400", "known")
    page = Entry("c", "doc-example-schema", "gpt-5.2.md", "/object", "known")
    reached = {"POST /v1/chat/completions", "gpt-5.2.md"}  # a server that never streams
    assert judge_stale([stream, plain, page], True, reached) == [plain, page]
    assert judge_stale([stream, plain, page], False, reached | {stream.location}) == []
