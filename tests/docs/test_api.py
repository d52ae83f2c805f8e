"""The Python API other stages reuse: example_response() (the mock's documented mode) and check_page()."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.docs import example_response, example_responses
from conformance.errors import InputError

from .conftest import CATALOG, DATA, LLM, SEED


def test_seed_example_is_the_image_shaped_response() -> None:
    example = example_response(SEED)
    assert example == {
        "id": "gen-1733832000-example",
        "object": "image",
        "created": 1733832000,
        "model": "openai/gpt-5-2",
        "data": [
            {
                "url": "https://cdn.aimlapi.com/generated-images/openai/gpt-5-2/example-output.png",
                "revised_prompt": "Example output for documentation.",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def test_json5_with_comments_and_single_quotes() -> None:
    assert example_response(DATA / "clean.md") == {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1733832000,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": None}}],
        "usage": {"total_tokens": 12},
    }


def test_pick_the_example_of_an_operation(mirror: Path) -> None:
    page = CATALOG / LLM / "openai" / "gpt-5-5.md"
    assert [(line, path) for line, path, _ in example_responses(page)] == [
        (152, "/v1/chat/completions"),
        (270, "/v1/responses"),
    ]
    assert example_response(page)["object"] == "chat.completion"
    assert example_response(page, "/v1/responses")["object"] == "response"
    # a Python-literal example (None, single quotes) on an older page
    assert example_response(CATALOG / LLM / "OpenAI" / "gpt-4o.md")["choices"][0]["logprobs"] is None


def test_errors_say_what_and_where(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"expected an example response \(a ```json or ```json5 block\), found none"):
        example_response(DATA / "no_spec.md")
    with pytest.raises(
        InputError,
        match=r"example_unparsable.md:12: the example response is not JSON, JSON5 or a "
        r"Python literal: expected ',' or '}', found 'oops' \(column 31\)",
    ):
        example_response(DATA / "example_unparsable.md")
    listing = tmp_path / "list.md"
    listing.write_text("## Response\n\n```json\n[1, 2]\n```\n")
    with pytest.raises(InputError, match=r"list\.md:4: expected the example response to be a JSON object, found a"):
        example_response(listing)
    with pytest.raises(InputError, match="cannot read the page"):
        example_response(tmp_path / "missing.md")
    with pytest.raises(InputError, match="after a sample calling /v1/nothing"):
        example_response(DATA / "clean.md", "/v1/nothing")
