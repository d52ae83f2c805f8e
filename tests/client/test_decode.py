"""``gpt52.decode``: lenient by default, exact with ``strict=True``, the same result wherever the spec's
model reads the answer."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from gpt52.decode import completion_issues, decode_chunk, decode_completion
from gpt52.exceptions import APIResponseValidationError
from gpt52_client.models.chat_completion_message_function_tool_call import ChatCompletionMessageFunctionToolCall
from gpt52_client.types import Unset
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import chunk, completion_body


def body(**choice: Any) -> dict[str, Any]:
    data = completion_body({"model": "openai/gpt-5-2", "messages": []})
    data["choices"][0].update(choice)
    return data


def test_an_unknown_enum_value_is_kept_as_sent_and_named_when_strict() -> None:
    data = body(finish_reason="end_turn")
    data["object"] = "chat.completion.done"
    completion = decode_completion(data)
    assert (completion.choices[0].finish_reason, completion.object_) == ("end_turn", "chat.completion.done")
    with pytest.raises(APIResponseValidationError) as caught:
        decode_completion(data, strict=True)
    assert [issue.path for issue in caught.value.issues] == ["object", "choices[0].finish_reason"]
    assert "object: expected one of 'chat.completion', found 'chat.completion.done' (and 1 more)" in str(caught.value)


def test_missing_and_null_members_stay_visible() -> None:
    data = body()
    del data["choices"][0]["finish_reason"]
    data["choices"][0]["message"]["content"] = None
    data["usage"] = None
    del data["choices"][0]["message"]["role"]
    data["choices"][0]["message"]["annotations"] = None  # optional and nullable
    data["choices"][0]["message"]["audio"] = None
    completion = decode_completion(data)
    choice = completion.choices[0]
    assert isinstance(choice.finish_reason, Unset) and isinstance(choice.message.role, Unset)
    assert choice.message.content is None and completion.usage is None
    paths = [issue.path for issue in completion_issues(data)]
    assert paths == ["choices[0].message.role", "choices[0].finish_reason", "usage"]


def test_a_choice_without_message_is_read() -> None:
    data = body()
    del data["choices"][0]["message"]
    assert isinstance(decode_completion(data).choices[0].message, Unset)


def test_unknown_members_stay_available_at_every_level() -> None:
    data = body(native_finish_reason="STOP")
    data["provider"] = "Example"
    data["choices"][0]["message"]["reasoning_content"] = "thinking"
    data["usage"]["cost"] = 0.01
    completion = decode_completion(data)
    assert completion["provider"] == "Example" and completion.usage["cost"] == 0.01
    assert completion.choices[0]["native_finish_reason"] == "STOP"
    assert completion.choices[0].message["reasoning_content"] == "thinking"


def test_a_tool_call_without_type_is_read_as_the_function_call_it_is() -> None:
    call = {"id": "FI5qQGzDE", "function": {"name": "get_image", "arguments": "{}"}, "index": 0}
    data = body(message={"role": "assistant", "content": "", "tool_calls": [call]}, finish_reason="tool_calls")
    read = decode_completion(data).choices[0].message.tool_calls
    assert isinstance(read, list) and isinstance(read[0], ChatCompletionMessageFunctionToolCall)
    assert (read[0].id, read[0].function.name, read[0]["index"]) == ("FI5qQGzDE", "get_image", 0)
    assert isinstance(read[0].type_, Unset)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"id": "x"}, "choices"),
        ({"choices": None}, "choices"),
        ({"choices": [{}, "text"]}, "choices[1]"),
        ({"choices": "text"}, "choices"),
    ],
)
def test_what_cannot_be_read_at_all_raises_even_in_the_default_mode(data: dict[str, Any], where: str) -> None:
    # a chunk without choices is read as having none (below); everything else fails for both
    decoders = (decode_completion,) if data.get("choices") is None else (decode_completion, decode_chunk)
    for decode in decoders:
        with pytest.raises(APIResponseValidationError) as caught:
            decode(data)
        assert caught.value.issues[0].path == where


@pytest.mark.parametrize("data", [{"id": "x", "usage": {"prompt_tokens": 1}}, {"choices": None}])
def test_a_chunk_without_choices_is_read_as_having_none(data: dict[str, Any]) -> None:
    assert decode_chunk(data).choices == []
    with pytest.raises(APIResponseValidationError) as caught:
        decode_chunk(data, strict=True)
    assert "choices" in [issue.path for issue in caught.value.issues]


@pytest.mark.parametrize("data", [[], "text", None, 3])
def test_a_non_object_answer_raises(data: Any) -> None:
    for strict in (False, True):
        with pytest.raises(APIResponseValidationError, match="not a JSON object"):
            decode_completion(data, strict=strict)


def test_decoding_never_modifies_its_input() -> None:
    data = chunk({"role": None, "content": "x"}, None)
    data["service_tier"] = None
    before = copy.deepcopy(data)
    decode_chunk(data)
    decode_chunk(data, strict=True)
    assert data == before


# -- where the spec's model reads an answer, both modes read the same thing --------------------------------------

TEXT = st.text(max_size=10)
USAGE = st.fixed_dictionaries(
    {"prompt_tokens": st.integers(0, 99), "completion_tokens": st.integers(0, 99), "total_tokens": st.integers(0, 200)},
    optional={
        "completion_tokens_details": st.none()
        | st.fixed_dictionaries({}, optional={"reasoning_tokens": st.integers(0, 9)})
    },
)
MESSAGE = st.fixed_dictionaries(
    {"role": st.just("assistant"), "content": st.none() | TEXT},
    optional={
        "refusal": st.none() | TEXT,
        "annotations": st.just([]),
        "tool_calls": st.lists(
            st.fixed_dictionaries(
                {
                    "id": TEXT,
                    "type": st.just("function"),
                    "function": st.fixed_dictionaries({"name": TEXT, "arguments": TEXT}),
                }
            ),
            max_size=2,
        ),
    },
)
CHOICE = st.fixed_dictionaries(
    {"message": MESSAGE, "finish_reason": st.sampled_from(["stop", "length", "tool_calls", "content_filter"])},
    optional={"logprobs": st.none()},
)
COMPLETION = st.fixed_dictionaries(
    {
        "id": TEXT,
        "object": st.just("chat.completion"),
        "created": st.integers(0, 2**31),
        "model": TEXT,
        "choices": st.lists(CHOICE, max_size=3),
        "usage": USAGE,
    },
    optional={"system_fingerprint": st.none() | TEXT, "extra": st.integers()},
)


@settings(max_examples=100, deadline=None)
@given(data=COMPLETION)
def test_lenient_and_strict_agree_on_answers_the_spec_accepts(data: dict[str, Any]) -> None:
    for position, choice in enumerate(data["choices"]):
        choice["index"] = position
    lenient, strict = decode_completion(data), decode_completion(data, strict=True)
    assert lenient == strict
    assert json.dumps(lenient.to_dict(), sort_keys=True) == json.dumps(data, sort_keys=True)
    assert completion_issues(data) == []


# -- requests: any model id -------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["openai/gpt-5-2-pro", "openai/gpt-5-2-chat-latest", "vendor/any-model"])
def test_a_model_the_spec_does_not_list_is_sent_as_given(make_api: Any, loopback: Any, model: str) -> None:
    completion = make_api(loopback.base_url).create(model=model)
    assert loopback.requests[-1]["body"]["model"] == model and completion.model == model


def test_a_calls_strict_overrides_the_clients(make_api: Any, loopback: Any) -> None:
    bad = chunk({"content": "x"}, "stop")
    del bad["object"]
    canned = {"extra_headers": {"X-Mock-Mode": "canned"}, "x_loopback_chunks": [bad]}
    with pytest.raises(
        APIResponseValidationError,
        match=r"object: expected one of 'chat.completion.chunk', found "
        r"nothing",
    ):
        make_api(loopback.base_url).stream(strict=True, **canned)
    read = make_api(loopback.base_url, strict=True).stream(strict=False, **canned)
    assert isinstance(read[0].object_, Unset) and read[0].choices[0].delta.content == "x"
    assert make_api(loopback.base_url, strict=True).create().choices[0].finish_reason == "stop"
