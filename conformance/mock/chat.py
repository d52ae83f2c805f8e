"""Chat completions: plan an answer from the request, then build it from the spec's schemas.

:func:`plan` decides everything that depends on the request (how many choices,
their text, JSON content for ``response_format``, tool calls, token counts,
logprobs) from a :class:`random.Random` seeded by the server seed and a hash
of the body: the same seed and request give the same answer (``created``
aside, which is the current time).

:func:`completion` and :func:`chunks` then walk the 200 schemas
(``application/json`` and ``text/event-stream``) with a
:class:`~conformance.mock.generate.Generator`: every member the schema
requires is generated from the schema, and realistic values are plugged in
where the schema declares the member and its type allows the value (``id``
``chatcmpl-...``, ``object``, ``created``, ``model``, ``usage`` totals...). A
drifted spec therefore gives a drifted answer.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from conformance.mock.compiler import Compiler, CProvider, Ctx, Maker
from conformance.mock.generate import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_SECONDS,
    MISSING,
    Budget,
    Entropy,
    Generator,
    Path,
    allows,
    is_nullable,
)
from conformance.schema import compile_offline

JSON = Any
MAX_CHOICES = 128
_NUMBER = (int, float)
_ALNUM = string.ascii_letters + string.digits
_SENTENCE = (
    "Hello",
    "there",
    "this",
    "is",
    "a",
    "mock",
    "answer",
    "generated",
    "from",
    "the",
    "published",
    "schema",
    "it",
    "reads",
    "like",
    "plain",
    "text",
    "and",
    "keeps",
    "going",
    "for",
    "several",
    "more",
    "tokens",
    "so",
    "that",
    "clients",
    "can",
    "stream",
    "parse",
    "and",
    "count",
    "them",
    "reliably",
    "today",
)


class RequestProblem(Exception):
    """A request the schema accepts but the API would still refuse (400), OpenAI-style."""

    def __init__(self, message: str, param: str | None, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


@attrs.define
class ToolCall:
    id: str
    name: str
    arguments: str


@attrs.define
class ChoicePlan:
    index: int
    content: str | None
    token_list: list[str] | None  # None: the words of a plain text answer, split into tokens when needed
    finish_reason: str
    tool_calls: list[ToolCall]
    logprob_values: list[float]
    words: list[str] | None = None

    @property
    def tokens(self) -> list[str]:
        """The content (or tool-call arguments) in tokens, as streams and logprobs show them."""
        if self.token_list is None:
            self.token_list = _text_tokens(self.words or [])
        return self.token_list


@attrs.frozen
class ChunkChoice:
    index: int
    delta: dict[str, Any]
    finish_reason: str | None
    logprob_tokens: tuple[str, ...] = ()
    logprob_values: tuple[float, ...] = ()


@attrs.define
class Plan:
    """Everything request-dependent about one answer."""

    id: str
    created: int
    model: str
    choices: list[ChoicePlan]
    prompt_tokens: int
    completion_tokens: int
    logprobs: bool
    top_logprobs: int
    stream: bool
    include_usage: bool
    content_null: bool
    fingerprint: str
    entropy: Entropy
    chunk_choices: list[ChunkChoice] = attrs.field(factory=list)

    @property
    def rng(self) -> random.Random:
        """The answer's :class:`random.Random` (seeded from the request on first use)."""
        return self.entropy.rng

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


# -- planning ------------------------------------------------------------------------------

_ALNUM_TABLE = bytes((_ALNUM * 5).encode()[:256])
_HEX_TABLE = bytes(("0123456789abcdef" * 16).encode())


def _random_id(entropy: Entropy, prefix: str, length: int, table: bytes = _ALNUM_TABLE) -> str:
    """``prefix`` + ``length`` random characters (one random byte each, mapped through ``table``)."""
    return prefix + entropy.take(length).translate(table).decode()


def _text_tokens(words: list[str]) -> list[str]:
    return [words[0].capitalize(), *(" " + w for w in words[1:]), "."] if words else ["."]


def _words(entropy: Entropy, count: int) -> list[str]:
    size = len(_SENTENCE)
    return [_SENTENCE[b % size] for b in entropy.take(count)]


