"""Open enums: the generated models type an enum as ``Literal[...] | str`` (``generated/templates/``).

Typing still shows the spec's values, an unknown value is kept as the plain string, ``strict=True`` refuses it and
names the member, and a request built from an unknown value is still refused before anything is sent.
"""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from gpt52.chat import build_request
from gpt52.decode import chunk_issues, decode_chunk, decode_completion
from gpt52.exceptions import APIResponseValidationError, RequestValidationError
from gpt52_client.models import ChoiceFinishReason, ServiceTier
from gpt52_client.models.choice_finish_reason import check_choice_finish_reason

from conformance import paths

from .conftest import chunk, completion_body

ROOT = paths.project_root()


def _body(**top: Any) -> dict[str, Any]:
    data = completion_body({"model": "openai/gpt-5-2", "messages": []})
    data.update(top)
    return data


def test_an_enum_alias_is_its_literal_or_any_string() -> None:
    literal, other = typing.get_args(ChoiceFinishReason)
    assert typing.get_origin(literal) is Literal and other is str
    assert set(typing.get_args(literal)) >= {"stop", "length", "tool_calls", "content_filter"}
    assert str in typing.get_args(ServiceTier)
    # the generated check still holds a value to the spec's list (strict decoding, request validation)
    assert check_choice_finish_reason("stop") == "stop"
    with pytest.raises(TypeError, match="end_turn"):
        check_choice_finish_reason("end_turn")


@pytest.mark.parametrize(
    ("member", "value", "path"),
    [
        ("object", "", "object"),
        ("finish_reason", "end_turn", "choices[0].finish_reason"),
    ],
)
def test_an_unknown_value_is_kept_and_strict_names_the_member(member: str, value: str, path: str) -> None:
    data = _body()
    if member == "finish_reason":
        data["choices"][0]["finish_reason"] = value
    else:
        data[member] = value
    completion = decode_completion(data)
    read = {
        "object": completion.object_,
        "finish_reason": completion.choices[0].finish_reason,
    }[member]
    assert read == value and type(read) is str
    with pytest.raises(APIResponseValidationError) as caught:
        decode_completion(data, strict=True)
    assert [issue.path for issue in caught.value.issues] == [path]
    assert path in str(caught.value) and repr(value) in str(caught.value)


def test_unknown_values_in_a_chunk_are_kept_and_strict_refuses_them() -> None:
    data = chunk({"role": "model", "content": "hi"}, "end_turn")
    data["service_tier"] = "on_demand"  # Groq's
    data["object"] = ""  # Azure's first chunk
    read = decode_chunk(data)
    assert (read.object_, read.choices[0].finish_reason, read.service_tier, read.choices[0].delta.role) == (
        "",
        "end_turn",
        "on_demand",
        "model",
    )
    with pytest.raises(APIResponseValidationError) as caught:
        decode_chunk(data, strict=True)
    # the error names every member that departs from the spec (``object`` alone made the generated model fail:
    # where the spec also allows null, the generated from_dict keeps an unknown value as sent)
    assert "(and 3 more)" in str(caught.value)
    assert (
        sorted(issue.path for issue in caught.value.issues)
        == sorted(i.path for i in chunk_issues(data))
        == [
            "choices[0].delta.role",
            "choices[0].finish_reason",
            "object",
            "service_tier",
        ]
    )


def test_a_request_with_an_unknown_enum_value_is_still_refused() -> None:
    with pytest.raises(RequestValidationError, match="hgih"):
        build_request("openai/gpt-5-2", [{"role": "user", "content": "x"}], False, {"reasoning_effort": "hgih"})


TYPED = """
from gpt52.decode import decode_chunk, decode_completion
from gpt52_client.models import ChatCompletionChunkObject, ChoiceFinishReason, ServiceTier


def on_finish(reason: ChoiceFinishReason, tier: ServiceTier, kind: ChatCompletionChunkObject) -> None:
    reveal_type(reason)
    reveal_type(tier)
    reveal_type(kind)


chunk = decode_chunk({})
on_finish(decode_completion({}).choices[0].finish_reason, "on_demand", chunk.object_)
wrong: ChoiceFinishReason = 52
"""


def test_mypy_sees_the_known_values_and_any_string(tmp_path: Path) -> None:
    """The aliases carry the spec's values for mypy (and editors); any string is accepted, a number is not.

    mypy simplifies ``Literal[...] | str`` to ``str`` where it reads an attribute (pyright keeps the union), so
    the check is made on the aliases the model fields are declared with (see the next test).
    """
    script = tmp_path / "typed.py"
    script.write_text(TYPED)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(paths.cache_dir() / "mypy-client"), str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    notes = [line.split("Revealed type is ", 1)[1] for line in result.stdout.splitlines() if "Revealed type" in line]
    assert len(notes) == 3, result.stdout + result.stderr
    finish, tier, chunk_object = notes
    assert "Literal['stop']" in finish and "Literal['tool_calls']" in finish and finish.endswith('| str"')
    assert "Literal['priority']" in tier and tier.endswith('| str"')
    assert "Literal['chat.completion.chunk']" in chunk_object and chunk_object.endswith('| str"')
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and 'expression has type "Literal[52]"' in errors[0], result.stdout
    assert "Literal['content_filter', 'function_call', 'length', 'stop', 'tool_calls'] | str" in errors[0]


def test_the_model_fields_are_declared_with_the_open_aliases() -> None:
    from gpt52_client.models import ChatCompletionChunk, Choice

    assert Choice.__annotations__["finish_reason"] == "ChoiceFinishReason"
    assert ChatCompletionChunk.__annotations__["service_tier"] == "None | ServiceTier | Unset"
