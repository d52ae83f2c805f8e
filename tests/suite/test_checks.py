"""Each check of the suite on hand-made exchanges: it fires where it should, with the right blame, and only there."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.findings import Level, Source
from conformance.suite.checks import CheckContext, check_exchange, check_probe, parse_sse
from conformance.suite.exchange import REDACTED, Exchange

from .helpers import completion, exchange, make_ctx, sse


def ids(findings: list[Any]) -> set[tuple[str, str]]:
    return {(f.rule_id, f.pointer) for f in findings}


def test_conformant_completion_has_no_finding(ctx: CheckContext) -> None:
    assert check_exchange(exchange(completion()), ctx) == []


def test_wrong_object_is_a_server_schema_violation(ctx: CheckContext) -> None:
    findings = check_exchange(exchange(completion(object="chat.completions")), ctx)
    assert ids(findings) == {("resp-schema-violation", "/object")}
    (finding,) = findings
    assert finding.source is Source.SERVER
    assert finding.found == '"chat.completions"'
    assert "chat.completion" in (finding.expected or "")
    assert finding.normalised_accepts is False


def test_missing_member_is_reported_at_its_own_path(ctx: CheckContext) -> None:
    body = completion()
    del body["usage"]
    assert ids(check_exchange(exchange(body), ctx)) == {("resp-schema-violation", "/usage")}


def test_null_content_with_tool_calls_blames_the_spec(ctx: CheckContext) -> None:
    body = completion(
        choices=[
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                },
            }
        ]
    )
    request = {"model": "m", "messages": [], "tools": [{"type": "function", "function": {"name": "f"}}]}
    findings = check_exchange(exchange(body, request=request), ctx)
    assert ids(findings) == {("resp-schema-violation", "/choices/0/message/content")}
    assert findings[0].source is Source.SPEC
    assert findings[0].normalised_accepts is True


def test_checking_against_the_normalised_spec_accepts_the_corrected_shape(ctx: CheckContext) -> None:
    ctx.checked_against = "normalised"
    message = {"role": "assistant", "content": None}
    body = completion(choices=[{"index": 0, "finish_reason": "stop", "message": message}])
    findings = check_exchange(exchange(body), ctx)
    assert [f.rule_id for f in findings if f.rule_id == "resp-schema-violation"] == []
    # the schema accepts it; a message with nothing in it is still a defect of the answer
    assert [f.rule_id for f in findings] == ["resp-message-empty"]


def test_undocumented_member_is_a_warning_or_an_error_when_strict(ctx: CheckContext) -> None:
    body = completion(meta={"usage": {"credits_used": 1}})
    (finding,) = check_exchange(exchange(body), ctx)
    assert (finding.rule_id, finding.pointer, finding.level) == ("resp-undocumented-field", "/meta", Level.WARNING)
    ctx.strict = True
    (finding,) = check_exchange(exchange(body), ctx)
    assert finding.level is Level.ERROR


def test_status_not_documented_blames_spec_when_normalised_documents_it(ctx: CheckContext) -> None:
    (finding,) = [
        f
        for f in check_exchange(exchange({"error": {"message": "bad"}}, status=400), ctx)
        if f.rule_id == "resp-status-undocumented"
    ]
    assert finding.source is Source.SPEC and finding.pointer == "/responses/400"
    (finding,) = [
        f for f in check_exchange(exchange(completion(), status=202), ctx) if f.rule_id == "resp-status-undocumented"
    ]
    assert finding.source is Source.SERVER and finding.found == "202"


def test_wrong_content_type(ctx: CheckContext) -> None:
    findings = check_exchange(exchange(completion(), content_type="text/plain"), ctx)
    assert ids(findings) == {("resp-content-type-undocumented", "/responses/200/content")}


def test_body_not_json(ctx: CheckContext) -> None:
    findings = check_exchange(exchange(None, raw=b"<html>oops</html>"), ctx)
    assert ids(findings) == {("resp-body-not-json", "")}


def test_transport_error(ctx: CheckContext) -> None:
    findings = check_exchange(exchange(None, raw=b"", error="RemoteProtocolError: peer closed"), ctx)
    assert [f.rule_id for f in findings] == ["resp-transport-error"]


@given(prompt=st.integers(0, 10_000), completion_tokens=st.integers(0, 10_000), delta=st.integers(-50, 50))
@settings(max_examples=60, deadline=None)
def test_usage_arithmetic_property(prompt: int, completion_tokens: int, delta: int) -> None:
    context = make_ctx()
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens + delta,
    }
    findings = check_exchange(exchange(completion(usage=usage)), context)
    assert ({f.rule_id for f in findings} == {"resp-usage-arithmetic"}) == (delta != 0)
    assert findings == [] if delta == 0 else findings[0].pointer == "/usage/total_tokens"


@pytest.mark.parametrize("n,returned", [(1, 2), (3, 1), (2, 2)])
def test_choice_count(ctx: CheckContext, n: int, returned: int) -> None:
    choices = [
        {"index": i, "message": {"role": "assistant", "content": "x"}, "finish_reason": "stop"} for i in range(returned)
    ]
    findings = check_exchange(
        exchange(completion(choices=choices), request={"model": "m", "messages": [], "n": n}), ctx
    )
    assert ({f.rule_id for f in findings} == {"resp-choice-count"}) == (n != returned)


def _tool_body(calls: list[dict[str, Any]], finish: str, content: str = "") -> dict[str, Any]:
    return completion(
        choices=[
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", "content": content, "tool_calls": calls},
            }
        ]
    )


TOOLS = {"model": "m", "messages": [], "tools": [{"type": "function", "function": {"name": "get_weather"}}]}
CALL = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}


def test_tool_calls_and_finish_reason(ctx: CheckContext) -> None:
    assert check_exchange(exchange(_tool_body([CALL], "tool_calls"), request=TOOLS), ctx) == []
    assert ids(check_exchange(exchange(_tool_body([CALL], "stop"), request=TOOLS), ctx)) == {
        ("resp-tool-calls-finish-reason", "/choices/0/finish_reason")
    }
    assert ids(check_exchange(exchange(_tool_body([], "tool_calls"), request=TOOLS), ctx)) == {
        ("resp-tool-calls-finish-reason", "/choices/0/finish_reason")
    }


def test_undeclared_tool_and_bad_arguments(ctx: CheckContext) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "launch", "arguments": "not json"}}
    assert ids(check_exchange(exchange(_tool_body([call], "tool_calls"), request=TOOLS), ctx)) == {
        ("resp-tool-call-undeclared", "/choices/0/message/tool_calls/0/function/name"),
        ("resp-tool-arguments-not-json", "/choices/0/message/tool_calls/0/function/arguments"),
    }


def test_tool_choice_required_ignored(ctx: CheckContext) -> None:
    request = {**TOOLS, "tool_choice": "required"}
    assert ids(check_exchange(exchange(completion(), request=request), ctx)) == {
        ("resp-tool-choice-ignored", "/choices/0/message/tool_calls")
    }


@pytest.mark.parametrize(
    "fmt,content,ok",
    [
        ({"type": "json_object"}, '{"a": 1}', True),
        ({"type": "json_object"}, "plain text", False),
        ({"type": "json_object"}, "[1, 2]", False),
        (
            {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "required": ["answer"]}}},
            '{"answer": "yes"}',
            True,
        ),
        (
            {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "required": ["answer"]}}},
            '{"other": 1}',
            False,
        ),
    ],
)
def test_json_modes(ctx: CheckContext, fmt: dict[str, Any], content: str, ok: bool) -> None:
    body = completion(
        choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]
    )
    findings = check_exchange(exchange(body, request={"model": "m", "messages": [], "response_format": fmt}), ctx)
    assert (findings == []) == ok
    assert all(f.rule_id == "resp-json-mode-content" for f in findings)


def test_error_shape(ctx: CheckContext) -> None:
    ok = check_exchange(
        exchange(
            {"error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}}, status=400
        ),
        ctx,
    )
    assert "resp-error-shape" not in {f.rule_id for f in ok}
    bad = check_exchange(exchange({"detail": "bad"}, status=400), ctx)
    assert ("resp-error-shape", "/error") in ids(bad)


def test_probe_requires_a_json_error(ctx: CheckContext) -> None:
    assert check_probe(exchange({"error": {"message": "no such path"}}, status=404), ctx) == []
    assert [f.rule_id for f in check_probe(exchange(None, raw=b"<h1>404</h1>", status=404), ctx)] == [
        "resp-body-not-json"
    ]
    assert [f.rule_id for f in check_probe(exchange(completion(), status=200), ctx)] == ["resp-status-undocumented"]


def _chunk(
    content: str | None = None, role: str | None = None, finish: str | None = None, index: int = 0, **extra: Any
) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def _stream_ex(body: bytes, request: dict[str, Any] | None = None) -> Exchange:
    return exchange(None, raw=body, content_type="text/event-stream", request=request or {"stream": True})


def test_realistic_stream_breaks_only_the_published_chunk_schema(ctx: CheckContext) -> None:
    body = sse(_chunk("", role="assistant"), _chunk("Hel"), _chunk("lo"), _chunk(finish="stop"))
    findings = check_exchange(_stream_ex(body), ctx)
    assert findings, "the published chunk schema requires role and a non-null finish_reason in every chunk"
    assert {f.rule_id for f in findings} == {"resp-schema-violation"}
    assert all(f.source is Source.SPEC for f in findings)
    ctx.checked_against = "normalised"
    assert check_exchange(_stream_ex(body), ctx) == []


def test_stream_without_done_and_finish(ctx: CheckContext) -> None:
    ctx.checked_against = "normalised"
    body = sse(_chunk("", role="assistant"), _chunk("Hel"), done=False)
    assert {f.rule_id for f in check_exchange(_stream_ex(body), ctx)} == {"resp-stream-not-terminated"}


def test_stream_protocol(ctx: CheckContext) -> None:
    ctx.checked_against = "normalised"
    no_role = sse(_chunk("a"), _chunk(finish="stop"))
    assert ("resp-stream-chunk-shape", "/events/0/choices/0/delta") in ids(check_exchange(_stream_ex(no_role), ctx))
    early = sse(_chunk("", role="assistant"), _chunk("a", finish="stop"), _chunk("b"), _chunk(finish="stop"))
    assert ("resp-stream-chunk-shape", "/events/1/choices/0/finish_reason") in ids(
        check_exchange(_stream_ex(early), ctx)
    )
    two_choices = sse(
        _chunk("", role="assistant", index=0),
        _chunk("", role="assistant", index=1),
        _chunk(finish="stop", index=0),
        _chunk("x", index=1),
        _chunk(finish="stop", index=1),
    )
    assert check_exchange(_stream_ex(two_choices, {"stream": True, "n": 2}), ctx) == []


def test_a_stream_that_departs_from_the_sse_grammar_is_reported_at_its_line(ctx: CheckContext) -> None:
    """The suite reads a stream with the client's decoder (gpt52.sse) and reports what it read past."""
    ctx.checked_against = "normalised"
    body = sse(_chunk("", role="assistant"), _chunk(finish="stop"))
    broken = body.replace(b"\n\n", b"\nvendor: x\n\n", 1) + b"data: {"
    found = [f for f in check_exchange(_stream_ex(broken), ctx) if f.rule_id == "resp-stream-chunk-shape"]
    assert [f.message.split(": ", 1)[0] for f in found] == [
        "the event stream departs from the SSE grammar at line 2",
        "the event stream departs from the SSE grammar at line 8",
    ]
    assert "'vendor: x'" in found[0].message and "middle of a line" in found[1].message
    assert check_exchange(_stream_ex(body), ctx) == []


