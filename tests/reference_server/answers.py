"""What the reference server answers to a valid request: a plan per choice, rendered as a completion or a stream.

Shapes follow the OpenAI reference (``CreateChatCompletionResponse``, ``CreateChatCompletionStreamResponse``) and
recorded OpenAI traffic: ``chatcmpl-`` ids, ``content: null`` beside ``tool_calls``, ``refusal: null`` and
``annotations: []`` in messages, a first delta ``{"role": "assistant", "content": "", "refusal": null}``, tool-call
deltas (index, id and name first, arguments split over the following deltas), a final chunk per choice with
``delta: {}`` and the finish reason, ``usage: null`` on every chunk and a last ``choices: []`` chunk carrying the
usage when ``stream_options.include_usage`` is set.

``quirks`` turns on the documented OpenAI behaviours that naive checkers flag (see ``modes.py``).
"""

from __future__ import annotations

import json
import math
import random
import re
import string
import time
from dataclasses import dataclass, field
from typing import Any

DATED = {
    "openai/gpt-5-2": "gpt-5.2-2025-12-11",
    "gpt-5.2": "gpt-5.2-2025-12-11",
    "openai/gpt-5-2-pro": "gpt-5.2-pro-2025-12-11",
    "openai/gpt-5-2-chat-latest": "gpt-5.2-chat-latest",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
}
REFUSAL = "I'm sorry, but I can't assist with that request."
GREETINGS = (
    "Hello! How can I help you today?",
    "Hi there! What can I do for you?",
    "Hello! Ask me anything.",
    "Hey! How may I assist?",
)
_ALNUM = string.ascii_letters + string.digits
_TOKEN = re.compile(r"\s*[A-Za-z0-9]+|\s*[^A-Za-z0-9\s]|\s+")
MAX_NODES = 200  # bound on the value built from a request-supplied schema
MAX_DEPTH = 8


def random_id(prefix: str, length: int, rng: random.Random) -> str:
    return prefix + "".join(rng.choice(_ALNUM) for _ in range(length))


def tokens(text: str) -> list[str]:
    """Split a text into token-like pieces whose concatenation is the text."""
    return _TOKEN.findall(text) or [text]


@dataclass
class Budget:
    nodes: int = MAX_NODES


