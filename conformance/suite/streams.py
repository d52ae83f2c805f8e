"""Checks of an event stream: each chunk against the schema, the streaming protocol, and the assembled answer.

The protocol is what the official SDK's accumulator relies on: one id; per choice, the
role only in its first delta (``assistant``), ``finish_reason`` only on its last chunk;
``n`` choices; usage on a final chunk (OpenAI sends it with ``choices: []``) exactly when
``stream_options.include_usage`` asked for it; ``data: [DONE]`` at the end. The deltas
of each choice are then assembled into a message and go through the same semantic
checks as a non-streamed answer (tool calls, their JSON arguments, JSON modes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from gpt52.sse import decode_stream

from conformance.findings import Finding
from conformance.suite.checks import CheckContext, client_parse, error_shape, finding, schema_findings
from conformance.suite.exchange import Exchange, parse_json
from conformance.suite.rules import (
    ERROR_IN_SUCCESS,
    ROLE,
    STREAM_SHAPE,
    STREAM_TERMINATION,
)
from conformance.suite.semantics import choice_count, model_check, request_of, semantic_checks, usage_checks

WHERE = " [stream]"


def stream_checks(ex: Exchange, ctx: CheckContext) -> Iterator[Finding]:
    if ex.status != 200 or ex.content_type != "text/event-stream":
        return
    stream = decode_stream(ex.response_body)
    for problem in stream.problems:
        # what the decoder read past (a line that is no field, a cut last line, a line over the size limits):
        # a client reads the stream as the decoder does, so each is reported where it is
        yield finding(
            STREAM_SHAPE,
            ex,
            f"the event stream departs from the SSE grammar at line {problem.line}: {problem.message}",
            pointer="/events",
            expected="an event stream (WHATWG HTML, server-sent events)",
            found=f"line {problem.line}",
            where=WHERE,
            detail=f"sse-{problem.kind}",
        )
    chunks: list[dict[str, Any]] = []
    for index, event in enumerate(stream.events):
        try:
            chunk = parse_json(event.data)
        except ValueError:
            yield finding(
                STREAM_SHAPE,
                ex,
                f"event {index} is not JSON",
                pointer=f"/events/{index}",
                expected="a JSON chunk",
                found=event.data[:80],
                where=WHERE,
                detail="not-json",
            )
            continue
        if isinstance(chunk, dict) and "error" in chunk and "choices" not in chunk:
            yield finding(
                ERROR_IN_SUCCESS,
                ex,
                f"event {index} of a 200 stream is an error: {json.dumps(chunk)[:120]}",
                pointer=f"/events/{index}/error",
                expected="a chunk",
                found=json.dumps(chunk.get("error"))[:80],
                where=WHERE,
                detail="stream",
            )
            yield from error_shape(ex, chunk, where=WHERE)
            continue
        chunks.append(chunk if isinstance(chunk, dict) else {})
        yield from schema_findings(ex, ctx, chunk, "text/event-stream", where=WHERE)
        if ctx.client_parse:
            yield from client_parse(ex, chunk, "chunk", where=WHERE)
    if not stream.done:
        yield finding(
            STREAM_TERMINATION,
            ex,
            f"the stream ended after {len(stream.events)} event(s) without data: [DONE]",
            pointer="/events",
            expected="data: [DONE] as the last event",
            found="end of body",
            where=WHERE,
            detail="done",
        )
    finishes = [
        choice.get("finish_reason") for c in chunks for choice in (c.get("choices") or []) if isinstance(choice, dict)
    ]
    if chunks and not any(f for f in finishes):
        yield finding(
            STREAM_TERMINATION,
            ex,
            "no chunk carries a finish_reason",
            pointer="/events",
            expected="a final chunk with finish_reason",
            found="none",
            where=WHERE,
            detail="finish",
        )
    yield from _protocol(ex, chunks)


def _per_choice(chunks: list[dict[str, Any]]) -> dict[int, list[tuple[int, dict[str, Any]]]]:
    per_index: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for number, chunk in enumerate(chunks):
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            if isinstance(choice, dict):
                raw_index = choice.get("index")
                index = raw_index if isinstance(raw_index, int) and not isinstance(raw_index, bool) else 0
                per_index.setdefault(index, []).append((number, choice))
    return per_index


def _protocol(ex: Exchange, chunks: list[dict[str, Any]]) -> Iterator[Finding]:
    request = request_of(ex)
    ids = {c.get("id") for c in chunks}
    if len(ids) > 1:
        yield finding(
            STREAM_SHAPE,
            ex,
            "chunk ids change within one stream",
            pointer="/events/*/id",
            expected="one id",
            found=str(sorted(map(str, ids)))[:80],
            where=WHERE,
            detail="id-changes",
        )
    per_index = _per_choice(chunks)
    for index, entries in sorted(per_index.items()):
        yield from _choice_protocol(ex, index, entries)
    if request is not None and chunks:
        yield from choice_count(ex, request, sorted(per_index), "/events/*/choices", where=WHERE)
        model = next((c.get("model") for c in chunks if c.get("model")), None)
        yield from model_check(ex, request, model, "/events/0/model", where=WHERE)
    yield from _usage(ex, request, chunks)
    assembled = [_assemble(per_index[i]) for i in sorted(per_index)]
    if assembled:
        yield from semantic_checks(ex, {"choices": assembled}, where=WHERE, prefix="/assembled", stream=True)


def _choice_protocol(ex: Exchange, index: int, entries: list[tuple[int, dict[str, Any]]]) -> Iterator[Finding]:
    first_number, first = entries[0]
    first_delta = _dict(first.get("delta"))
    role = first_delta.get("role")
    if not role:
        yield finding(
            STREAM_SHAPE,
            ex,
            f"choice {index}: the first delta carries no role",
            pointer=f"/events/{first_number}/choices/{index}/delta",
            expected='role "assistant"',
            found="no role",
            where=WHERE,
            detail="role-missing",
        )
    elif role != "assistant":
        yield finding(
            ROLE,
            ex,
            f"choice {index}: the stream answers as {role!r}",
            pointer=f"/events/{first_number}/choices/{index}/delta/role",
            expected="assistant",
            found=str(role),
            where=WHERE,
            detail=str(role)[:20],
        )
    repeated = [
        (n, c["delta"]["role"]) for n, c in entries[1:] if isinstance(c.get("delta"), dict) and c["delta"].get("role")
    ]
    if repeated:
        numbers = [n for n, _ in repeated]
        yield finding(
            STREAM_SHAPE,
            ex,
            f"choice {index}: the role is repeated after the first delta "
            f"(chunks {numbers[:5]}{'...' if len(numbers) > 5 else ''})",
            pointer=f"/events/{numbers[0]}/choices/{index}/delta/role",
            expected="role only in the first delta",
            found=str(repeated[0][1]),
            where=WHERE,
            detail="role-repeated",
        )
    early = [(n, c.get("finish_reason")) for n, c in entries[:-1] if c.get("finish_reason") is not None]
    if early:
        yield finding(
            STREAM_SHAPE,
            ex,
            f"choice {index}: finish_reason set before its last chunk (chunks {[n for n, _ in early[:5]]})",
            pointer=f"/events/{early[0][0]}/choices/{index}/finish_reason",
            expected="null until the choice's last chunk",
            found=str(early[0][1]),
            where=WHERE,
            detail="early-finish",
        )


def _usage(ex: Exchange, request: dict[str, Any] | None, chunks: list[dict[str, Any]]) -> Iterator[Finding]:
    with_usage = [(n, c["usage"]) for n, c in enumerate(chunks) if isinstance(c.get("usage"), dict)]
    for n, usage in with_usage[-1:]:
        yield from usage_checks(
            ex, usage, "/events/-1/usage" if n == len(chunks) - 1 else f"/events/{n}/usage", where=WHERE
        )
    if request is None or not chunks:
        return
    options = request.get("stream_options")
    asked = isinstance(options, dict) and options.get("include_usage") is True
    if asked and not with_usage:
        # OpenAI sends it on a chunk with `choices: []` after the last choice chunk (other such chunks may follow,
        # e.g. a moderation result)
        yield finding(
            STREAM_SHAPE,
            ex,
            "stream_options.include_usage was set but no chunk carries usage",
            pointer="/events/-1/usage",
            expected="a usage chunk at the end",
            found="none",
            where=WHERE,
            detail="usage-missing",
        )
    if not asked and with_usage:
        n, _ = with_usage[0]
        yield finding(
            STREAM_SHAPE,
            ex,
            f"usage sent in {len(with_usage)} chunk(s) although stream_options.include_usage was not set",
            pointer=f"/events/{n}/usage",
            expected="no usage (clients that did not ask do not expect the extra chunk)",
            found="usage",
            where=WHERE,
            detail="usage-unrequested",
        )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _assemble(entries: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """One choice's deltas put together as the official SDK's accumulator does."""
    message: dict[str, Any] = {"content": None}  # the role is checked per delta, not here
    calls: dict[int, dict[str, Any]] = {}
    finish: Any = None
    index: Any = entries[0][1].get("index")
    for _, choice in entries:
        delta = _dict(choice.get("delta"))
        for key in ("content", "refusal"):
            if isinstance(delta.get(key), str):
                message[key] = (message.get(key) or "") + delta[key]
        for call in delta.get("tool_calls") or []:
            if not isinstance(call, dict):
                continue
            position = call.get("index")
            slot = calls.setdefault(
                position if isinstance(position, int) else len(calls),
                {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
            )
            if call.get("id"):
                slot["id"] = call["id"]
            function = _dict(call.get("function"))
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    slot["function"][key] += function[key]
        legacy = delta.get("function_call")
        if isinstance(legacy, dict):
            target = message.setdefault("function_call", {"name": "", "arguments": ""})
            for key in ("name", "arguments"):
                if isinstance(legacy.get(key), str):
                    target[key] += legacy[key]
        if choice.get("finish_reason") is not None:
            finish = choice["finish_reason"]
    if calls:
        message["tool_calls"] = [calls[k] for k in sorted(calls)]
    if message["content"] is None and not calls and "function_call" not in message and not message.get("refusal"):
        message["content"] = ""  # a stream with no content delta says nothing about null content
    return {"index": index, "message": message, "finish_reason": finish}