def _text_of(content: JSON) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _prompt_tokens(messages: JSON) -> int:
    total = 3
    if not isinstance(messages, list):
        return total
    for message in messages:
        if not isinstance(message, dict):
            continue
        total += 4 + (len(_text_of(message.get("content"))) + 3) // 4
        content = message.get("content")
        if isinstance(content, list):
            images = sum(1 for part in content if isinstance(part, dict) and part.get("type") == "image_url")
            total += 85 * images
    return total


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def json_for_schema(
    schema: JSON, rng: random.Random, *, budget: Budget | None = None, param: str = "response_format.json_schema.schema"
) -> JSON:
    """A value satisfying a JSON Schema from a request (best effort: a few tries, checked when possible).

    Generation is bounded by ``budget`` (shared by the whole answer); a schema
    whose values cannot be made within it (one that requires itself, directly
    or through ``minItems``) is a :class:`RequestProblem` naming ``param``.
    """
    budget = budget if budget is not None else Budget(MAX_NODES, MAX_SECONDS)
    if id(schema) not in budget.checks:  # the n choices of an answer share one compiled validator
        try:
            budget.checks[id(schema)] = compile_offline(schema)
        except Exception:  # the schema may not compile (or refers to a URL: never fetched); generate anyway
            budget.checks[id(schema)] = None
    check = budget.checks[id(schema)]
    value: JSON = None
    for _ in range(4):
        generator = Generator(rng, root=schema, budget=budget, strict_depth=True)
        try:
            value = generator.value(schema)
        except RecursionError:
            budget.exhausted = budget.exhausted or f"nesting deeper than {MAX_DEPTH} levels"
        except Exception:  # a schema from a request can be anything; the answer is best effort
            value = {}
        if budget.exhausted is not None:
            raise RequestProblem(
                f"Invalid schema in '{param}': expected a schema the mock can satisfy within its budget per "
                f"answer ({budget.size} values, {budget.seconds or 0:g} s, {MAX_DEPTH} levels), found one whose "
                f"smallest value needs {budget.exhausted} (a required member or minItems that refers back to the "
                "schema itself has no finite value).",
                param,
                "schema_too_complex",
            )
        if check is None:
            return value
        try:
            if check.is_valid(value):
                return value
        except Exception:  # a value the validator cannot even look at
            continue
    return value


def _tool_call(
    entropy: Entropy,
    tool: JSON,
    name: str | None = None,
    *,
    budget: Budget | None = None,
    param: str = "tools[0].function.parameters",
) -> ToolCall:
    function = tool.get("function") if isinstance(tool, dict) else None
    function = function if isinstance(function, dict) else {}
    declared = function.get("name")
    chosen = name if name is not None else declared if isinstance(declared, str) else "lookup"
    parameters = function.get("parameters")
    args = json_for_schema(parameters, entropy.rng, budget=budget, param=param) if isinstance(parameters, dict) else {}
    return ToolCall(_random_id(entropy, "call_", 24), chosen, json.dumps(args, ensure_ascii=False))


def _wanted_tool(body: dict[str, Any]) -> tuple[JSON, str | None] | None:
    """The tool the request asks to call (``tool_choice`` "required" or named), or ``None``."""
    tools = body.get("tools")
    choice = body.get("tool_choice")
    tools = tools if isinstance(tools, list) else []
    if isinstance(choice, dict):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        for tool in tools:
            fn = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(fn, dict) and fn.get("name") == name:
                return tool, name
        raise RequestProblem(
            f"Invalid value for 'tool_choice': function {name!r} is not among the request's "
            f"tools ({', '.join(repr(_tool_name(t)) for t in tools) or 'none given'}).",
            "tool_choice",
            "invalid_value",
        )
    if choice == "required":
        if not tools:
            raise RequestProblem(
                "Invalid value for 'tool_choice': 'required' needs at least one tool in 'tools'.",
                "tool_choice",
                "invalid_value",
            )
        return tools[0], None
    return None


def _tool_param(body: dict[str, Any], tool: JSON) -> str:
    tools = body.get("tools")
    index = next((i for i, t in enumerate(tools) if t is tool), 0) if isinstance(tools, list) else 0
    return f"tools[{index}].function.parameters"


def _tool_name(tool: JSON) -> str:
    fn = tool.get("function") if isinstance(tool, dict) else None
    return str(fn.get("name")) if isinstance(fn, dict) else "?"


