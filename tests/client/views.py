"""What a caller reads from an answer, the same way from our models and from the official ``openai`` package's,
so the two can be compared: ``answer_view`` for a completion or a chunk, ``assembled`` / ``accumulated`` for what
the official stream helper and our ``MessageAccumulator`` build from a stream."""

from __future__ import annotations

from typing import Any

from gpt52.streaming import MessageAccumulator
from gpt52_client.types import Unset


def get(obj: object, name: str) -> Any:
    """A member of one of our attrs models (``object_``, ``type_``), a pydantic model or a dict; None if absent."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        value = obj.get(name)
    else:
        value = getattr(obj, name, None)
        if value is None and hasattr(obj, name + "_"):
            value = getattr(obj, name + "_")
    return None if isinstance(value, Unset) else value


def tool_call_view(call: object, streamed: bool) -> tuple[Any, ...]:
    function = get(call, "function")
    custom = get(call, "custom")
    head = (get(call, "index"),) if streamed else ()
    return (
        *head,
        get(call, "id"),
        get(call, "type"),
        get(function, "name") or get(custom, "name"),
        get(function, "arguments") if function is not None else get(custom, "input"),
    )


def usage_view(usage: object) -> tuple[Any, ...] | None:
    if usage is None:
        return None
    return get(usage, "prompt_tokens"), get(usage, "completion_tokens"), get(usage, "total_tokens")


def answer_view(answer: object, streamed: bool) -> dict[str, Any]:
    choices = []
    for choice in get(answer, "choices") or []:
        message = get(choice, "delta" if streamed else "message")
        choices.append(
            {
                "index": get(choice, "index"),
                "finish_reason": get(choice, "finish_reason"),
                "content": get(message, "content"),
                "refusal": get(message, "refusal"),
                "role": get(message, "role"),
                "tool_calls": [tool_call_view(c, streamed) for c in get(message, "tool_calls") or []],
            }
        )
    return {
        "id": get(answer, "id"),
        "model": get(answer, "model"),
        "object": get(answer, "object"),
        "usage": usage_view(get(answer, "usage")),
        "choices": choices,
    }


def assembled(snapshot: Any) -> list[dict[str, Any]]:
    """What the official stream helper assembled, per choice, in our accumulator's terms."""
    out = []
    for choice in snapshot.choices:
        message = choice.message
        role = message.role
        out.append(
            {
                "content": message.content or "",
                "refusal": message.refusal,
                # the helper concatenates a role repeated in every delta ("assistantassistant"): a known
                # defect of the helper, not something to copy
                "role": role if role in (None, "assistant") else "<concatenated>",
                "finish_reason": choice.finish_reason or None,
                "tool_calls": [
                    (c.index, c.id or None, c.type, c.function.name, c.function.arguments)
                    for c in message.tool_calls or []
                ],
            }
        )
    return out


def accumulated(accumulator: MessageAccumulator, their_roles: list[str | None]) -> list[dict[str, Any]]:
    out = []
    for index, their_role in zip(accumulator.indexes, their_roles + [None] * len(accumulator.indexes), strict=False):
        role = accumulator.role(index)
        out.append(
            {
                "content": accumulator.content(index),
                "refusal": accumulator.refusal(index),
                "role": "<concatenated>" if their_role == "<concatenated>" else role,
                "finish_reason": accumulator.finish_reason(index),
                "tool_calls": [(c.index, c.id, c.type, c.name, c.arguments) for c in accumulator.tool_calls(index)],
            }
        )
    return out
