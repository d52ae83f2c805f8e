"""Server-sent events as the chat completions stream sends them (``data: {...}`` blocks, ``data: [DONE]``).

Lines end with ``\\n``, ``\\r\\n`` or ``\\r``; an event is the lines up to a blank line;
``data:`` lines of one event are joined with ``\\n``; ``event:`` names and ``:``
comments are kept apart from the data (https://html.spec.whatwg.org/#event-stream-interpretation).
"""

from __future__ import annotations

import re

import attrs

_LINE_END = re.compile(r"\r\n|\r|\n")


@attrs.frozen
class Event:
    data: str
    name: str | None = None


@attrs.frozen
class Stream:
    events: tuple[Event, ...]
    done: bool  # a data: [DONE] event was seen (events after it are ignored)
    comments: tuple[str, ...] = ()


def decode(raw: bytes) -> Stream:
    """Split an event stream body into its events."""
    text = raw.decode("utf-8", "replace")
    events: list[Event] = []
    comments: list[str] = []
    data: list[str] = []
    name: str | None = None
    done = False
    for line in [*_LINE_END.split(text), ""]:
        if line == "":
            payload = "\n".join(data)
            if payload:
                if payload.strip() == "[DONE]":
                    done = True
                    break
                events.append(Event(payload, name))
            data, name = [], None
            continue
        if line.startswith(":"):
            comments.append(line[1:].strip())
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value
    return Stream(tuple(events), done, tuple(comments))


def parse_sse(raw: bytes) -> tuple[list[str], bool]:
    """The ``data:`` payloads of an event stream, and whether it ended with ``[DONE]``."""
    stream = decode(raw)
    return [event.data for event in stream.events], stream.done