def test_stream_usage_when_asked(ctx: CheckContext) -> None:
    ctx.checked_against = "normalised"
    request = {"stream": True, "stream_options": {"include_usage": True}}
    without = sse(_chunk("", role="assistant"), _chunk(finish="stop"))
    assert ("resp-stream-chunk-shape", "/events/-1/usage") in ids(check_exchange(_stream_ex(without, request), ctx))
    wrong = sse(
        _chunk("", role="assistant"),
        _chunk(finish="stop"),
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "choices": [],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 4},
        },
    )
    assert ("resp-usage-arithmetic", "/events/-1/usage/total_tokens") in ids(
        check_exchange(_stream_ex(wrong, request), ctx)
    )


@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=20), max_size=8),
    st.booleans(),
)
@settings(max_examples=80, deadline=None)
def test_parse_sse_roundtrip(payloads: list[str], done: bool) -> None:
    payloads = [p for p in payloads if p.strip() and p.strip() != "[DONE]"]
    raw = "".join(f"data: {p}\n\n" for p in payloads) + ("data: [DONE]\n\n" if done else "")
    parsed, ended = parse_sse(raw.encode())
    assert parsed == payloads  # only the one space after "data:" is not part of the value (SSE spec)
    assert ended == done


def test_exchange_never_keeps_the_key() -> None:
    ex = exchange(completion())
    assert ex.request_headers["Authorization"] == REDACTED
    assert "sk-test-secret" not in ex.curl()
    assert "sk-test-secret" not in str(ex.to_dict())
    again = Exchange.from_dict(ex.to_dict())
    assert again.response_body == ex.response_body or again.json_body() == ex.json_body()


