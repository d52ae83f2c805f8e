"""Server-sent events: an incremental, bounded decoder (WHATWG HTML, "server-sent events").

``SSEDecoder(limits)`` takes bytes as they arrive and returns complete events. Its memory is
bounded: a line longer than ``limits.max_line_bytes`` (default 8 MiB) or an event whose ``data``
passes ``limits.max_event_bytes`` (default 16 MiB) raises ``StreamDecodeError`` at once, instead
of buffering a hostile or broken stream without end. Pending bytes are kept as a list of pieces
and joined once per line, so the work is linear in the input however it is split.
"""

from __future__ import annotations

import attrs

from .exceptions import StreamDecodeError

__all__ = ["DEFAULT_SSE_LIMITS", "SSEDecoder", "SSELimits", "ServerSentEvent"]


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
    """One dispatched event."""

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


def _too_large(kind: str, size: int, limit: int) -> StreamDecodeError:
    what = "a line of the event stream" if kind == "line" else "the data of one event"
    return StreamDecodeError(
        f"{what} passed the limit of {limit} bytes ({size} bytes so far); "
        f"the stream was abandoned (raise SSELimits.max_{kind}_bytes if this answer "
        "is expected to be that large)",
        limit=limit,
        size=size,
        kind=kind,
    )


class SSEDecoder:
    """Incremental SSE parser: feed bytes as they arrive, get complete events back.

    Lines end at CRLF, LF or CR (even split across feeds); ``:`` lines are
    comments; one space after ``field:`` is dropped; ``data`` lines join with
    ``\\n``; an empty line dispatches. At the end of input, complete lines that
    were not followed by an empty line are still dispatched; a partial last line
    is not. ``StreamDecodeError`` when a line or an event passes ``limits``.
    """

    __slots__ = (
        "_data",
        "_data_size",
        "_event",
        "_id",
        "_max_event",
        "_max_line",
        "_pending",
        "_pending_size",
        "_retry",
        "_skip_lf",
    )

    def __init__(self, limits: SSELimits = DEFAULT_SSE_LIMITS) -> None:
        self._max_line = limits.max_line_bytes
        self._max_event = limits.max_event_bytes
        #: bytes of the current, unterminated line, as received (joined once the line ends)
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._skip_lf = False
        self._data: list[str] = []
        self._data_size = 0
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._skip_lf and chunk:
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
            self._skip_lf = False
        if not chunk:
            return []
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            self._pending.append(chunk)
            self._pending_size += len(chunk)
            if self._pending_size > self._max_line:
                raise _too_large("line", self._pending_size, self._max_line)
            return []
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
        events: list[ServerSentEvent] = []
        lines = complete.split(b"\n")
        lines.pop()  # after the last terminator
        for raw in lines:
            if len(raw) > self._max_line:
                raise _too_large("line", len(raw), self._max_line)
            self._line(raw, events)
        if self._pending_size > self._max_line:
            raise _too_large("line", self._pending_size, self._max_line)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of input: dispatch what complete lines left pending."""
        self._pending = []
        self._pending_size = 0
        events: list[ServerSentEvent] = []
        if self._data or self._event is not None:
            self._dispatch(events)
        return events

    def _add_data(self, text: str, size: int) -> None:
        self._data_size += size + (1 if self._data else 0)
        if self._data_size > self._max_event:
            raise _too_large("event", self._data_size, self._max_event)
        self._data.append(text)

    def _line(self, raw: bytes, events: list[ServerSentEvent]) -> None:
        if not raw:
            self._dispatch(events)
            return
        if raw[:5] == b"data:":  # the common case first
            value = raw[6:] if raw[5:6] == b" " else raw[5:]
            self._add_data(value.decode("utf-8", "replace"), len(value))
            return
        if raw[:1] == b":":
            return
        line = raw.decode("utf-8", "replace")
        name, colon, text = line.partition(":")
        if colon and text.startswith(" "):
            text = text[1:]
        if name == "data":
            self._add_data(text, len(text))
        elif name == "event":
            self._event = text
        elif name == "id":
            if "\0" not in text:
                self._id = text
        elif name == "retry" and text.isdigit():
            self._retry = int(text)

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        if self._data:
            data = self._data[0] if len(self._data) == 1 else "\n".join(self._data)
            events.append(ServerSentEvent(data, self._event, self._id, self._retry))
        self._data = []
        self._data_size = 0
        self._event = None
