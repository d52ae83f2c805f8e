"""The regenerated client as a user meets it: AuthenticatedClient, sync and async calls over a real loopback
server returning a typed ChatCompletion, the typed ErrorResponse for 401, the doc page's example response,
and examples/quickstart.py (mypy --strict, and run against the server)."""

from __future__ import annotations

import asyncio
import copy
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import json5
import pytest

from .helpers import DOC_PAGE, REPO, Loopback, Reply, Request, loopback

pytestmark = pytest.mark.slow

TOKEN = "sk-test-0123456789"
JSON_HEADERS = (("Content-Type", "application/json"),)
UNAUTHORISED = {
    "error": {
        "message": "Invalid API key provided",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}


def completion(content: str | None, *, tool: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool:
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
        ]
    return {
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1765494440,
        "model": "gpt-5.2-2025-12-11",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool else "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 13, "total_tokens": 20},
    }


def chat_api(request: Request) -> Reply:
    """A tiny chat completions endpoint: bearer auth, echoes the last message (or calls a tool when asked)."""
    if request.method != "POST" or request.path not in ("/v1/chat/completions", "/chat/completions"):
        return Reply(404, b'{"error": {"message": "no such route", "type": "not_found"}}', JSON_HEADERS)
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        return Reply(401, json.dumps(UNAUTHORISED).encode(), JSON_HEADERS)
    body = json.loads(request.body)
    prompt = body["messages"][-1]["content"]
    answer = completion(None, tool=True) if prompt == "weather?" else completion(f"echo: {prompt}")
    return Reply(200, json.dumps(answer).encode(), JSON_HEADERS)


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    with loopback(chat_api) as running:
        yield running


@pytest.fixture
def api(gpt52: ModuleType, server: Loopback) -> SimpleNamespace:
    server.requests.clear()

    def load(name: str) -> ModuleType:
        return importlib.import_module(f"gpt52_client.{name}")

    models = load("models")
    return SimpleNamespace(
        client=gpt52,
        models=models,
        server=server,
        create=load("api.chat.create_chat_completion"),
        alias=load("api.chat.create_chat_completion_unversioned"),
        request=lambda prompt: models.CreateChatCompletionRequest(
            model="openai/gpt-5-2",
            messages=[models.ChatCompletionUserMessageParam(role="user", content=prompt)],
            max_tokens=64,
        ),
    )


def _sent(request: Request, path: str, prompt: str) -> None:
    assert (request.method, request.path) == ("POST", path)
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    # `stream` has a documented default (false), which the client sends explicitly
    assert json.loads(request.body) == {
        "model": "openai/gpt-5-2",
        "max_tokens": 64,
        "stream": False,
        "messages": [{"role": "user", "content": prompt}],
    }


def test_sync_call_returns_a_typed_chat_completion(api: SimpleNamespace) -> None:
    client = api.client.AuthenticatedClient(base_url=api.server.url, token=TOKEN)
    result = api.create.sync(client=client, body=api.request("Hello"))
    assert type(result) is api.models.ChatCompletion
    assert result.choices[0].message.content == "echo: Hello"
    assert (result.id, result.created, result.object_, result.model) == (
        "chatcmpl-123",
        1765494440,
        "chat.completion",
        "gpt-5.2-2025-12-11",
    )
    assert type(result.usage) is api.models.CompletionUsage
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (7, 13, 20)
    assert result.choices[0].finish_reason == "stop"
    [request] = api.server.requests
    _sent(request, "/v1/chat/completions", "Hello")


def test_async_call_returns_a_typed_chat_completion(api: SimpleNamespace) -> None:
    client = api.client.AuthenticatedClient(base_url=api.server.url, token=TOKEN)

    async def call() -> Any:
        async with client:
            return await api.create.asyncio(client=client, body=api.request("Bonjour"))

    result = asyncio.run(call())
    assert type(result) is api.models.ChatCompletion
    assert result.choices[0].message.content == "echo: Bonjour"
    [request] = api.server.requests
    _sent(request, "/v1/chat/completions", "Bonjour")


def test_the_alias_returns_the_same_model(api: SimpleNamespace) -> None:
    client = api.client.AuthenticatedClient(base_url=api.server.url, token=TOKEN)
    result = api.alias.sync(client=client, body=api.request("Hi"))
    assert type(result) is api.models.ChatCompletion
    assert api.alias.ChatCompletion is api.create.ChatCompletion is api.models.ChatCompletion
    assert api.alias.CreateChatCompletionRequest is api.create.CreateChatCompletionRequest
    _sent(api.server.requests[0], "/chat/completions", "Hi")


def test_a_tool_call_has_null_content_and_typed_tool_calls(api: SimpleNamespace) -> None:
    client = api.client.AuthenticatedClient(base_url=api.server.url, token=TOKEN)
    result = api.create.sync(client=client, body=api.request("weather?"))
    message = result.choices[0].message
    assert message.content is None
    [call] = message.tool_calls
    assert type(call) is api.models.ChatCompletionMessageFunctionToolCall
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (
        "call_1",
        "get_weather",
        {"city": "Paris"},
    )
    assert result.choices[0].finish_reason == "tool_calls"


def test_unauthorised_call_returns_the_typed_error(api: SimpleNamespace) -> None:
    client = api.client.AuthenticatedClient(base_url=api.server.url, token="wrong")
    detailed = api.create.sync_detailed(client=client, body=api.request("Hello"))
    assert detailed.status_code == 401
    error = detailed.parsed
    assert type(error) is api.models.ErrorResponse
    assert (error.error.message, error.error.type_, error.error.param, error.error.code) == (
        "Invalid API key provided",
        "invalid_request_error",
        None,
        "invalid_api_key",
    )
    assert api.server.requests[0].headers["authorization"] == "Bearer wrong"
    assert type(api.create.sync(client=client, body=api.request("Hello"))) is api.models.ErrorResponse


def test_the_doc_page_example_parses_into_chat_completion(gpt52: ModuleType) -> None:
    """The chat.completion example under "Response" on gpt-5.2.md (read from the mirror, not copied)."""
    match = re.search(r"<summary>Response</summary>.*?```json5?\n(.*?)```", DOC_PAGE.read_text(), re.S)
    assert match, f"{DOC_PAGE}: no Response block"
    example = json5.loads(match.group(1))
    models = importlib.import_module("gpt52_client.models")
    parsed = models.ChatCompletion.from_dict(copy.deepcopy(example))
    assert type(parsed) is models.ChatCompletion
    assert parsed.choices[0].message.content == "Hello! What can I help you with today?"
    assert parsed.choices[0].message.annotations == []
    assert type(parsed.usage.completion_tokens_details) is models.CompletionTokensDetails
    assert parsed.usage.total_tokens == 20
    assert parsed.additional_properties["meta"] == {"usage": {"credits_used": 409}}
    assert parsed.to_dict() == example  # nothing lost on the way back


# -- examples/quickstart.py -------------------------------------------------------------------------------

QUICKSTART = REPO / "examples" / "quickstart.py"


MISUSE = """\
from gpt52_client import AuthenticatedClient
from gpt52_client.api.chat import create_chat_completion
from gpt52_client.models import ChatCompletion, CreateChatCompletionRequest

client = AuthenticatedClient(base_url="http://127.0.0.1:1", token="key")
request = CreateChatCompletionRequest(model=52, messages=[])  # any model name is a str; a number is not
result = create_chat_completion.sync(client=client, body=request)
assert isinstance(result, ChatCompletion)
text: str = result.choices[0].message.content
tokens: str = result.usage.total_tokens
"""


def test_quickstart_passes_mypy_strict(generated: SimpleNamespace, tmp_path: Path) -> None:
    """mypy --strict sees the generated client as an installed package (on the interpreter's path), as a user
    does; the same run proves the types are real by rejecting code that misuses them."""
    misuse = tmp_path / "misuse.py"
    misuse.write_text(MISUSE)
    env = {**os.environ, "PYTHONPATH": str(generated.package.parent)}
    env.pop("MYPYPATH", None)
    cache = REPO / ".cache" / "mypy-quickstart"  # git-ignored; a warm cache makes this a second, not ten
    result = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "mypy"),
            "--strict",
            "--cache-dir",
            str(cache),
            "--no-error-summary",
            "--hide-error-context",
            str(QUICKSTART),
            str(misuse),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [re.sub(r"^.*?misuse\.py", "misuse.py", line) for line in result.stdout.splitlines()]
    assert errors == [
        # `model` takes any string, the known ids stay visible to typing
        'misuse.py:6: error: Argument "model" to "CreateChatCompletionRequest" has incompatible type '
        "\"Literal[52]\"; expected \"Literal['openai/gpt-5-2', 'openai/gpt-5-2-chat-latest', "
        "'openai/gpt-5-2-pro'] | str | str\"  [arg-type]",  # the open enum ChatModel, or any string
        'misuse.py:9: error: Incompatible types in assignment (expression has type "str | None", variable has type '
        '"str")  [assignment]',
        'misuse.py:10: error: Incompatible types in assignment (expression has type "int", variable has type '
        '"str")  [assignment]',
    ], result.stdout + result.stderr
    assert result.returncode == 1


def test_quickstart_runs_against_a_loopback_server(generated: SimpleNamespace, server: Loopback) -> None:
    server.requests.clear()
    env = {
        **os.environ,
        "PYTHONPATH": str(generated.package.parent),
        "AIMLAPI_KEY": TOKEN,
        "AIMLAPI_BASE_URL": server.url,
    }
    result = subprocess.run(
        [sys.executable, str(QUICKSTART), "Say", "hello"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "echo: Say hello\necho: Say hello\n", "")
    assert [r.path for r in server.requests] == ["/v1/chat/completions"] * 2
    assert json.loads(server.requests[0].body) == {
        "model": "openai/gpt-5-2",
        "max_tokens": 256,
        "stream": False,
        "messages": [{"role": "user", "content": "Say hello"}],
    }


def test_quickstart_without_a_key_says_so(generated: SimpleNamespace) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AIMLAPI_KEY"}
    env["PYTHONPATH"] = str(generated.package.parent)
    result = subprocess.run(
        [sys.executable, str(QUICKSTART)], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "set AIMLAPI_KEY to your AI/ML API key\n")