def instance(schema: Any, root: Any, budget: Budget, depth: int = 0) -> Any:
    """A small value valid for a (simple) JSON Schema; refs, recursion and size are bounded."""
    budget.nodes -= 1
    if not isinstance(schema, dict) or budget.nodes <= 0 or depth > MAX_DEPTH:
        return None if isinstance(schema, dict) and schema.get("type") == "null" else {}
    if "$ref" in schema:
        target: Any = root
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            target = target.get(part) if isinstance(target, dict) and part else target
        return instance(target, root, budget, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return instance(schema[key][0], root, budget, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
        required: list[Any] = schema["required"] if isinstance(schema.get("required"), list) else list(props)
        wanted = dict.fromkeys(required)  # a set of names, in order (no quadratic lookups)
        return {name: instance(props.get(name, {}), root, budget, depth + 1) for name in wanted}
    if kind == "array":
        count = min(int(schema.get("minItems") or 1), 3)
        return [instance(schema.get("items", {}), root, budget, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = max(0, math.ceil(low) if isinstance(low, int | float) else 0)
        return int(value) if kind == "integer" else float(value) + 0.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = "Paris" if "city" in str(schema.get("description", "")).lower() else "example"
    return text + "x" * max(0, int(schema.get("minLength") or 0) - len(text))


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass
class Choice:
    """What one choice says: content, a refusal, tool calls or a legacy function call."""

    index: int
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    function_call: ToolCall | None = None
    finish_reason: str = "stop"
    pieces: list[str] = field(default_factory=list)  # the tokens of content (or refusal)
    counted: int | None = None  # completion tokens reported, when not the number of pieces

    @property
    def completion_tokens(self) -> int:
        if self.counted is not None:
            return self.counted
        calls = [*self.tool_calls, *([self.function_call] if self.function_call else [])]
        return len(self.pieces) + sum(len(tokens(c.arguments)) + 3 for c in calls)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _wants_tool(request: dict[str, Any]) -> bool:
    if not request.get("tools") or request.get("tool_choice") == "none":
        return False
    last = request["messages"][-1]
    # the standard tool loop: after a tool result the model answers in words (unless a call is forced)
    return (
        request.get("tool_choice") in ("required",)
        or isinstance(request.get("tool_choice"), dict)
        or (last.get("role") not in ("tool", "function"))
    )


def _json_content(request: dict[str, Any], rng: random.Random) -> str:
    fmt = request["response_format"]
    if fmt["type"] == "json_schema":
        schema = fmt["json_schema"].get("schema") or {"type": "object"}
        return json.dumps(instance(schema, schema, Budget()), separators=(",", ":"))
    return json.dumps({"answer": rng.choice(GREETINGS)})


def plan(request: dict[str, Any], rng: random.Random, quirks: bool) -> list[Choice]:
    """One :class:`Choice` per ``n``."""
    n = int(request.get("n") or 1)
    limit = request.get("max_completion_tokens") or request.get("max_tokens")
    fmt = request.get("response_format") or {}
    said = " ".join(_text(m.get("content")) for m in request["messages"] if isinstance(m, dict))
    choices = []
    for index in range(n):
        choice = Choice(index)
        if request.get("functions") and request.get("function_call") != "none":
            function = request["functions"][0]
            arguments = instance(function.get("parameters") or {"type": "object"}, function.get("parameters"), Budget())
            choice.function_call = ToolCall("", function["name"], json.dumps(arguments))
            choice.finish_reason = "function_call"
        elif _wants_tool(request):
            tools = [t for t in request["tools"] if t.get("type") == "function"]
            named = request.get("tool_choice")
            if isinstance(named, dict) and named.get("type") == "function":
                tools = [t for t in tools if t["function"]["name"] == named["function"]["name"]]
            function = tools[0]["function"] if tools else {"name": "unknown", "parameters": {}}
            parameters = function.get("parameters") or {"type": "object", "properties": {}}
            arguments = json.dumps(instance(parameters, parameters, Budget()))
            choice.tool_calls = [ToolCall(random_id("call_", 24, rng), function["name"], arguments)]
            choice.finish_reason = "tool_calls"
        elif quirks and fmt.get("type") == "json_schema" and "refuse" in said.lower():
            choice.refusal = REFUSAL
            choice.pieces = tokens(REFUSAL)
        else:
            json_mode = fmt.get("type") in ("json_object", "json_schema")
            choice.content = _json_content(request, rng) if json_mode else GREETINGS[index % len(GREETINGS)]
            choice.pieces = tokens(choice.content)
            if isinstance(limit, int | float) and len(choice.pieces) > limit and (quirks or not json_mode):
                choice.pieces = choice.pieces[: int(limit)]
                choice.content = "".join(choice.pieces)
                choice.finish_reason = "length"
            elif isinstance(limit, int | float) and len(choice.pieces) > limit:
                choice.counted = int(limit)  # whole JSON sent, counted as the limit: only quirks cut JSON
        choices.append(choice)
    return choices


def resolved_model(requested: str, quirks: bool) -> str:
    if not quirks:
        return requested
    return DATED.get(requested, requested)


def usage(request: dict[str, Any], choices: list[Choice], quirks: bool) -> dict[str, Any]:
    prompt = sum(len(tokens(_text(m.get("content")))) + 4 for m in request["messages"] if isinstance(m, dict)) + 3
    reasoning = 64 if quirks and str(request.get("model", "")).startswith(("openai/gpt-5", "gpt-5")) else 0
    completion = sum(c.completion_tokens for c in choices) + reasoning
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _logprob_entries(pieces: list[str], top: int, rng: random.Random) -> list[dict[str, Any]]:
    entries = []
    for piece in pieces:
        logprob = round(-rng.random() * 0.5, 6)
        alternatives = [{"token": piece, "logprob": logprob, "bytes": list(piece.encode())}]
        alternatives += [
            {"token": f"{piece}{k}", "logprob": round(logprob - 1 - k, 6), "bytes": list(f"{piece}{k}".encode())}
            for k in range(max(0, top - 1))
        ]
        entries.append(
            {"token": piece, "logprob": logprob, "bytes": list(piece.encode()), "top_logprobs": alternatives[:top]}
        )
    return entries


def _logprobs(request: dict[str, Any], choice: Choice, rng: random.Random, quirks: bool) -> dict[str, Any] | None:
    if not request.get("logprobs"):
        return None
    top = int(request.get("top_logprobs") or 0)
    if choice.refusal is not None:
        return {"content": None, "refusal": _logprob_entries(choice.pieces, top, rng)}
    if choice.content is None:
        return {"content": [] if quirks else None, "refusal": None}
    return {"content": _logprob_entries(choice.pieces, top, rng), "refusal": None}


@dataclass
class Envelope:
    """What every answer of one request shares."""

    id: str
    created: int
    model: str
    system_fingerprint: str
    service_tier: str

    @classmethod
    def new(cls, request: dict[str, Any], rng: random.Random, quirks: bool) -> Envelope:
        tier = request.get("service_tier")
        return cls(
            random_id("chatcmpl-", 29, rng),
            int(time.time()),
            resolved_model(request["model"], quirks),
            "fp_" + "".join(rng.choice("0123456789abcdef") for _ in range(10)),
            tier if tier in ("flex", "priority", "scale") else "default",
        )


def completion(
    request: dict[str, Any], choices: list[Choice], env: Envelope, rng: random.Random, quirks: bool
) -> dict[str, Any]:
    rendered = []
    for choice in choices:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": choice.content,
            "refusal": choice.refusal,
            "annotations": [],
        }
        if choice.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in choice.tool_calls
            ]
        if choice.function_call:
            message["function_call"] = {"name": choice.function_call.name, "arguments": choice.function_call.arguments}
        rendered.append(
            {
                "index": choice.index,
                "message": message,
                "logprobs": _logprobs(request, choice, rng, quirks),
                "finish_reason": choice.finish_reason,
            }
        )
    return {
        "id": env.id,
        "object": "chat.completion",
        "created": env.created,
        "model": env.model,
        "choices": rendered,
        "usage": usage(request, choices, quirks),
        "service_tier": env.service_tier,
        "system_fingerprint": env.system_fingerprint,
    }


def _groups(pieces: list[str], most: int = 12) -> list[str]:
    """At most ``most`` deltas: long answers send several tokens per delta."""
    size = max(1, math.ceil(len(pieces) / most))
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


def _choice_deltas(request: dict[str, Any], choice: Choice, rng: random.Random, quirks: bool) -> list[dict[str, Any]]:
    """The choice entries of the chunks of one choice, in order (role first, finish last)."""
    wants_logprobs = bool(request.get("logprobs"))
    top = int(request.get("top_logprobs") or 0)
    out: list[dict[str, Any]] = []

    def entry(delta: dict[str, Any], logprobs: Any = None, finish: str | None = None) -> None:
        out.append({"index": choice.index, "delta": delta, "logprobs": logprobs, "finish_reason": finish})

    if choice.tool_calls or choice.function_call:
        first: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        if choice.function_call:
            first["function_call"] = {"name": choice.function_call.name, "arguments": ""}
            entry(first)
            for piece in _groups(tokens(choice.function_call.arguments), 6):
                entry({"function_call": {"arguments": piece}})
        for k, call in enumerate(choice.tool_calls):
            head = {"index": k, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
            if k == 0:
                entry({**first, "tool_calls": [head]})
            else:
                entry({"tool_calls": [head]})
            for piece in _groups(tokens(call.arguments), 6):
                entry({"tool_calls": [{"index": k, "function": {"arguments": piece}}]})
    else:
        is_refusal = choice.refusal is not None
        first = {"role": "assistant", "content": None if is_refusal else "", "refusal": "" if is_refusal else None}
        empty_logprobs: dict[str, Any] | None = None
        if wants_logprobs and quirks:
            empty_logprobs = {"content": None, "refusal": []} if is_refusal else {"content": [], "refusal": None}
        entry(first, empty_logprobs)
        member = "refusal" if is_refusal else "content"
        for piece in _groups(choice.pieces):
            logprobs = None
            if wants_logprobs:
                entries = _logprob_entries(tokens(piece), top, rng)
                logprobs = (
                    {"content": None, "refusal": entries} if is_refusal else {"content": entries, "refusal": None}
                )
            entry({member: piece}, logprobs)
    entry({}, None, choice.finish_reason)
    return out


def chunks(
    request: dict[str, Any], choices: list[Choice], env: Envelope, rng: random.Random, quirks: bool
) -> list[dict[str, Any]]:
    """Every chunk of the stream, choices interleaved, the usage chunk last when asked for."""
    include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
    per_choice = [_choice_deltas(request, choice, rng, quirks) for choice in choices]
    out: list[dict[str, Any]] = []
    for step in range(max(len(entries) for entries in per_choice)):
        for entries in per_choice:
            if step < len(entries):
                out.append(_chunk(env, [entries[step]], include_usage, rng, quirks))
    if include_usage:
        last = _chunk(env, [], include_usage, rng, quirks)
        last["usage"] = usage(request, choices, quirks)
        out.append(last)
    return out


def _chunk(
    env: Envelope, choices: list[dict[str, Any]], include_usage: bool, rng: random.Random, quirks: bool
) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": env.id,
        "object": "chat.completion.chunk",
        "created": env.created,
        "model": env.model,
        "service_tier": env.service_tier,
        "system_fingerprint": env.system_fingerprint,
        "choices": choices,
    }
    if include_usage:
        chunk["usage"] = None
    if quirks:
        chunk["obfuscation"] = random_id("", rng.randint(4, 12), rng)
    return chunk
