"""What a schema cannot state about one answer: arithmetic, counts, roles, tool calls, JSON modes, the model.

OpenAI's documented behaviour is not an error here: ``content: null`` beside
``tool_calls``; ``finish_reason: "stop"`` when ``tool_choice`` forced a named
function; JSON-mode content cut by ``max_tokens`` (``finish_reason: "length"``)
or replaced by a ``refusal``; the legacy ``function_call``; a dated or
provider-resolved model name. Checks that need the request run only when the
request is known (:attr:`Exchange.request_complete`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from conformance.findings import Finding
from conformance.suite.checks import finding
from conformance.suite.exchange import Exchange
from conformance.suite.rules import (
    CHOICES,
    EMPTY_MESSAGE,
    JSON_MODE,
    MODEL,
    ROLE,
    TOOL_ARGUMENTS,
    TOOL_CHOICE,
    TOOL_FINISH,
    TOOL_UNDECLARED,
    USAGE,
)

_DATE = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4}|\d{8})$")


def request_of(ex: Exchange) -> dict[str, Any] | None:
    """The request body when it is known, else None (request-dependent checks are then skipped)."""
    if not ex.request_complete or not isinstance(ex.request_body, dict):
        return None
    return ex.request_body


def declared_tools(request: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for tool in request.get("tools") or []:
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
            names.add(str(tool["function"].get("name")))
    for function in request.get("functions") or []:  # the legacy form
        if isinstance(function, dict):
            names.add(str(function.get("name")))
    return names


def _model_base(name: str) -> str:
    base = name.lower().rsplit("/", 1)[-1].replace(".", "-").replace("_", "-").replace(":", "-")
    return _DATE.sub("", base)


def models_related(requested: str, answered: str) -> bool:
    """Same model, or a dated / provider-resolved name of it (``openai/gpt-5-2`` vs ``gpt-5.2-2025-12-11``)."""
    a, b = _model_base(requested), _model_base(answered)
    return bool(a) and bool(b) and (a in b or b in a)


def usage_checks(ex: Exchange, usage: Any, pointer: str, where: str = "") -> Iterator[Finding]:
    counts = ("prompt_tokens", "completion_tokens", "total_tokens")
    if (
        isinstance(usage, dict)
        and all(isinstance(usage.get(k), int | float) for k in counts)
        and not isinstance(usage.get("total_tokens"), bool)
        and usage["total_tokens"] != usage["prompt_tokens"] + usage["completion_tokens"]
    ):
        yield finding(
            USAGE,
            ex,
            "usage does not add up",
            pointer=pointer + "/total_tokens",
            expected=f"{usage['prompt_tokens']} + {usage['completion_tokens']} = "
            f"{usage['prompt_tokens'] + usage['completion_tokens']}",
            found=str(usage["total_tokens"]),
            where=where,
        )


def model_check(
    ex: Exchange, request: dict[str, Any] | None, answered: Any, pointer: str, where: str = ""
) -> Iterator[Finding]:
    requested = request.get("model") if request else None
    if isinstance(requested, str) and isinstance(answered, str) and not models_related(requested, answered):
        yield finding(
            MODEL,
            ex,
            f"asked for {requested!r}, answered by {answered!r}",
            pointer=pointer,
            expected=f"{requested} (or a dated name of it)",
            found=answered,
            where=where,
        )


def choice_count(
    ex: Exchange, request: dict[str, Any] | None, indexes: list[Any], pointer: str, where: str = ""
) -> Iterator[Finding]:
    n = request.get("n") if request else None
    wanted = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else (1 if request else len(indexes))
    found = sorted(i for i in indexes if isinstance(i, int))
    if len(indexes) != wanted or found != list(range(wanted)):
        yield finding(
            CHOICES,
            ex,
            f"request asked for n={wanted}" if request else "choice indexes are not 0..k-1",
            pointer=pointer,
            expected=f"{wanted} choice(s) indexed 0..{wanted - 1}",
            found=f"{len(indexes)} choice(s), indexes {indexes}",
            where=where,
        )


def semantic_checks(
    ex: Exchange, body: dict[str, Any], *, where: str = "", prefix: str = "", stream: bool = False
) -> Iterator[Finding]:
    """Checks of one completion (for a stream: the choices assembled from its deltas, under ``prefix``)."""
    request = request_of(ex)
    if not stream:
        yield from usage_checks(ex, body.get("usage"), "/usage")
        yield from model_check(ex, request, body.get("model"), "/model")
    choices = body.get("choices")
    if not isinstance(choices, list):
        return
    if not stream:
        yield from choice_count(
            ex, request, [c.get("index") if isinstance(c, dict) else None for c in choices], "/choices"
        )
    for i, choice in enumerate(choices):
        if isinstance(choice, dict):
            yield from _choice(ex, request, choice, i, where, prefix)


def _choice(
    ex: Exchange, request: dict[str, Any] | None, choice: dict[str, Any], i: int, where: str, prefix: str
) -> Iterator[Finding]:
    raw = choice.get("message")
    if not isinstance(raw, dict):
        return
    message: dict[str, Any] = raw
    at = f"{prefix}/choices/{i}"
    role = message.get("role")
    if role is not None and role != "assistant":
        yield finding(
            ROLE,
            ex,
            f"choice {i} answers as {role!r}",
            pointer=f"{at}/message/role",
            expected="assistant",
            found=str(role),
            where=where,
            detail=str(role)[:20],
        )
    calls = message.get("tool_calls") or []
    calls = calls if isinstance(calls, list) else []
    function_call = message.get("function_call")
    finish = choice.get("finish_reason")
    if (
        message.get("content") is None
        and not calls
        and not function_call
        and not message.get("refusal")
        and not message.get("audio")
        and "content" in message
    ):
        yield finding(
            EMPTY_MESSAGE,
            ex,
            f"choice {i}: content null without tool calls or a refusal",
            pointer=f"{at}/message/content",
            expected="content (a string), a refusal or tool calls",
            found="null",
            where=where,
        )
    yield from _finish_reason(ex, request, calls, bool(function_call), finish, i, at, where)
    declared = declared_tools(request) if request is not None else None
    for j, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            yield from _call(ex, declared, function, i, f"{at}/message/tool_calls/{j}/function", where)
    if isinstance(function_call, dict):
        yield from _call(ex, declared, function_call, i, f"{at}/message/function_call", where)
    if request is None:
        return
    tool_choice = request.get("tool_choice")
    if declared and (tool_choice == "required" or isinstance(tool_choice, dict)):
        raw_function = tool_choice.get("function") if isinstance(tool_choice, dict) else None
        named = raw_function.get("name") if isinstance(raw_function, dict) else None
        names = [c.get("function", {}).get("name") for c in calls if isinstance(c, dict)]
        if finish != "length" and (not calls or (named and named not in names)):
            yield finding(
                TOOL_CHOICE,
                ex,
                f"choice {i}: tool_choice {json.dumps(tool_choice)} not honoured",
                pointer=f"{at}/message/tool_calls",
                expected=f"a call to {named}" if named else "at least one tool call",
                found=f"{names or 'no tool call'}",
                where=where,
            )
    yield from _json_mode(ex, request, message, finish, i, at, where)


def _finish_reason(
    ex: Exchange,
    request: dict[str, Any] | None,
    calls: list[Any],
    legacy: bool,
    finish: Any,
    i: int,
    at: str,
    where: str,
) -> Iterator[Finding]:
    forced = request is not None and isinstance(request.get("tool_choice"), dict)
    if calls:
        # OpenAI answers "stop" when tool_choice named the function; "length" cuts a call short
        allowed = {"tool_calls", "length", *(("stop",) if forced else ())}
        if finish not in allowed:
            yield finding(
                TOOL_FINISH,
                ex,
                f"choice {i}: finish_reason {finish!r} with {len(calls)} tool call(s)",
                pointer=f"{at}/finish_reason",
                expected=" or ".join(sorted(allowed)),
                found=str(finish),
                where=where,
                detail=f"calls:{finish}",
            )
    elif finish == "tool_calls":
        yield finding(
            TOOL_FINISH,
            ex,
            f"choice {i}: finish_reason 'tool_calls' without a tool call",
            pointer=f"{at}/finish_reason",
            expected="not tool_calls (no tool call present)",
            found=str(finish),
            where=where,
            detail="no-calls",
        )
    elif finish == "function_call" and not legacy:
        yield finding(
            TOOL_FINISH,
            ex,
            f"choice {i}: finish_reason 'function_call' without a function_call",
            pointer=f"{at}/finish_reason",
            expected="a function_call member",
            found=str(finish),
            where=where,
            detail="no-function-call",
        )


def _call(
    ex: Exchange, declared: set[str] | None, function: dict[str, Any], i: int, at: str, where: str
) -> Iterator[Finding]:
    if declared is not None and function.get("name") not in declared:
        yield finding(
            TOOL_UNDECLARED,
            ex,
            f"choice {i} calls {function.get('name')!r}",
            pointer=f"{at}/name",
            expected=f"one of the declared tools {sorted(declared)}",
            found=str(function.get("name")),
            where=where,
        )
    arguments = function.get("arguments")
    try:
        json.loads(arguments if isinstance(arguments, str) else "")
    except ValueError:
        yield finding(
            TOOL_ARGUMENTS,
            ex,
            f"choice {i}: tool call arguments are not JSON",
            pointer=f"{at}/arguments",
            expected="a JSON text",
            found=str(arguments)[:80],
            where=where,
        )


def _json_mode(
    ex: Exchange, request: dict[str, Any], message: dict[str, Any], finish: Any, i: int, at: str, where: str
) -> Iterator[Finding]:
    fmt = request.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") not in ("json_object", "json_schema"):
        return
    if message.get("tool_calls") or message.get("refusal") or finish in ("length", "content_filter"):
        return  # documented: a call, a refusal, or content cut short is not JSON-mode content
    content = message.get("content")
    try:
        value = json.loads(content) if isinstance(content, str) else None
    except ValueError:
        value = None
    if value is None or (fmt["type"] == "json_object" and not isinstance(value, dict)):
        yield finding(
            JSON_MODE,
            ex,
            f"choice {i}: response_format {fmt['type']} but content is not a JSON object",
            pointer=f"{at}/message/content",
            expected="a JSON object",
            found=str(content)[:80],
            where=where,
            detail="not-json",
        )
        return
    raw_schema = fmt.get("json_schema")
    schema = raw_schema.get("schema") if isinstance(raw_schema, dict) and fmt["type"] == "json_schema" else None
    if isinstance(schema, dict):
        try:
            from conformance.oas import compile_offline

            # a schema from the request: never fetched, whatever $ref it holds
            errors = list(itertools.islice(compile_offline(schema).iter_errors(value), 5))
        except Exception:  # the request's own schema may be broken; that is not the server's fault
            errors = []
        for error in errors[:5]:
            yield finding(
                JSON_MODE,
                ex,
                f"choice {i}: content violates the requested json_schema: {error.message}",
                pointer=f"{at}/message/content",
                expected="content valid against the json_schema",
                found=str(content)[:80],
                where=where,
                detail="schema",
            )
