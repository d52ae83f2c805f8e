"""Streamed example responses: Server-Sent Events read chunk by chunk.

A page that documents ``stream: true`` shows the response as SSE lines::

    event: completion            (optional)
    data: {"id": "chatcmpl-1", "object": "chat.completion.chunk", ...}

    data: [DONE]

:func:`looks_like_sse` tells such a block from JSON; :func:`parse_events` reads it with
the project's one SSE decoder (``gpt52.sse``: ``data:`` lines of one event joined,
``event:``/``id:``/``retry:`` fields and ``:`` comments understood, ``[DONE]`` as the end
marker), after making the page's lenient layout a well-formed stream; :func:`stream_schema`
finds the operation's ``text/event-stream`` schema (the schema of one chunk).
The checker validates every chunk and merges identical violations with counts.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
from gpt52.sse import DONE, SSEDecoder, SSELimits, is_done

from conformance.codesamples.lenient_json import ExampleSyntaxError, loads
from conformance.oas import join_pointer

__all__ = ["Event", "StreamParse", "looks_like_sse", "parse_events", "stream_schema"]

STREAM_MEDIA = "text/event-stream"
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


def _as_stream(code: str) -> tuple[str, list[int]]:
    """The block as a well-formed event stream, and the block line of each of its lines.

    A page is not a server: its lines may be indented, a pretty-printed chunk runs over several lines
    (they continue the ``data``), and ``event:`` or ``data: [DONE]`` may follow a chunk without an empty
    line. Those are made into the stream a server would have sent; the SSE grammar itself (fields,
    ``data`` joining, comments, what is not a field) is left to the one decoder, ``gpt52.sse``.
    """
    out: list[str] = []
    where: list[int] = []
    pending = False  # a data line was read and no empty line followed yet

    def emit(text: str, number: int) -> None:
        out.append(text)
        where.append(number)

    for number, raw in enumerate(code.splitlines(), start=1):
        text = raw.strip()
        if not text:
            emit("", number)
            pending = False
            continue
        if text.startswith(":"):
            emit(text, number)
            continue
        match = _FIELD.match(text)
        if match is None:
            # a JSON chunk pretty-printed over several lines is part of the data; anything else is left
            # to the decoder, which reports it as a line that is no SSE field
            emit("data: " + raw if pending else text, number)
            continue
        field, value = match.group(1), match.group(2) or ""
        if pending and (field == "event" or (field == "data" and value.strip() == DONE)):
            emit("", number)  # the previous event ends here
            pending = False
        if field == "event":
            text = f"event: {value.strip()}"
        emit(text, number)
        pending = pending or field == "data"
    return "\n".join(out) + "\n", where


def parse_events(code: str) -> StreamParse:
    """Read an SSE block (lines are 1-based within the block)."""
    text, where = _as_stream(code)
    decoder = SSEDecoder(SSELimits(max_line_bytes=len(text) + 1, max_event_bytes=len(text) + 1))
    read = decoder.feed(text.encode("utf-8", "surrogateescape")) + decoder.close()

    def line_of(line: int) -> int:
        return where[line - 1] if 0 < line <= len(where) else line

    events: list[Event] = []
    done = False
    for event in read:
        start = line_of(event.line)
        name = event.event or None
        if is_done(event):
            done = True
            events.append(Event(start, event.data, name))
            continue
        try:
            events.append(Event(start, event.data, name, loads(event.data)))
        except ExampleSyntaxError as exc:
            events.append(Event(start, event.data, name, None, exc))
    problems = tuple((line_of(p.line), p.message) for p in decoder.problems if p.kind in ("field", "retry"))
    return StreamParse(tuple(events), done, problems)


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