def test_client_parse_flags_what_the_generated_client_cannot_read(ctx: CheckContext) -> None:
    ctx.client_parse = True
    good = check_exchange(exchange(completion()), ctx)
    assert "resp-client-parse" not in {f.rule_id for f in good}
    unknown = completion(
        choices=[{"index": 0, "finish_reason": "stopped", "message": {"role": "assistant", "content": "x"}}]
    )
    # an unknown value is kept by the client's default decoding, as the official SDK does (the schema check says it)
    assert "resp-client-parse" not in {f.rule_id for f in check_exchange(exchange(unknown), ctx)}
    unreadable = completion(choices="none")
    assert ("resp-client-parse", "/") in ids(check_exchange(exchange(unreadable), ctx))


@given(st.binary(max_size=64))
@settings(max_examples=30)
def test_a_body_sent_as_bytes_is_recorded_and_replayed_as_text(raw: bytes) -> None:
    """A generated negative case can carry a bytes body; recording it must not fail (``--record`` crashed)."""
    import json

    ex = Exchange.build(
        operation="POST /v1/chat/completions",
        method="post",
        url="http://127.0.0.1:1/v1/chat/completions",
        request_headers={"content-type": "application/octet-stream"},
        request_body=raw,
        status=400,
        response_headers={"content-type": "application/json"},
        response_body=b'{"error": {"message": "bad"}}',
    )
    line = json.dumps(ex.to_dict())
    again = Exchange.from_dict(json.loads(line))
    assert again.request_body == raw.decode("utf-8", "replace")
    assert again.status == 400


def test_schema_messages_say_what_was_found_and_what_the_schema_expects(ctx: CheckContext) -> None:
    body = completion()
    body["usage"]["total_tokens"] = "many"
    (finding,) = check_exchange(exchange(body), ctx)
    assert finding.pointer == "/usage/total_tokens"
    assert finding.message.endswith('has /usage/total_tokens = "many" (string); the schema expects number')
