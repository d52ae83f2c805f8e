"""``MessageAccumulator`` builds what the official SDK's stream helper (``ChatCompletionStreamState``) builds.

Hypothesis writes chunk sequences the way servers stream them: several choices, several tool calls per
choice, names and arguments cut anywhere across deltas, several fragments of one call in one chunk, a
tool call id only in the first fragment (or repeated empty, as DashScope does), content and refusal text,
a usage chunk with ``choices: []`` at the end. Both accumulators get the same chunks (ours decoded by
``decode_chunk``, theirs by the official models) and must agree choice by choice.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from gpt52.decode import decode_chunk
from gpt52.streaming import AccumulatedToolCall, MessageAccumulator
from hypothesis import given, settings
from hypothesis import strategies as st
from openai._models import construct_type
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk as TheirChunk

from .views import accumulated, assembled

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
NAME = st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True)
ARGUMENTS = st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.integers() | TEXT, max_size=3).map(
    json.dumps
)


def _cuts(draw: Any, text: str, parts: int) -> list[str]:
    """``text`` cut into ``parts`` pieces (some may be empty)."""
    points = sorted(draw(st.lists(st.integers(0, len(text)), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def tool_call_fragments(draw: Any, index: int) -> list[dict[str, Any]]:
    """The deltas of one tool call: the first carries id, type and the start of the name."""
    name, arguments = draw(NAME), draw(ARGUMENTS)
    parts = draw(st.integers(1, 5))
    names, args = _cuts(draw, name, parts), _cuts(draw, arguments, parts)
    empty_ids = draw(st.booleans())
    fragments = []
    for position in range(parts):
        fragment: dict[str, Any] = {"index": index, "function": {"arguments": args[position]}}
        if position == 0:
            fragment.update(
                id=f"call_{index}_{draw(st.from_regex(r'[A-Za-z0-9]{4}', fullmatch=True))}", type="function"
            )
        elif empty_ids:
            fragment.update(id="", type="function")
        if position == 0 or names[position]:
            fragment["function"]["name"] = names[position]
        fragments.append(fragment)
    return fragments


@st.composite
def choice_deltas(draw: Any) -> list[dict[str, Any]]:
    """The deltas of one choice, in order (without finish_reason)."""
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": draw(st.just("") | st.none())}]
    for piece in draw(st.lists(TEXT, max_size=4)):
        deltas.append({"content": piece})
    if draw(st.integers(0, 9)) == 0:
        deltas.append({"refusal": draw(TEXT)})
    calls = draw(st.integers(0, 3))
    fragments: list[list[dict[str, Any]]] = [draw(tool_call_fragments(i)) for i in range(calls)]
    flat = [f for call in fragments for f in call]
    while flat:
        take = draw(st.integers(1, min(3, len(flat))))  # several fragments may share one chunk
        deltas.append({"tool_calls": flat[:take]})
        flat = flat[take:]
    return deltas


def _chunk(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-prop",
        "object": "chat.completion.chunk",
        "created": 1733832000,
        "model": "openai/gpt-5-2",
        "choices": choices,
        "usage": usage,
    }


@st.composite
def streams(draw: Any) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 3))
    per_choice = [draw(choice_deltas()) for _ in range(count)]
    finishes = [
        draw(st.sampled_from(["stop", "length", "tool_calls", "content_filter", "end_turn"])) for _ in range(count)
    ]
    # the first chunk opens every choice in index order (as servers do, and as the official helper needs)
    chunks = [
        _chunk([{"index": i, "delta": per_choice[i][0], "logprobs": None, "finish_reason": None} for i in range(count)])
    ]
    queues = [list(d[1:]) for d in per_choice]
    while any(queues):
        ready = [i for i in range(count) if queues[i]]
        picked = draw(st.lists(st.sampled_from(ready), min_size=1, max_size=len(ready), unique=True))
        chunks.append(
            _chunk([{"index": i, "delta": queues[i].pop(0), "logprobs": None, "finish_reason": None} for i in picked])
        )
    chunks.append(
        _chunk([{"index": i, "delta": {}, "logprobs": None, "finish_reason": finishes[i]} for i in range(count)])
    )
    if draw(st.booleans()):
        chunks.append(_chunk([], {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}))
    return chunks


@settings(max_examples=80, deadline=None)
@given(chunks=streams())
def test_the_accumulator_builds_what_the_official_stream_helper_builds(chunks: list[dict[str, Any]]) -> None:
    ours = MessageAccumulator()
    state = ChatCompletionStreamState()
    for data in chunks:
        ours.add(decode_chunk(data))
        # what the official client does with each event: a lenient construction, no validation
        state.handle_chunk(construct_type(type_=TheirChunk, value=data))
    theirs = assembled(state.current_completion_snapshot)
    assert accumulated(ours, [c["role"] for c in theirs]) == theirs
    assert len(ours.indexes) == len(chunks[0]["choices"])


def test_tool_calls_are_assembled_across_deltas_and_choices() -> None:
    def call(index: int, **fields: Any) -> dict[str, Any]:
        return {"index": index, **fields}

    chunks = [
        _chunk(
            [
                {"index": 0, "delta": {"role": "assistant", "content": None}, "finish_reason": None},
                {"index": 1, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None},
            ]
        ),
        _chunk(
            [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            call(0, id="call_a", type="function", function={"name": "get_wea", "arguments": ""}),
                            call(0, function={"name": "ther", "arguments": '{"city": '}),
                        ]
                    },
                    "finish_reason": None,
                }
            ]
        ),
        _chunk(
            [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            call(0, id="", function={"arguments": '"Paris"}'}),
                            call(1, id="call_b", type="function", function={"name": "get_time", "arguments": "{}"}),
                        ]
                    },
                    "finish_reason": None,
                }
            ]
        ),
        _chunk(
            [
                {"index": 0, "delta": {}, "finish_reason": "tool_calls"},
                {"index": 1, "delta": {"content": " there"}, "finish_reason": "stop"},
            ]
        ),
        _chunk([], {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}),
    ]
    accumulator = MessageAccumulator()
    for data in chunks:
        accumulator.add(decode_chunk(data))
    assert accumulator.tool_calls(0) == [
        AccumulatedToolCall(0, "call_a", "function", "get_weather", '{"city": "Paris"}'),
        AccumulatedToolCall(1, "call_b", "function", "get_time", "{}"),
    ]
    assert accumulator.tool_calls(1) == [] and accumulator.content(1) == "Hi there"
    assert (accumulator.finish_reason(0), accumulator.finish_reason(1)) == ("tool_calls", "stop")
    assert accumulator.usage.total_tokens == 8


def test_a_role_repeated_in_every_delta_stays_one_role() -> None:
    accumulator = MessageAccumulator()
    for piece in ("a", "b"):
        accumulator.add(
            decode_chunk(
                _chunk([{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}])
            )
        )
    assert (accumulator.role(), accumulator.content()) == ("assistant", "ab")
