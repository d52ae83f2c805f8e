"""Streams over the loopback server: errors inside a stream, stopping early, what follows [DONE], chunk sequences.

Sync and async run the same tests (``kind``). The property test streams hypothesis-generated chunk sequences
(written in random-sized pieces with LF, CRLF or CR line ends; byte-by-byte splits are covered by the SSE
parser's own property test) and checks the reassembled message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from gpt52.exceptions import APIResponseValidationError, APIStreamError
from gpt52.streaming import MessageAccumulator
from gpt52_client.types import Unset
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import REQUEST_ID, Api, LoopbackServer, chunk

MakeApi = Callable[..., Api]


@pytest.mark.parametrize("mode", ["error-event", "error-data"])
def test_an_error_inside_a_stream_raises_a_typed_error(make_api: MakeApi, loopback: LoopbackServer, mode: str) -> None:
    api = make_api(loopback.base_url)
    with pytest.raises(APIStreamError) as caught:
        api.stream(extra_headers={"X-Mock-Mode": mode})
    error = caught.value
    assert (error.message, error.type, error.code) == (
        "The upstream model failed mid-answer.",
        "server_error",
        "upstream_error",
    )
    assert error.request_id == REQUEST_ID
    assert "error in the middle of the stream" in str(error)
    assert api.attempts == [mode]


def test_an_error_body_instead_of_a_stream_raises_a_typed_error(make_api: MakeApi, loopback: LoopbackServer) -> None:
    api = make_api(loopback.base_url)
    with pytest.raises(APIStreamError) as caught:
        api.stream(extra_headers={"X-Mock-Mode": "json-error"})
    assert (caught.value.message, caught.value.code) == ("The model is overloaded.", "overloaded")
    assert api.attempts == ["json-error"]


def test_stopping_early_closes_the_connection(make_api: MakeApi, loopback: LoopbackServer) -> None:
    api = make_api(loopback.base_url)
    before = loopback.disconnects
    chunks, response = api.stream_first(3, extra_headers={"X-Mock-Mode": "slow-stream"})
    assert len(chunks) == 3
    assert response.is_closed
    deadline = time.monotonic() + 10
    while loopback.disconnects == before and time.monotonic() < deadline:
        time.sleep(0.01)  # the server notices at its next write (every 2 ms)
    assert loopback.disconnects == before + 1


def test_close_is_idempotent_and_ends_iteration(loopback: LoopbackServer) -> None:
    from gpt52.chat import Gpt52

    with Gpt52(api_key="sk-test", base_url=loopback.base_url) as client:
        stream = client.create(
            model="openai/gpt-5-2",
            messages=[{"role": "user", "content": "x"}],
            stream=True,
            extra_headers={"X-Mock-Mode": "slow-stream"},
        )
        first = next(stream)
        assert first.choices[0].delta is not None
        stream.close()
        stream.close()
        assert stream.response.is_closed
        assert list(stream) == []


def test_what_follows_done_is_ignored(make_api: MakeApi, loopback: LoopbackServer) -> None:
    api = make_api(loopback.base_url)
    chunks = api.stream(extra_headers={"X-Mock-Mode": "after-done"})
    accumulator = MessageAccumulator()
    for c in chunks:
        accumulator.add(c)
    assert "IGNORED" not in accumulator.content()
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_a_chunk_without_id_is_read_by_default_and_named_when_strict(
    make_api: MakeApi, loopback: LoopbackServer
) -> None:
    bad = chunk({"content": "x"}, None)
    del bad["id"]
    canned = {"extra_headers": {"X-Mock-Mode": "canned"}, "x_loopback_chunks": [chunk({"content": "a"}, None), bad]}
    lenient = make_api(loopback.base_url).stream(**canned)
    assert [c.choices[0].delta.content for c in lenient] == ["a", "x"]
    assert isinstance(lenient[1].id, Unset)
    with pytest.raises(APIResponseValidationError) as caught:
        make_api(loopback.base_url, strict=True).stream(**canned)
    assert (
        "chunk 2 of the stream: the answer does not match ChatCompletionChunk: id: expected a string, "
        "found nothing" in str(caught.value)
    )
    assert caught.value.request is not None and caught.value.issues[0].path == "id"


# -- property: any chunk sequence reassembles ------------------------------------------------------------

FINISH = st.sampled_from(["stop", "length", "tool_calls", "content_filter"])
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["data: [DONE]", "\n\n", "\r\n", "event: error", ": comment", "[DONE]", "😀 ünï", ""]
)
DELTA = st.fixed_dictionaries({}, optional={"content": st.none() | TEXT, "refusal": st.none()})


@st.composite
def chunk_sequences(draw: Any) -> list[dict[str, Any]]:
    deltas = draw(st.lists(DELTA, min_size=0, max_size=25))
    first = draw(st.booleans())
    chunks = [chunk({"role": "assistant", "content": ""}, None)] if first else []
    chunks += [chunk(delta, None) for delta in deltas]
    chunks.append(chunk(draw(DELTA), draw(FINISH)))
    return chunks


@pytest.fixture(scope="module")
def apis(loopback: LoopbackServer) -> Iterator[dict[str, Api]]:
    """One sync and one async client for every example of the property test."""
    made = {kind: Api(kind, loopback.base_url) for kind in ("sync", "async")}
    yield made
    for api in made.values():
        api.close()


@pytest.mark.parametrize("kind_", ["sync", "async"])
@settings(max_examples=60, deadline=None)
@given(chunks=chunk_sequences(), split=st.integers(16, 512) | st.just(0), eol=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_chunk_sequence_reassembles_into_the_concatenated_deltas(
    apis: dict[str, Api], kind_: str, chunks: list[dict[str, Any]], split: int, eol: str
) -> None:
    received = apis[kind_].stream(
        extra_headers={"X-Mock-Mode": "canned"}, x_loopback_chunks=chunks, x_loopback_split=split, x_loopback_eol=eol
    )
    accumulator = MessageAccumulator()
    for c in received:
        accumulator.add(c)
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert len(received) == len(chunks)
    assert accumulator.content() == "".join(d["content"] for d in deltas if isinstance(d.get("content"), str))
    assert accumulator.finish_reason() == chunks[-1]["choices"][0]["finish_reason"]
    assert [c.choices[0].finish_reason for c in received[:-1]] == [None] * (len(chunks) - 1)
