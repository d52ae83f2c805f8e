"""The body-level defects of ``modes.py``: each function damages a plan, a completion or a stream for one mode.

HTTP-level defects (auth, status, content type, framing, timing) live in ``server.py``. A mode a function does
not know leaves its input as it is.
"""

from __future__ import annotations

import json
import random
from typing import Any

try:
    from .answers import Choice, ToolCall, random_id, tokens
except ImportError:  # run as a script: python tests/reference_server/server.py
    from answers import Choice, ToolCall, random_id, tokens  # type: ignore[no-redef,import-not-found]

UNRELATED_MODEL = "llama-3-8b"
UNDECLARED_TOOL = "lookup_account"
PROSE = "Sure! Here is what you asked for: the answer is hello."
SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"


def not_json(arguments: str) -> str:
    """Tool arguments as a careless server writes them: keys and strings unquoted (``{city: Paris}``)."""
    broken = arguments.replace('"', "")
    try:
        json.loads(broken)
    except ValueError:
        return broken
    return broken + "}"  # "{}" stays JSON without quotes: a stray brace, as some servers send


def damage_plan(mode: str, choices: list[Choice], request: dict[str, Any], rng: random.Random) -> None:
    """Defects in what the answer says, so that completion and stream say the same wrong thing."""
    declared = {t.get("function", {}).get("name") for t in request.get("tools") or [] if isinstance(t, dict)}
    json_mode = (request.get("response_format") or {}).get("type") in ("json_object", "json_schema")
    for choice in choices:
        if mode == "undeclared-tool":
            name = UNDECLARED_TOOL if UNDECLARED_TOOL not in declared else UNDECLARED_TOOL + "_v2"
            choice.tool_calls = [ToolCall(random_id("call_", 24, rng), name, '{"account_id": "42"}')]
            choice.content, choice.refusal, choice.pieces, choice.finish_reason = None, None, [], "tool_calls"
        elif mode == "tool-args-not-json":
            for call in choice.tool_calls:
                call.arguments = not_json(call.arguments)
        elif mode == "tool-calls-finish-stop" and choice.tool_calls:
            choice.finish_reason = "stop"
        elif mode == "json-mode-prose" and json_mode and choice.content is not None:
            choice.content, choice.pieces, choice.finish_reason = PROSE, tokens(PROSE), "stop"
        elif mode == "content-null-no-tools" and choice.content is not None:
            choice.content, choice.pieces = None, []


def damage_completion(mode: str, body: dict[str, Any]) -> dict[str, Any]:
    if mode == "usage-arithmetic":
        body["usage"]["total_tokens"] += 7
    elif mode == "created-string":
        body["created"] = str(body["created"])
    elif mode == "missing-id":
        del body["id"]
    elif mode == "model-unrelated":
        body["model"] = UNRELATED_MODEL
    elif mode == "role-not-assistant":
        for choice in body["choices"]:
            choice["message"]["role"] = "user"
    elif mode == "choice-count":
        body["choices"] = body["choices"][:1]
    elif mode == "error-in-200":
        return {"error": {"message": SERVER_ERROR, "type": "server_error", "param": None, "code": None}}
    elif mode == "image-body":
        return {
            "created": body["created"],
            "object": "image",
            "data": [{"url": "https://images.example.com/generated/0.png", "revised_prompt": "A friendly greeting"}],
        }
    return body


def _deltas(chunk: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in chunk.get("choices") or [] if isinstance(c, dict)]


def damage_chunks(
    mode: str, chunks: list[dict[str, Any]], usage: dict[str, Any], rng: random.Random
) -> list[dict[str, Any]]:
    if mode == "unrequested-usage" and not any(c.get("usage") for c in chunks):
        last = {k: v for k, v in chunks[-1].items() if k != "usage"}
        chunks.append({**last, "choices": [], "usage": usage})
    for number, chunk in enumerate(chunks):
        if mode == "usage-arithmetic" and isinstance(chunk.get("usage"), dict):
            chunk["usage"]["total_tokens"] += 7
        elif mode == "created-string":
            chunk["created"] = str(chunk["created"])
        elif mode == "missing-id":
            del chunk["id"]
        elif mode == "chunk-object":
            chunk["object"] = "chat.completion"
        elif mode == "changing-chunk-ids" and number > 0:
            chunk["id"] = random_id("chatcmpl-", 29, rng)
        elif mode == "model-unrelated":
            chunk["model"] = UNRELATED_MODEL
        for choice in _deltas(chunk):
            if mode == "end-turn" and choice.get("finish_reason") is not None:
                choice["finish_reason"] = "end_turn"
            elif mode == "role-every-delta":
                choice["delta"]["role"] = "assistant"
            elif mode == "role-not-assistant" and "role" in choice["delta"]:
                choice["delta"]["role"] = "user"
    if mode == "stream-choice-count":
        chunks = [c for c in chunks if not c.get("choices") or any(d.get("index") == 0 for d in _deltas(c))]
    if mode == "early-finish":
        _finish_early(chunks)
    return chunks


def _finish_early(chunks: list[dict[str, Any]]) -> None:
    """The first chunk of choice 0 after its role chunk carries the finish reason the last one will carry."""
    entries = [d for c in chunks for d in _deltas(c) if d.get("index") == 0]
    final = next((d["finish_reason"] for d in reversed(entries) if d.get("finish_reason")), "stop")
    if len(entries) >= 3:
        entries[1]["finish_reason"] = final
