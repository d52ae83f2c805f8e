"""Planning a chat completion: everything of an answer that depends on the request, decided up front.

:func:`plan` decides how many choices, their text, JSON content for ``response_format``, tool calls,
token counts and logprobs from a :class:`random.Random` seeded by the server seed and a hash of the
body: the same seed and request give the same answer (``created`` aside, which is the current time).
:mod:`conformance.mock.chat` then builds the answer from the spec's schemas.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

import attrs

from conformance.mock.generate import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_SECONDS,
    Budget,
    Entropy,
    Generator,
)
from conformance.oas import compile_offline

JSON = Any
MAX_CHOICES = 128
_NUMBER = (int, float)
_ALNUM = string.ascii_letters + string.digits
SENTENCE = (
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
    size = len(SENTENCE)
    return [SENTENCE[b % size] for b in entropy.take(count)]


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


def pieces(text: str, size: int) -> list[str]:
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
            tokens = pieces(call.arguments, 8)
            count = len(tokens)
            finish = "tool_calls"
        else:
            if fmt_type == "json_schema":
                spec = fmt.get("json_schema") if isinstance(fmt, dict) else None
                schema = spec.get("schema") if isinstance(spec, dict) else None
                value = json_for_schema(schema, entropy.rng, budget=budget) if isinstance(schema, dict) else {}
                tokens = pieces(json.dumps(value, ensure_ascii=False), 4)
            elif fmt_type == "json_object":
                words = _words(entropy, 3 + entropy.below(6))
                value = {"answer": " ".join(words), "confidence": entropy.below(101) / 100}
                tokens = pieces(json.dumps(value, ensure_ascii=False), 4)
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
