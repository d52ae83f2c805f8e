"""Streamed example responses: Server-Sent Events read chunk by chunk.

A page that documents ``stream: true`` shows the response as SSE lines::

    event: completion            (optional)
    data: {"id": "chatcmpl-1", "object": "chat.completion.chunk", ...}

    data: [DONE]

:func:`looks_like_sse` tells such a block from JSON; :func:`parse_events` reads it
(``data:`` lines of one event joined, ``event:``/``id:``/``retry:`` fields and
``:`` comments understood, ``[DONE]`` as the end marker); :func:`stream_schema`
finds the operation's ``text/event-stream`` schema (the schema of one chunk).
The checker validates every chunk and merges identical violations with counts.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from conformance.codesamples.lenient_json import ExampleSyntaxError, loads
from conformance.schema import join_pointer

__all__ = ["Event", "StreamParse", "looks_like_sse", "parse_events", "stream_schema"]

STREAM_MEDIA = "text/event-stream"
DONE = "[DONE]"
_FIELD = re.compile(r"^(data|event|id|retry)(?::\s?(.*))?$")


@attrs.frozen
class Event:
    """One event: its ``event:`` name (if any), the data text, and the block line where its data starts."""

    line: int
    data: str
    name: str | None = None
    value: Any = None
    error: ExampleSyntaxError | None = None

    @property
    def done(self) -> bool:
        return self.data.strip() == DONE


@attrs.frozen
class StreamParse:
    events: tuple[Event, ...]
    done: bool  # a ``data: [DONE]`` marker was seen
    problems: tuple[tuple[int, str], ...] = ()  # (line, what) for lines that are not SSE


def looks_like_sse(code: str) -> bool:
    """Does the block read as an event stream (its first non-blank, non-comment line is an SSE field)?"""
    for line in code.splitlines():
        text = line.strip()
        if not text or text.startswith(":"):
            continue
        return _FIELD.match(text) is not None and text.split(":", 1)[0] in ("data", "event")
    return False


def parse_events(code: str) -> StreamParse:
    """Read an SSE block (lines are 1-based within the block)."""
    events: list[Event] = []
    problems: list[tuple[int, str]] = []
    data: list[str] = []
    start = 0
    name: str | None = None
    done = False

    def flush() -> None:
        nonlocal data, name, start, done
        if data:
            text = "\n".join(data)
            if text.strip() == DONE:
                done = True
                events.append(Event(start, text, name))
            else:
                try:
                    events.append(Event(start, text, name, loads(text)))
                except ExampleSyntaxError as exc:
                    events.append(Event(start, text, name, None, exc))
        data, name, start = [], None, 0

    for number, raw in enumerate(code.splitlines(), start=1):
        text = raw.strip()
        if not text:
            flush()
            continue
        if text.startswith(":"):
            continue  # a comment (keep-alive)
        match = _FIELD.match(text)
        if match is None:
            if data:  # a JSON chunk pretty-printed over several lines: part of the data
                data.append(raw)
                continue
            problems.append((number, f"expected an SSE field (data:, event:, id:, retry:), found {text[:60]!r}"))
            continue
        field, value = match.group(1), match.group(2) or ""
        if field == "data":
            if data and value.strip() == DONE:
                flush()
            if not data:
                start = number
            data.append(value)
        elif field == "event":
            if data:
                flush()
            name = value.strip() or None
    flush()
    return StreamParse(tuple(events), done, tuple(problems))


def stream_schema(op: Any) -> tuple[str, str, Any] | None:
    """(status, pointer, chunk schema) of the operation's 2xx ``text/event-stream`` response, if any."""
    spec = op.spec
    responses = op.node.get("responses")
    if not isinstance(responses, dict):
        return None
    by_status = {str(key): value for key, value in responses.items()}
    for status in ["200", *sorted(s for s in by_status if s != "200" and s[:1] == "2")]:
        response = spec.follow(by_status.get(status))
        content = response.get("content") if isinstance(response, dict) else None
        if not isinstance(content, dict):
            continue
        for media, entry in content.items():
            if media.split(";", 1)[0].strip().lower() == STREAM_MEDIA and isinstance(entry, dict) and "schema" in entry:
                return (
                    status,
                    join_pointer("paths", op.path, op.method, "responses", status, "content", media, "schema"),
                    entry["schema"],
                )
    return None
