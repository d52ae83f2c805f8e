"""The generated client (``gpt52_client``, build output of `conformance generate`) against the real mock."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from conformance.mock.auth import DEFAULT_API_KEY
from conformance.mock.server import MockServer

from .helpers import MODEL
from .test_conformant import WEATHER


def _client_module(name: str) -> Any:
    """A module of the generated client, which `make setup` builds: a client that does not import fails."""
    return importlib.import_module(name)


def test_generated_api_function_parses_the_mock(default_server: MockServer) -> None:
    client_mod = _client_module("gpt52_client")
    api = _client_module("gpt52_client.api.chat.create_chat_completion")
    request_mod = _client_module("gpt52_client.models.create_chat_completion_request")
    request = request_mod.CreateChatCompletionRequest.from_dict(
        {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}], "n": 2}
    )
    client = client_mod.AuthenticatedClient(base_url=default_server.base_url, token=DEFAULT_API_KEY)
    with client:
        response = api.sync_detailed(client=client, body=request)
    assert response.status_code == 200
    parsed = response.parsed
    assert type(parsed).__name__ == "ChatCompletion"
    assert str(getattr(parsed.object_, "value", parsed.object_)) == "chat.completion"
    assert parsed.id.startswith("chatcmpl-") and parsed.model == MODEL
    assert [choice.index for choice in parsed.choices] == [0, 1]
    assert parsed.usage.total_tokens == parsed.usage.prompt_tokens + parsed.usage.completion_tokens


def test_client_facade_calls_streams_and_tool_calls(default_server: MockServer) -> None:
    chat = _client_module("gpt52.chat")
    with chat.Gpt52(api_key=DEFAULT_API_KEY, base_url=default_server.base_url, max_retries=0) as client:
        completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
        assert completion.choices[0].message.content
        assert completion.choices[0].finish_reason == "stop"
        called = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Hi"}], tools=[WEATHER], tool_choice="required"
        )
        [call] = called.choices[0].message.tool_calls
        assert call.function.name == "get_weather"
        chunks = list(
            client.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": "Hi"}],
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        assert chunks[0].choices[0].delta.role == "assistant"
        assert chunks[-1].usage.total_tokens > 0


def test_client_facade_sees_rate_limit_and_drop(default_server: MockServer) -> None:
    chat = _client_module("gpt52.chat")
    exceptions = _client_module("gpt52.exceptions")
    with chat.Gpt52(api_key=DEFAULT_API_KEY, base_url=default_server.base_url, max_retries=0) as client:
        with pytest.raises(exceptions.APIError) as info:
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "Hi"}], extra_headers={"X-Mock-Mode": "rate-limit"}
            )
        assert getattr(info.value, "status_code", 429) == 429
        with pytest.raises(exceptions.APIError):
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "Hi"}], extra_headers={"X-Mock-Mode": "drop"}
            )
