"""Real answers: every successful recording in ../shared/real-traffic decodes, and our client reads from it
what the official ``openai`` package reads.

Both clients get the same bytes from a real loopback server (``replay.ReplayServer``): a JSON body, or the
recorded chunks written as an event stream. What is compared is what a caller reads: per choice the index,
content, refusal, role, tool calls (id, type, name, arguments) and finish reason; the usage; id, model,
object. They must agree wherever the official package understands the answer (it reads every recording here).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from gpt52.chat import Gpt52
from gpt52.decode import chunk_issues, completion_issues, decode_chunk, decode_completion
from gpt52.exceptions import APIResponseValidationError
from gpt52.streaming import MessageAccumulator
from gpt52.tls import default_context
from gpt52_client.types import Unset
from openai.lib.streaming.chat import ChatCompletionStreamState

from .replay import MISSING, RESPONSES, ReplayServer, recordings, successful
from .views import accumulated, answer_view, assembled

MODEL = "openai/gpt-5-2"
MESSAGES: list[Any] = [{"role": "user", "content": "Replay the recording."}]
pytestmark = pytest.mark.skipif(not RESPONSES.is_dir(), reason=MISSING)


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in records]


COMPLETIONS = successful("completion")
STREAMS = successful("stream")
#: streams the official stream helper raises on (RuntimeError: a list delta without ``index``)
HELPER_FAILS = {"openrouter__pydantic-ai__test_openrouter_web_search_annotations_stream"}


@pytest.fixture(scope="module")
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer()
    yield server
    server.close()


# -- every recording decodes ------------------------------------------------------------------------------------


def test_the_recordings_are_there() -> None:
    assert len(COMPLETIONS) >= 60 and len(STREAMS) >= 30, (len(COMPLETIONS), len(STREAMS))


@pytest.mark.parametrize("recording", COMPLETIONS + STREAMS, ids=_ids(COMPLETIONS + STREAMS))
def test_every_successful_answer_decodes_by_default(recording: dict[str, Any]) -> None:
    if recording["kind"] == "completion":
        completion = decode_completion(recording["body"])
        assert len(completion.choices) == len(recording["body"]["choices"])
    else:
        for data in recording["chunks"]:
            decode_chunk(data)


@pytest.mark.parametrize("recording", COMPLETIONS + STREAMS, ids=_ids(COMPLETIONS + STREAMS))
def test_strict_mode_fails_exactly_where_the_spec_model_does_and_names_the_member(recording: dict[str, Any]) -> None:
    payloads = [recording["body"]] if recording["kind"] == "completion" else recording["chunks"]
    strict, issues = (
        (decode_completion, completion_issues) if recording["kind"] == "completion" else (decode_chunk, chunk_issues)
    )
    for data in payloads:
        try:
            strict(data, strict=True)  # type: ignore[operator]
        except APIResponseValidationError as exc:
            assert exc.issues, str(exc)
            assert exc.issues[0].path in str(exc) and exc.issues == issues(data)  # type: ignore[operator]
            return


def test_what_strict_mode_refuses_in_real_answers() -> None:
    """The deviations that broke the client before lenient decoding, named by strict mode."""
    refused: dict[str, str] = {}
    for recording in COMPLETIONS + STREAMS:
        payloads = [recording["body"]] if recording["kind"] == "completion" else recording["chunks"]
        decode = decode_completion if recording["kind"] == "completion" else decode_chunk
        for data in payloads:
            try:
                decode(data, strict=True)
            except APIResponseValidationError as exc:
                refused[recording["name"]] = exc.issues[0].path
                break
    names = {name.split("__")[0] for name in refused}
    assert {"azure-openai", "snowflake", "xai", "perplexity"} <= names, refused
    assert refused.get("azure-openai__ai__azure-model-router.1-stream") == "object"
    assert refused.get("snowflake__pydantic-ai__test_snowflake_model_simple") == "choices[0].finish_reason"


def test_deviations_stay_visible_in_the_default_mode() -> None:
    by_name = {r["name"]: r for r in recordings()}
    azure = by_name.get("azure-openai__ai__azure-model-router.1-stream")
    if azure is not None:
        first = decode_chunk(azure["chunks"][0])
        assert first.object_ == "" and first.choices == [] and "prompt_filter_results" in first.additional_properties
    snowflake = by_name.get("snowflake__pydantic-ai__test_snowflake_model_simple")
    if snowflake is not None:
        assert decode_completion(snowflake["body"]).choices[0].finish_reason == ""
    xai = by_name.get("xai__ai__xai-text-stream")
    if xai is not None:
        assert isinstance(decode_chunk(xai["chunks"][1]).choices[0].finish_reason, Unset)
    routed = [r for r in COMPLETIONS if r["provider"] == "openrouter"]
    assert all("provider" in decode_completion(r["body"]).additional_properties for r in routed)


# -- differential: our client and the official package, same bytes over loopback ------------------------------


def _official(prefix: str) -> openai.OpenAI:
    """The official client as a user makes it, on the TLS context our clients share (building one per client
    costs 15 ms of CPU, a tenth of these tests' time; the answers it reads do not depend on it)."""
    return openai.OpenAI(
        api_key="sk-replay",
        base_url=prefix + "/v1",
        max_retries=0,
        http_client=openai.DefaultHttpxClient(verify=default_context()),
    )


@pytest.mark.parametrize("recording", COMPLETIONS, ids=_ids(COMPLETIONS))
def test_our_client_reads_each_completion_as_the_official_package_does(
    replay: ReplayServer, recording: dict[str, Any]
) -> None:
    prefix = replay.register(recording)
    with _official(prefix) as theirs:
        try:
            expected = answer_view(theirs.chat.completions.create(model=MODEL, messages=MESSAGES), streamed=False)
        except (openai.OpenAIError, ValueError, TypeError) as exc:  # pragma: no cover - none in the recordings
            pytest.skip(f"the official package does not read this answer either: {exc}")
    with Gpt52(api_key="sk-replay", base_url=prefix, max_retries=0) as ours:
        got = answer_view(ours.create(model=MODEL, messages=MESSAGES), streamed=False)
    assert got == expected


def _their_stream(prefix: str) -> tuple[list[dict[str, Any]], Any]:
    """The official package's chunks (as views) and its stream helper's snapshot (None if the helper failed)."""
    state: ChatCompletionStreamState[Any] | None = ChatCompletionStreamState()
    views = []
    with _official(prefix) as theirs:
        for chunk in theirs.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
            views.append(answer_view(chunk, streamed=True))
            if state is not None:
                try:
                    state.handle_chunk(chunk)
                except RuntimeError:
                    # the helper cannot merge list deltas without an ``index`` (OpenRouter's streamed
                    # ``annotations``): it does not understand this stream, so there is nothing to agree with
                    state = None
    return views, None if state is None else state.current_completion_snapshot


def _our_stream(prefix: str) -> tuple[list[dict[str, Any]], MessageAccumulator]:
    accumulator = MessageAccumulator()
    views = []
    with (
        Gpt52(api_key="sk-replay", base_url=prefix, max_retries=0) as ours,
        ours.create(model=MODEL, messages=MESSAGES, stream=True) as stream,
    ):
        for chunk in stream:
            views.append(answer_view(chunk, streamed=True))
            accumulator.add(chunk)
    return views, accumulator


@pytest.mark.parametrize("piece", [0, 61], ids=["event-writes", "61-byte-writes"])
@pytest.mark.parametrize("recording", STREAMS, ids=_ids(STREAMS))
def test_our_client_reads_each_stream_as_the_official_package_does(
    replay: ReplayServer, recording: dict[str, Any], piece: int
) -> None:
    prefix = replay.register(recording, piece)
    try:
        their_views, snapshot = _their_stream(prefix)
    except (openai.OpenAIError, ValueError, TypeError) as exc:  # pragma: no cover - none in the recordings
        pytest.skip(f"the official package does not read this stream either: {exc}")
    our_views, accumulator = _our_stream(prefix)
    assert our_views == their_views
    if snapshot is None:
        assert recording["name"] in HELPER_FAILS, "the official stream helper failed on this stream"
        assert accumulator.indexes == [0] and accumulator.content(0)
        return
    theirs = assembled(snapshot)
    assert accumulated(accumulator, [c["role"] for c in theirs]) == theirs


def test_the_streams_compared_include_tool_calls_and_several_providers() -> None:
    with_tools = [
        r
        for r in STREAMS
        if any((c.get("delta") or {}).get("tool_calls") for chunk in r["chunks"] for c in chunk.get("choices") or [])
    ]
    assert len(with_tools) >= 5 and len({r["provider"] for r in STREAMS}) >= 10
