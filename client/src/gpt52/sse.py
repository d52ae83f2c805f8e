"""Server-sent events: the one decoder of the project (WHATWG HTML, "server-sent events").

The client reads its streams with it, and so do the conformance suite, the traffic checker and the
doc-page checker (``import gpt52.sse`` needs nothing of the generated package).

* ``SSEDecoder(limits)`` takes bytes as they arrive and returns complete ``ServerSentEvent``\\ s
  (``data``, ``event``, ``id``, ``retry``, and ``line``: where the event's data starts).
  What departs from the event-stream grammar is kept as values, never raised: ``decoder.problems``
  holds ``SSEProblem(line, kind, message)`` (an unknown field, a ``retry`` that is not a number, the
  input ending in the middle of a line or of an event, bytes that are not UTF-8); ``keep_comments=True``
  keeps the ``:`` comments as ``SSEComment(line, text)``. Both lists are bounded (``max_kept``).
* Memory is bounded: a line longer than ``limits.max_line_bytes`` (default 8 MiB) or an event whose
  ``data`` passes ``limits.max_event_bytes`` (default 16 MiB) raises ``StreamDecodeError`` at once,
  instead of buffering a hostile or broken stream without end. Pending bytes are kept as a list of
  pieces and joined once per line, so the work is linear in the input however it is split.
* ``decode_stream(body)`` reads a whole body at once into an ``SSEStream``: the events up to the
  chat completions end marker ``data: [DONE]``, whether it came, the comments and the problems (a limit
  passed is one more problem, and the end of what was read). ``encode_event(event)`` writes an event back.

Lines end at CRLF, LF or CR (even split across feeds); one space after ``field:`` is dropped; ``data``
lines join with ``\\n``; an empty line dispatches the event when a ``data`` line came (even an empty
one), and drops it otherwise, as the standard says; ``id`` and ``retry`` carry over to later events.
At the end of input, an event whose lines were complete but not followed by an empty line is still
dispatched (a problem is noted); a partial last line is not.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .exceptions import StreamDecodeError

__all__ = [
    "DEFAULT_SSE_LIMITS",
    "DONE",
    "SSEComment",
    "SSEDecoder",
    "SSELimits",
    "SSEProblem",
    "SSEStream",
    "ServerSentEvent",
    "decode_stream",
    "encode_event",
    "encode_stream",
    "is_done",
]

#: the ``data`` of the chat completions stream's last event
DONE = "[DONE]"


@attrs.frozen
class SSELimits:
    """Size limits of the event-stream decoder, in bytes (a chunk of an answer is normally a few KB)."""

    #: one line (``data: {...}``); also how much is buffered while no line end has arrived
    max_line_bytes: int = attrs.field(default=8 * 1024 * 1024)
    #: the ``data`` of one event (all its ``data:`` lines together)
    max_event_bytes: int = attrs.field(default=16 * 1024 * 1024)

    def __attrs_post_init__(self) -> None:
        for name in ("max_line_bytes", "max_event_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"SSELimits.{name} must be a positive number of bytes, got {value!r}")


DEFAULT_SSE_LIMITS = SSELimits()


@attrs.frozen
class ServerSentEvent:
    """One dispatched event. ``line``: the 1-based line of its first ``data:`` line (not part of equality)."""

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    line: int = attrs.field(default=0, eq=False)


@attrs.frozen
class SSEComment:
    """A ``:`` line (a keep-alive, usually): its text without the colon and one leading space."""

    line: int
    text: str


@attrs.frozen
class SSEProblem:
    """Where the input departs from the event-stream grammar; the decoder read past it.

    ``kind``: ``field`` (a line that is no known field), ``retry`` (not a number), ``utf-8``,
    ``partial-line`` (the input ended in the middle of a line, which was dropped), ``unterminated``
    (the last event had no empty line after it; it was dispatched), ``limit`` (``decode_stream`` only:
    a line or an event passed ``SSELimits``; reading stopped there).
    """

    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _too_large(kind: str, size: int, limit: int, line: int) -> StreamDecodeError:
    what = "a line of the event stream" if kind == "line" else "the data of one event"
    return StreamDecodeError(
        f"{what} passed the limit of {limit} bytes ({size} bytes so far, line {line}); "
        f"the stream was abandoned (raise SSELimits.max_{kind}_bytes if this answer "
        "is expected to be that large)",
        limit=limit,
        size=size,
        kind=kind,
        line=line,
    )


class SSEDecoder:
    """Incremental SSE parser: feed bytes as they arrive, get complete events back (see the module)."""

    __slots__ = (
        "_data",
        "_data_size",
        "_event",
        "_id",
        "_keep_comments",
        "_max_event",
        "_max_kept",
        "_max_line",
        "_pending",
        "_pending_size",
        "_retry",
        "_skip_lf",
        "_start",
        "comments",
        "line",
        "problem_count",
        "problems",
    )

    def __init__(
        self, limits: SSELimits = DEFAULT_SSE_LIMITS, *, keep_comments: bool = False, max_kept: int = 1000
    ) -> None:
        self._max_line = limits.max_line_bytes
        self._max_event = limits.max_event_bytes
        self._keep_comments = keep_comments
        self._max_kept = max_kept
        #: bytes of the current, unterminated line, as received (joined once the line ends)
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._skip_lf = False
        self._data: list[str] = []
        self._data_size = 0
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None
        self._start = 0
        #: lines read so far (complete lines: the line being received is ``line + 1``)
        self.line = 0
        #: the first ``max_kept`` problems; ``problem_count`` counts them all
        self.problems: list[SSEProblem] = []
        self.problem_count = 0
        #: the first ``max_kept`` comments, when ``keep_comments``
        self.comments: list[SSEComment] = []

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events completed by ``chunk``; ``StreamDecodeError`` when a line or an event passes the limits."""
        events: list[ServerSentEvent] = []
        self._feed(chunk, events)
        return events

    def _feed(self, chunk: bytes, events: list[ServerSentEvent]) -> None:
        """``feed``, adding to ``events`` (which keeps what came before a limit was passed)."""
        if self._skip_lf and chunk:
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
            self._skip_lf = False
        if not chunk:
            return
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            self._pending.append(chunk)
            self._pending_size += len(chunk)
            if self._pending_size > self._max_line:
                raise _too_large("line", self._pending_size, self._max_line, self.line + 1)
            return
        if self._pending:
            self._pending.append(chunk[: end + 1])
            complete = b"".join(self._pending)
        else:
            complete = chunk[: end + 1]
        rest = chunk[end + 1 :]
        self._pending = [rest] if rest else []
        self._pending_size = len(rest)
        if b"\r" in complete:
            # a CR ending this feed may be the first half of a CRLF split across feeds
            self._skip_lf = complete.endswith(b"\r") and not rest
            complete = complete.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = complete.split(b"\n")
        lines.pop()  # after the last terminator
        for raw in lines:
            self.line += 1
            if len(raw) > self._max_line:
                raise _too_large("line", len(raw), self._max_line, self.line)
            self._line(raw, events)
        if self._pending_size > self._max_line:
            raise _too_large("line", self._pending_size, self._max_line, self.line + 1)

    def close(self) -> list[ServerSentEvent]:
        """End of input: dispatch what complete lines left pending; a partial last line is dropped."""
        if self._pending_size:
            self._problem(self.line + 1, "partial-line", "the input ends in the middle of a line (dropped)")
        self._pending = []
        self._pending_size = 0
        events: list[ServerSentEvent] = []
        if self._data:
            self._problem(self._start, "unterminated", "the last event is not followed by an empty line")
            self._dispatch(events)
        return events

    def _problem(self, line: int, kind: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < self._max_kept:
            self.problems.append(SSEProblem(line, kind, message))

    def _text(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._problem(self.line, "utf-8", f"bytes that are not UTF-8 ({exc.reason}), read with U+FFFD")
            return raw.decode("utf-8", "replace")

    def _add_data(self, text: str, size: int) -> None:
        if not self._data:
            self._start = self.line
        self._data_size += size + (1 if self._data else 0)
        if self._data_size > self._max_event:
            raise _too_large("event", self._data_size, self._max_event, self.line)
        self._data.append(text)

    def _line(self, raw: bytes, events: list[ServerSentEvent]) -> None:
        if not raw:
            self._dispatch(events)
            return
        if raw[:5] == b"data:":  # the common case first
            value = raw[6:] if raw[5:6] == b" " else raw[5:]
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                text = self._text(value)
            self._add_data(text, len(value))
            return
        if raw[:1] == b":":
            if self._keep_comments and len(self.comments) < self._max_kept:
                text = self._text(raw[1:])
                self.comments.append(SSEComment(self.line, text[1:] if text.startswith(" ") else text))
            return
        line = self._text(raw)
        name, colon, text = line.partition(":")
        if colon and text.startswith(" "):
            text = text[1:]
        if name == "data":
            self._add_data(text, len(text.encode("utf-8")))
        elif name == "event":
            self._event = text
        elif name == "id":
            if "\0" not in text:
                self._id = text
        elif name == "retry":
            if text.isascii() and text.isdigit():
                self._retry = int(text)
            else:
                self._problem(self.line, "retry", f"retry must be a number of milliseconds, found {text[:60]!r}")
        else:
            self._problem(
                self.line, "field", f"expected an SSE field (data:, event:, id:, retry:), found {line[:60]!r}"
            )

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        if self._data:
            data = self._data[0] if len(self._data) == 1 else "\n".join(self._data)
            events.append(ServerSentEvent(data, self._event, self._id, self._retry, self._start))
        self._data = []
        self._data_size = 0
        self._event = None


def is_done(event: ServerSentEvent) -> bool:
    """Is this the chat completions stream's end marker (``data: [DONE]``)?"""
    return event.data.strip() == DONE


@attrs.frozen
class SSEStream:
    """A whole event-stream body, read by ``decode_stream``."""

    #: the events before ``data: [DONE]`` (all of them when it never came)
    events: tuple[ServerSentEvent, ...]
    #: ``data: [DONE]`` came
    done: bool
    comments: tuple[SSEComment, ...] = ()
    problems: tuple[SSEProblem, ...] = ()
    #: events sent after ``data: [DONE]`` (ignored)
    after_done: int = 0


def decode_stream(body: bytes | str, limits: SSELimits = DEFAULT_SSE_LIMITS) -> SSEStream:
    """Read a whole event-stream body (see ``SSEStream``); never raises for what the body holds."""
    raw = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    decoder = SSEDecoder(limits, keep_comments=True)
    read: list[ServerSentEvent] = []
    try:
        decoder._feed(raw, read)  # the events before a line or an event that passes the limits are kept
        read += decoder.close()
    except StreamDecodeError as exc:
        decoder.problems.append(SSEProblem(exc.line, "limit", exc.message))
    events: list[ServerSentEvent] = []
    done = False
    after = 0
    for event in read:
        if done:
            after += 1
        elif is_done(event):
            done = True
        else:
            events.append(event)
    return SSEStream(tuple(events), done, tuple(decoder.comments), tuple(decoder.problems), after)


def encode_event(event: ServerSentEvent) -> str:
    """The event as a server writes it: its fields, then an empty line (decoding it gives ``event`` back).

    ``ValueError`` for what a stream cannot carry: a CR in ``data``, a line end in ``event`` or ``id``, a NUL
    in ``id``, a negative ``retry``.
    """
    lines: list[str] = []
    for name, value in (("event", event.event), ("id", event.id)):
        if value is not None:
            if "\r" in value or "\n" in value or (name == "id" and "\0" in value):
                raise ValueError(f"an SSE {name} cannot hold {value!r}")
            lines.append(f"{name}: {value}")
    if event.retry is not None:
        if event.retry < 0:
            raise ValueError(f"an SSE retry is a number of milliseconds, not {event.retry}")
        lines.append(f"retry: {event.retry}")
    if "\r" in event.data:
        raise ValueError("an SSE data cannot hold a CR (a line end); it would come back as LF")
    lines += [f"data: {part}" for part in event.data.split("\n")]
    return "\n".join(lines) + "\n\n"


def encode_stream(events: Iterable[ServerSentEvent]) -> str:
    """Events one after another (``encode_event`` each)."""
    return "".join(encode_event(event) for event in events)
