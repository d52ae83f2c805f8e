"""Chat completions: plan an answer from the request, then build it from the spec's schemas.

:func:`plan` (in :mod:`conformance.mock.planning`) decides everything that
depends on the request (how many choices, their text, JSON content for
``response_format``, tool calls, token counts, logprobs) from a
:class:`random.Random` seeded by the server seed and a hash of the body: the
same seed and request give the same answer (``created`` aside, which is the
current time).

:func:`completion` and :func:`chunks` then walk the 200 schemas
(``application/json`` and ``text/event-stream``) with a
:class:`~conformance.mock.generate.Generator`: every member the schema
requires is generated from the schema, and realistic values are plugged in
where the schema declares the member and its type allows the value (``id``
``chatcmpl-...``, ``object``, ``created``, ``model``, ``usage`` totals...). A
drifted spec therefore gives a drifted answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from conformance.mock.compiler import Compiler, CProvider, Ctx, Maker
from conformance.mock.generate import (
    MISSING,
    Path,
    allows,
    is_nullable,
)
from conformance.mock.planning import (
    MAX_CHOICES,
    SENTENCE,
    ChoicePlan,
    ChunkChoice,
    Plan,
    RequestProblem,
    ToolCall,
    json_for_schema,
    pieces,
    plan,
)

JSON = Any

# -- providers: realistic values where the schema declares the member ----------------------------


def _value(getter: Callable[[Ctx], JSON], sample: JSON) -> CProvider:
    """A provider of ``getter(ctx)`` where the schema's type allows values like ``sample``.

    An ``enum`` is checked per value at run time (a value outside it falls back to the schema).
    """

    def provider(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
        typed = {k: v for k, v in schema.items() if k != "enum"} if isinstance(schema, dict) else schema
        if not allows(typed, sample):
            return None
        enum = schema.get("enum") if isinstance(schema, dict) else None
        if isinstance(enum, list):
            allowed = list(enum)
            return lambda ctx: value if (value := getter(ctx)) in allowed else MISSING
        return getter

    return provider


def _choices(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    if not allows(schema, []):
        return None
    item = comp.compile(schema.get("items", {}) if isinstance(schema, dict) else {}, (*path, "*"))

    def make(ctx: Ctx) -> JSON:
        out = []
        for choice in ctx.plan.choices:
            ctx.choice = choice
            out.append(item(ctx))
        return out

    return make


def _content(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    nullable = is_nullable(schema)
    text_ok = allows(schema, "text")

    def make(ctx: Ctx) -> JSON:
        choice = ctx.choice
        if choice.tool_calls:
            # conformant answers stay valid against the published spec, whose content is a non-null string;
            # the content-null-with-tool-calls drift mode sends null, as OpenAI does
            if ctx.plan.content_null:
                return None  # the drift: null even where the spec says string
            if not text_ok:
                return None if nullable else MISSING
            return ""
        return choice.content if text_ok else MISSING

    return make


def _tool_calls(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    def make(ctx: Ctx) -> JSON:
        calls = ctx.choice.tool_calls
        if not calls:
            return MISSING
        return [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls]

    return make if allows(schema, []) else None


def _null(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    return (lambda ctx: None) if is_nullable(schema) else None


def _empty_list(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    return (lambda ctx: []) if allows(schema, []) else None


def _logprob_entries(ctx: Ctx, tokens: list[str], values: list[float]) -> list[dict[str, Any]]:
    top_n = ctx.plan.top_logprobs
    rng = ctx.rng
    out = []
    for token, value in zip(tokens, values, strict=False):
        top = []
        for rank in range(top_n):
            alt = token if rank == 0 else SENTENCE[int(rng.random() * len(SENTENCE))]
            alt_value = value if rank == 0 else round(value - 0.5 - rank * rng.random(), 4)
            top.append({"token": alt, "logprob": alt_value, "bytes": list(alt.encode())})
        out.append({"token": token, "logprob": value, "bytes": list(token.encode()), "top_logprobs": top})
    return out


def _logprobs(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    body = comp.compile(schema, path, own=False)
    nullable = is_nullable(schema)

    def make(ctx: Ctx) -> JSON:
        if not ctx.plan.logprobs or (ctx.chunk_choice is not None and not ctx.logprob_tokens):
            return None if nullable else MISSING
        return body(ctx)

    return make


def _logprobs_content(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    def make(ctx: Ctx) -> JSON:
        if ctx.logprob_tokens is not None:
            return _logprob_entries(ctx, ctx.logprob_tokens, ctx.logprob_values or [])
        return _logprob_entries(ctx, ctx.choice.tokens, ctx.choice.logprob_values)

    return make if allows(schema, []) else None


def _logprobs_refusal(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    # `[]` where the schema allows it: valid against the published spec (a non-null array there) and the
    # normalised one (which also allows the `null` OpenAI sends), as conformant answers are meant to be
    if allows(schema, []):
        return _empty_list(schema, path, comp)
    return (lambda ctx: None) if is_nullable(schema) else None


def _zero_details(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict) or not allows(schema, {}):
        return None
    zeros = {name: 0 for name, sub in props.items() if allows(sub, 0)}
    return (lambda ctx: dict(zeros)) if zeros else None


_COMMON: dict[Path, CProvider] = {
    ("id",): _value(lambda ctx: ctx.plan.id, "chatcmpl-x"),
    ("created",): _value(lambda ctx: ctx.plan.created, 1),
    ("model",): _value(lambda ctx: ctx.plan.model, "model"),
    ("system_fingerprint",): _value(lambda ctx: ctx.plan.fingerprint, "fp_x"),
    ("choices",): _choices,
    ("choices", "*", "index"): _value(lambda ctx: ctx.choice.index, 0),
    ("choices", "*", "logprobs"): _logprobs,
    ("choices", "*", "logprobs", "content"): _logprobs_content,
    ("choices", "*", "logprobs", "refusal"): _logprobs_refusal,
    ("usage", "prompt_tokens"): _value(lambda ctx: ctx.plan.prompt_tokens, 1),
    ("usage", "completion_tokens"): _value(lambda ctx: ctx.plan.completion_tokens, 1),
    ("usage", "total_tokens"): _value(lambda ctx: ctx.plan.prompt_tokens + ctx.plan.completion_tokens, 1),
    ("usage", "completion_tokens_details"): _zero_details,
    ("usage", "prompt_tokens_details"): _zero_details,
}

COMPLETION_PROVIDERS: dict[Path, CProvider] = {
    **_COMMON,
    ("object",): _value(lambda ctx: "chat.completion", "chat.completion"),
    ("choices", "*", "message", "role"): _value(lambda ctx: "assistant", "assistant"),
    ("choices", "*", "message", "content"): _content,
    ("choices", "*", "message", "refusal"): _null,
    ("choices", "*", "message", "annotations"): _empty_list,
    ("choices", "*", "message", "tool_calls"): _tool_calls,
    ("choices", "*", "finish_reason"): _value(lambda ctx: ctx.choice.finish_reason, "stop"),
}


def compile_completion(schema: JSON, root: JSON = None) -> Maker:
    """The maker of non-streamed answers for a 200 ``application/json`` schema (``root``: the spec its
    remaining ``$ref`` point into)."""
    return Compiler(COMPLETION_PROVIDERS, root=root).compile(schema if schema is not None else {"type": "object"})


def completion(maker: Maker, the_plan: Plan) -> dict[str, Any]:
    """The non-streamed answer for a plan."""
    value = maker(Ctx(None, the_plan))
    return value if isinstance(value, dict) else {"value": value}


# -- streaming -----------------------------------------------------------------------------------


def _chunk_choices(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    item = comp.compile(schema.get("items", {}) if isinstance(schema, dict) else {}, (*path, "*"))

    def make(ctx: Ctx) -> JSON:
        out = []
        for choice in ctx.plan.chunk_choices:
            ctx.chunk_choice = choice
            ctx.choice = ctx.plan.choices[choice.index]
            ctx.logprob_tokens = list(choice.logprob_tokens)
            ctx.logprob_values = list(choice.logprob_values)
            out.append(item(ctx))
        return out

    return make


def _chunk_usage(schema: JSON, path: Path, comp: Compiler) -> Maker | None:
    body = comp.compile(schema, path, own=False)

    def make(ctx: Ctx) -> JSON:
        if ctx.usage_chunk:
            return body(ctx)
        if ctx.plan.include_usage:
            return None  # OpenAI sends usage: null on every chunk but the last when include_usage is set
        return MISSING

    return make


CHUNK_PROVIDERS: dict[Path, CProvider] = {
    **_COMMON,
    ("object",): _value(lambda ctx: "chat.completion.chunk", "chat.completion.chunk"),
    ("choices",): _chunk_choices,
    ("choices", "*", "index"): lambda schema, path, comp: lambda ctx: ctx.chunk_choice.index,
    # deltas and finish_reason are what the stream mode decided, whatever the chunk schema says:
    # that is how the published chunk schema's defects show up against a realistic stream
    ("choices", "*", "delta"): lambda schema, path, comp: lambda ctx: ctx.chunk_choice.delta,
    ("choices", "*", "finish_reason"): lambda schema, path, comp: lambda ctx: ctx.chunk_choice.finish_reason,
    ("usage",): _chunk_usage,
}

DEFAULT_CHUNK_SCHEMA: JSON = {
    "type": "object",
    "required": ["id", "object", "created", "model", "choices"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string"},
        "created": {"type": "integer"},
        "model": {"type": "string"},
        "system_fingerprint": {"type": "string"},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "delta", "finish_reason"],
                "properties": {
                    "index": {"type": "integer"},
                    "delta": {"type": "object"},
                    "finish_reason": {"type": "string", "nullable": True},
                    "logprobs": {"type": "object", "nullable": True},
                },
            },
        },
        "usage": {
            "type": "object",
            "nullable": True,
            "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
            "properties": {
                "prompt_tokens": {"type": "integer"},
                "completion_tokens": {"type": "integer"},
                "total_tokens": {"type": "integer"},
            },
        },
    },
}


def _content_schema(stream_schema: JSON) -> JSON:
    try:
        return stream_schema["properties"]["choices"]["items"]["properties"]["delta"]["properties"]["content"]
    except (KeyError, TypeError):
        return {}


def chunk_choices(the_plan: Plan, *, strict: bool, stream_schema: JSON) -> Iterator[list[ChunkChoice]]:
    """The choices of each content chunk, in order (the usage chunk is not included).

    ``strict=False``: as OpenAI-compatible servers stream (role only in the first
    delta, ``finish_reason`` null until the last chunk of a choice).
    ``strict=True``: what the published chunk schema demands literally (role and
    content in every delta, a non-null ``finish_reason`` in every chunk).
    """
    content_nullable = is_nullable(_content_schema(stream_schema))
    for choice in the_plan.choices:
        final = choice.finish_reason
        pending = None if not strict else final
        values = choice.logprob_values
        if choice.tool_calls:
            calls = choice.tool_calls
            if strict:
                delta: dict[str, Any] = {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "index": i,
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments},
                        }
                        for i, c in enumerate(calls)
                    ],
                }
                yield [ChunkChoice(choice.index, delta, final)]
                continue
            first: dict[str, Any] = {"role": "assistant"}
            if the_plan.content_null or content_nullable:
                first["content"] = None
            first["tool_calls"] = [
                {"index": i, "id": c.id, "type": "function", "function": {"name": c.name, "arguments": ""}}
                for i, c in enumerate(calls)
            ]
            first["refusal"] = None
            yield [ChunkChoice(choice.index, first, None)]
            for i, call in enumerate(calls):
                for piece in pieces(call.arguments, 8):
                    delta = {"tool_calls": [{"index": i, "function": {"arguments": piece}}]}
                    yield [ChunkChoice(choice.index, delta, None)]
            yield [ChunkChoice(choice.index, {}, final)]
            continue
        if strict:
            yield [ChunkChoice(choice.index, {"role": "assistant", "content": ""}, pending)]
            for i, token in enumerate(choice.tokens):
                yield [
                    ChunkChoice(
                        choice.index,
                        {"role": "assistant", "content": token},
                        pending,
                        (token,) if values else (),
                        (values[i],) if values else (),
                    )
                ]
            continue
        yield [ChunkChoice(choice.index, {"role": "assistant", "content": "", "refusal": None}, None)]
        for i, token in enumerate(choice.tokens):
            yield [
                ChunkChoice(
                    choice.index, {"content": token}, None, (token,) if values else (), (values[i],) if values else ()
                )
            ]
        yield [ChunkChoice(choice.index, {}, final)]


def compile_chunk(schema: JSON, root: JSON = None) -> Maker:
    """The maker of ``chat.completion.chunk`` events for a 200 ``text/event-stream`` schema."""
    return Compiler(CHUNK_PROVIDERS, root=root).compile(schema if schema is not None else DEFAULT_CHUNK_SCHEMA)


def chunk(maker: Maker, the_plan: Plan, choices: list[ChunkChoice], *, usage: bool = False) -> dict[str, Any]:
    """One ``chat.completion.chunk`` event."""
    ctx = Ctx(None, the_plan)
    the_plan.chunk_choices = choices
    ctx.usage_chunk = usage
    value = maker(ctx)
    if not isinstance(value, dict):
        return {"value": value}
    if usage and value.get("usage") is None:
        # the schema does not declare usage: still send it, the request asked for it
        value["usage"] = {
            "prompt_tokens": the_plan.prompt_tokens,
            "completion_tokens": the_plan.completion_tokens,
            "total_tokens": the_plan.total_tokens,
        }
    return value


__all__ = [
    "MAX_CHOICES",
    "ChoicePlan",
    "ChunkChoice",
    "Plan",
    "RequestProblem",
    "ToolCall",
    "chunk",
    "chunk_choices",
    "compile_chunk",
    "compile_completion",
    "completion",
    "json_for_schema",
    "plan",
]