def plan(
    body: dict[str, Any], entropy: Entropy, *, now: int, force_tool_call: bool = False, content_null: bool = False
) -> Plan:
    """Decide the answer to a (schema-valid) request body."""
    n_raw = body.get("n")
    n = int(n_raw) if isinstance(n_raw, _NUMBER) and not isinstance(n_raw, bool) else 1
    if n > MAX_CHOICES:
        raise RequestProblem(
            f"Invalid 'n': integer above maximum value. Expected a value <= {MAX_CHOICES}, but got {n} instead.",
            "n",
            "integer_above_max_value",
        )
    n = max(n, 1)
    max_raw = body.get("max_tokens")
    max_tokens = int(max_raw) if isinstance(max_raw, _NUMBER) and not isinstance(max_raw, bool) else None
    if max_tokens is not None:
        max_tokens = max(max_tokens, 1)
    wanted = _wanted_tool(body) if "tool_choice" in body else None
    if wanted is None and force_tool_call:
        # a call of the first declared tool; never of an undeclared one, never against tool_choice "none"
        tools = body.get("tools")
        if isinstance(tools, list) and tools and body.get("tool_choice") != "none":
            wanted = tools[0], None
    fmt = body.get("response_format")
    fmt_type = fmt.get("type") if isinstance(fmt, dict) else None
    logprobs = body.get("logprobs") is True
    top_raw = body.get("top_logprobs")
    top = 0
    if logprobs and isinstance(top_raw, _NUMBER) and not isinstance(top_raw, bool):
        top = int(top_raw)
    stream_options = body.get("stream_options")
    include_usage = isinstance(stream_options, dict) and stream_options.get("include_usage") is True
    choices: list[ChoicePlan] = []
    completion_tokens = 0
    # what generating values from the request's schemas may cost, for the whole answer
    budget = Budget(MAX_NODES, MAX_SECONDS)
    for index in range(n):
        tool_calls: list[ToolCall] = []
        content: str | None
        finish = "stop"
        words: list[str] | None = None
        tokens: list[str] | None
        if wanted is not None:
            call = _tool_call(entropy, wanted[0], wanted[1], budget=budget, param=_tool_param(body, wanted[0]))
            tool_calls = [call]
            content = None
            tokens = _pieces(call.arguments, 8)
            count = len(tokens)
            finish = "tool_calls"
        else:
            if fmt_type == "json_schema":
                spec = fmt.get("json_schema") if isinstance(fmt, dict) else None
                schema = spec.get("schema") if isinstance(spec, dict) else None
                value = json_for_schema(schema, entropy.rng, budget=budget) if isinstance(schema, dict) else {}
                tokens = _pieces(json.dumps(value, ensure_ascii=False), 4)
            elif fmt_type == "json_object":
                words = _words(entropy, 3 + entropy.below(6))
                value = {"answer": " ".join(words), "confidence": entropy.below(101) / 100}
                tokens = _pieces(json.dumps(value, ensure_ascii=False), 4)
            else:
                words = _words(entropy, 6 + entropy.below(19))
                tokens = None  # the common case: the content, without splitting it
            count = len(words) + 1 if tokens is None and words is not None else len(tokens or ())
            if (max_tokens is not None and count > max_tokens) or logprobs:
                tokens = tokens if tokens is not None else _text_tokens(words or [])
                if max_tokens is not None and count > max_tokens:
                    tokens = tokens[:max_tokens]
                    finish = "length"
                    count = max_tokens
            if tokens is None:
                assert words is not None
                content = words[0].capitalize() + " " + " ".join(words[1:]) + "."
            else:
                content = "".join(tokens)
        values = [-round(entropy.rng.random() * 3, 4) for _ in range(count)] if logprobs else []
        completion_tokens += count
        choices.append(ChoicePlan(index, content, tokens, finish, tool_calls, values, words))
    model = body.get("model")
    return Plan(
        id=_random_id(entropy, "chatcmpl-", 29),
        created=now,
        model=model if isinstance(model, str) else "",
        choices=choices,
        prompt_tokens=_prompt_tokens(body.get("messages")),
        completion_tokens=completion_tokens,
        logprobs=logprobs,
        top_logprobs=max(0, min(top, 20)),
        stream=body.get("stream") is True,
        include_usage=include_usage,
        content_null=content_null,
        fingerprint=_random_id(entropy, "fp_", 10, _HEX_TABLE),
        entropy=entropy,
    )


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
            alt = token if rank == 0 else _SENTENCE[int(rng.random() * len(_SENTENCE))]
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
                for piece in _pieces(call.arguments, 8):
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
