"""``gpt52.sse``, the project's one event-stream decoder: round trips, chunking, line numbers, problems as values,
limits; and the client, the conformance suite and the doc-page checker reading one stream the same way."""

from __future__ import annotations

import json
from typing import Any

import attrs
import httpx
import pytest
from gpt52.exceptions import StreamDecodeError
from gpt52.sse import (
    ServerSentEvent,
    SSEComment,
    SSEDecoder,
    SSELimits,
    SSEProblem,
    decode_stream,
    encode_event,
    encode_stream,
)
from gpt52.streaming import Stream
from hypothesis import given
from hypothesis import strategies as st

from conformance.docs.stream import parse_events
from conformance.suite.checks import parse_sse

_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\0"), max_size=12)
_DATA = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=40)
_EVENTS = st.lists(
    st.builds(
        ServerSentEvent,
        data=_DATA,
        event=st.none() | _TEXT,
        id=st.none() | _TEXT,
        retry=st.none() | st.integers(0, 10**6),
    ),
    max_size=8,
)
_EOL = st.sampled_from(["\n", "\r\n", "\r"])


def _expected(events: list[ServerSentEvent]) -> list[ServerSentEvent]:
    """What a reader sees: ``id`` and ``retry`` carry over to later events that do not set them."""
    out: list[ServerSentEvent] = []
    last_id: str | None = None
    retry: int | None = None
    for event in events:
        last_id = event.id if event.id is not None else last_id
        retry = event.retry if event.retry is not None else retry
        out.append(attrs.evolve(event, id=last_id, retry=retry))
    return out


def _split(raw: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(raw)) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(raw)]:
        pieces.append(raw[start:point])
        start = point
    return pieces


def _read(pieces: list[bytes], **kwargs: Any) -> tuple[list[ServerSentEvent], SSEDecoder]:
    decoder = SSEDecoder(**kwargs)
    events: list[ServerSentEvent] = []
    for piece in pieces:
        events += decoder.feed(piece)
    return events + decoder.close(), decoder


@given(_EVENTS, _EOL, st.lists(st.integers(0, 2000), max_size=12))
def test_encode_then_decode_gives_the_events_back_however_the_bytes_are_split(
    events: list[ServerSentEvent], eol: str, cuts: list[int]
) -> None:
    text = encode_stream(events).replace("\n", eol)
    raw = text.encode("utf-8")
    whole, decoder = _read([raw])
    assert whole == _expected(events)
    assert decoder.problems == [] and decoder.problem_count == 0
    split, _ = _read(_split(raw, cuts))
    assert split == whole
    # line numbers: the line of each event's first data line, whatever the chunking
    assert [e.line for e in split] == [e.line for e in whole]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert all(lines[e.line - 1].startswith("data:") for e in whole)


@given(_EVENTS, st.lists(st.integers(0, 2000), max_size=12))
def test_comments_and_problems_do_not_depend_on_the_chunking(events: list[ServerSentEvent], cuts: list[int]) -> None:
    body = ": hello\n" + "".join(": keep-alive\nbogus line\n" + encode_event(e) for e in events) + "data: cut"
    raw = body.encode()
    whole_events, whole = _read([raw], keep_comments=True)
    split_events, split = _read(_split(raw, cuts), keep_comments=True)
    assert split_events == whole_events == _expected(events)
    assert split.comments == whole.comments and split.problems == whole.problems
    assert whole.comments[0] == SSEComment(1, "hello")
    assert [p.kind for p in whole.problems] == ["field"] * len(events) + ["partial-line"]


