"""Cross-field constraints OpenAI documents for chat completion requests, which no JSON Schema keyword states.

A schema-valid request that breaks one of them is rightly rejected with a 400: schemathesis
calls that "schema-valid request rejected", but the server is right and the spec merely
silent. :func:`broken_constraint` names the constraint a request breaks, or returns None.
Sources: the OpenAI API reference for ``POST /v1/chat/completions`` (``tool_choice``,
``top_logprobs``, ``stream_options``, ``parallel_tool_calls``, ``n``, ``logit_bias``,
messages) and what the real API answers.
"""

from __future__ import annotations

import re
from typing import Any

MAX_N = 128


def _tool_names(body: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for tool in body.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


def _messages(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    if not messages:
        return "messages:empty"  # "Invalid 'messages': empty array. Expected an array with minimum length 1"
    calls: set[str] = set()
    for message in messages:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "assistant":
            tool_calls = message.get("tool_calls")
            for call in tool_calls if isinstance(tool_calls, list) else []:
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    calls.add(call["id"])
            if (
                message.get("content") is None
                and not tool_calls
                and not message.get("function_call")
                and not message.get("refusal")
                and not message.get("audio")
            ):
                return "messages:assistant-empty"
        elif role == "tool" and message.get("tool_call_id") not in calls:
            return "messages:tool-without-call"
    return None


def broken_constraint(body: Any, param: str | None = None) -> str | None:
    """The documented cross-field constraint ``body`` breaks (a short id ``field:what``), or None.

    A request can break several; the server names one (OpenAI's ``error.param``), and when ``param`` is one of
    them that one is the answer, so a rejection citing ``n`` is not filed under ``parallel_tool_calls``.
    """
    broken = broken_constraints(body)
    field = re.match(r"[A-Za-z_]+", param or "")  # "messages[1].role" names messages
    if field:
        for constraint in broken:
            if constraint.split(":", 1)[0] == field.group(0):
                return constraint
    return broken[0] if broken else None


def broken_constraints(body: Any) -> list[str]:
    """Every documented cross-field constraint ``body`` breaks, in the order the checks run."""
    if not isinstance(body, dict):
        return []
    found: list[str] = []
    tools = body.get("tools")
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if name not in _tool_names(body):
            found.append("tool_choice:unknown-function")
    if choice == "required" and not tools:
        found.append("tool_choice:required-without-tools")
    if "parallel_tool_calls" in body and not tools:
        found.append("parallel_tool_calls:without-tools")
    if body.get("top_logprobs") is not None and body.get("logprobs") is not True:
        found.append("top_logprobs:without-logprobs")
    if body.get("stream_options") is not None and body.get("stream") is not True:
        found.append("stream_options:without-stream")
    n = body.get("n")
    if isinstance(n, int | float) and not isinstance(n, bool) and n > MAX_N:
        found.append("n:above-128")
    bias = body.get("logit_bias")
    if isinstance(bias, dict) and any(not str(key).isdigit() for key in bias):
        found.append("logit_bias:keys-not-token-ids")
    functions = body.get("functions")
    call = body.get("function_call")
    if isinstance(call, dict):
        names = {f.get("name") for f in functions or [] if isinstance(f, dict)}
        if call.get("name") not in names:
            found.append("function_call:unknown-function")
    messages = _messages(body)
    if messages is not None:
        found.append(messages)
    return found
