"""``MessageAccumulator``: streamed deltas reassembled into messages, tool calls included.

    acc = MessageAccumulator()
    for chunk in client.create(model=..., messages=..., tools=[...], stream=True):
        acc.add(chunk)
    acc.content(0), acc.finish_reason(0)
    for call in acc.tool_calls(0):
        call.name, json.loads(call.arguments)

It builds what the official ``openai`` SDK's stream helper (``ChatCompletionStreamState``) builds
from the same chunks: per choice index, the content and refusal concatenated, the tool calls
keyed by their ``index`` with ``function.name`` and ``function.arguments`` concatenated across
deltas, the last ``finish_reason`` sent. Where that helper is known to go wrong it does not
follow it: a ``role`` repeated in every delta stays ``"assistant"`` (not ``"assistantassistant"``),
and a tool call ``id`` repeated in later deltas is kept once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from gpt52_client.models import ChatCompletionChunk
from gpt52_client.types import Unset

__all__ = ["AccumulatedToolCall", "MessageAccumulator"]


@attrs.frozen
class AccumulatedToolCall:
    """One tool call as assembled from a stream (``arguments`` is the JSON text as the model wrote it)."""

    index: int
    id: str | None
    type: str | None
    name: str
    arguments: str


@attrs.define
class _Call:
    index: int
    id: str | None = None
    type: str | None = None
    name: str = ""
    arguments: str = ""


@attrs.define
class _Message:
    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    finish_reason: str | None = None
    calls: dict[int, _Call] = attrs.Factory(dict)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _get(value: object, name: str) -> Any:
    """A member of a generated model, or of a raw dict (a member the lenient decoder kept as sent)."""
    if isinstance(value, Mapping):
        return value.get(name)
    found = getattr(value, name + "_" if name in _RENAMED else name, None)
    return None if isinstance(found, Unset) else found


#: JSON members the generated models hold under another name (a Python keyword or builtin)
_RENAMED = frozenset({"type", "object"})


class MessageAccumulator:
    """Reassemble streamed deltas into messages, one per choice index.

    ``add(chunk)`` for every chunk; then ``content(i)``, ``refusal(i)``, ``role(i)``,
    ``finish_reason(i)`` (the last non-empty value the stream sent), ``tool_calls(i)``,
    and ``usage`` (the last usage the stream reported).
    """

    def __init__(self) -> None:
        self._messages: dict[int, _Message] = {}
        self.usage: Any = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        usage = _get(chunk, "usage")
        if usage is not None:
            self.usage = usage
        choices = _get(chunk, "choices")
        for position, choice in enumerate(choices if isinstance(choices, list) else []):
            index = _get(choice, "index")
            if not isinstance(index, int) or isinstance(index, bool):
                index = position
            message = self._messages.get(index)
            if message is None:
                message = self._messages[index] = _Message()
            delta = _get(choice, "delta")
            if delta is not None:
                self._delta(message, delta)
            finish = _get(choice, "finish_reason")
            if isinstance(finish, str) and finish:
                message.finish_reason = finish

    @staticmethod
    def _delta(message: _Message, delta: object) -> None:
        content = _text(_get(delta, "content"))
        if content is not None:
            message.content = (message.content or "") + content
        refusal = _text(_get(delta, "refusal"))
        if refusal is not None:
            message.refusal = (message.refusal or "") + refusal
        role = _text(_get(delta, "role"))
        if role:
            message.role = role
        calls = _get(delta, "tool_calls")
        for position, piece in enumerate(calls if isinstance(calls, list) else []):
            index = _get(piece, "index")
            if not isinstance(index, int) or isinstance(index, bool):
                index = position
            call = message.calls.get(index)
            if call is None:
                call = message.calls[index] = _Call(index)
            call_id = _text(_get(piece, "id"))
            if call_id and not call.id:
                call.id = call_id
            kind = _text(_get(piece, "type"))
            if kind:
                call.type = kind
            function = _get(piece, "function")
            if function is not None:
                call.name += _text(_get(function, "name")) or ""
                call.arguments += _text(_get(function, "arguments")) or ""

    @property
    def indexes(self) -> list[int]:
        return sorted(self._messages)

    def content(self, index: int = 0) -> str:
        """The text of choice ``index`` (``""`` when it sent none)."""
        message = self._messages.get(index)
        return (message.content or "") if message else ""

    def refusal(self, index: int = 0) -> str | None:
        message = self._messages.get(index)
        return message.refusal if message else None

    def role(self, index: int = 0) -> str | None:
        message = self._messages.get(index)
        return message.role if message else None

    def finish_reason(self, index: int = 0) -> str | None:
        message = self._messages.get(index)
        return message.finish_reason if message else None

    def tool_calls(self, index: int = 0) -> list[AccumulatedToolCall]:
        """The tool calls of choice ``index``, in the order of their ``index``."""
        message = self._messages.get(index)
        if message is None:
            return []
        return [
            AccumulatedToolCall(c.index, c.id, c.type, c.name, c.arguments) for _, c in sorted(message.calls.items())
        ]