def test_problems_are_values_with_line_numbers() -> None:
    decoder = SSEDecoder()
    raw = b"data: 1\nretry: soon\nfoo: bar\n\ndata: \xff\xfe\n\ndata: 3"
    events = decoder.feed(raw) + decoder.close()
    assert [(e.data, e.line) for e in events] == [("1", 1), ("\ufffd\ufffd", 5)]
    assert decoder.problems == [
        SSEProblem(2, "retry", "retry must be a number of milliseconds, found 'soon'"),
        SSEProblem(3, "field", "expected an SSE field (data:, event:, id:, retry:), found 'foo: bar'"),
        SSEProblem(5, "utf-8", "bytes that are not UTF-8 (invalid start byte), read with U+FFFD"),
        SSEProblem(7, "partial-line", "the input ends in the middle of a line (dropped)"),
    ]
    assert str(decoder.problems[0]) == "line 2: retry must be a number of milliseconds, found 'soon'"


def test_an_event_without_its_empty_line_is_dispatched_and_noted() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"event: x\ndata: a\ndata: b\n") + decoder.close()
    assert events == [ServerSentEvent("a\nb", "x")]
    assert decoder.problems == [SSEProblem(2, "unterminated", "the last event is not followed by an empty line")]


def test_kept_problems_and_comments_are_bounded() -> None:
    decoder = SSEDecoder(keep_comments=True, max_kept=3)
    decoder.feed(b"x\n: c\n" * 100)
    assert len(decoder.problems) == len(decoder.comments) == 3 and decoder.problem_count == 100


def test_decode_stream_splits_at_done_and_turns_a_limit_into_a_problem() -> None:
    body = b'data: {"a":1}\n\n: ping\ndata: [DONE]\n\ndata: late\n\n'
    stream = decode_stream(body)
    assert [e.data for e in stream.events] == ['{"a":1}'] and stream.done and stream.after_done == 1
    assert stream.comments == (SSEComment(3, "ping"),)
    big = b"data: ok\n\n" + b"data: " + b"x" * 200 + b"\n\n"
    limited = decode_stream(big, SSELimits(max_line_bytes=100))
    assert [e.data for e in limited.events] == ["ok"] and not limited.done
    assert [(p.line, p.kind) for p in limited.problems] == [(3, "limit")]
    assert "limit of 100 bytes" in limited.problems[0].message


def test_the_client_decoder_raises_at_a_limit_naming_the_line() -> None:
    with pytest.raises(StreamDecodeError, match=r"line 2\)") as caught:
        SSEDecoder(SSELimits(max_event_bytes=10)).feed(b"data: 12345\ndata: 67890\n")
    assert caught.value.kind == "event"


@pytest.mark.parametrize(
    "event",
    [
        ServerSentEvent("a\rb"),
        ServerSentEvent("a", event="x\ny"),
        ServerSentEvent("a", id="1\0"),
        ServerSentEvent("a", retry=-1),
    ],
)
def test_what_a_stream_cannot_carry_is_refused_by_the_encoder(event: ServerSentEvent) -> None:
    with pytest.raises(ValueError, match="SSE"):
        encode_event(event)


_PAYLOADS = st.lists(
    st.dictionaries(st.sampled_from(["id", "object", "n"]), st.integers(0, 9) | _TEXT, max_size=3), max_size=6
)


@given(_PAYLOADS, st.booleans(), _EOL)
def test_the_client_the_suite_and_the_docs_read_one_stream_alike(
    payloads: list[dict[str, Any]], done: bool, eol: str
) -> None:
    body = "".join(encode_event(ServerSentEvent(json.dumps(p))) for p in payloads)
    body += encode_event(ServerSentEvent("[DONE]")) if done else ""
    raw = body.replace("\n", eol).encode()
    datas, suite_done = parse_sse(raw)
    assert [json.loads(d) for d in datas] == payloads and suite_done == done
    page = parse_events(body)
    assert [e.value for e in page.events if not e.done] == payloads and page.done == done
    response = httpx.Response(200, content=raw, request=httpx.Request("POST", "http://127.0.0.1/v1/chat/completions"))
    stream: Stream[dict[str, Any]] = Stream(response, lambda chunk: chunk)
    read: list[dict[str, Any]] = []
    try:
        read.extend(stream)
    except Exception as exc:  # a stream without [DONE] ends with StreamIncompleteError after its chunks
        assert not done, exc
    assert read == payloads
