"""Helpers for the mock's tests: request bodies, SSE parsing, the spec's schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from gpt52.tls import default_context
from upstream_data import LazyPath, seed_page

from conformance.mock.auth import DEFAULT_API_KEY
from conformance.mock.operations import ChatOperation, chat_operations
from conformance.oas import Validator, Violation

SEED_PAGE = LazyPath(seed_page)  # skips the test that reads it when ../shared/seeds is absent
DATA = Path(__file__).parent / "data"
MODEL = "openai/gpt-5-2"
AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
PATH = "/v1/chat/completions"


def body(**extra: Any) -> dict[str, Any]:
    """A minimal valid request body, plus ``extra`` fields."""
    return {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}], **extra}


def post(
    base_url: str,
    payload: Any = None,
    *,
    mode: str | None = None,
    path: str = PATH,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    **kwargs: Any,
) -> httpx.Response:
    sent = {**AUTH, **(headers or {})}
    if mode is not None:
        sent["X-Mock-Mode"] = mode
    if payload is not None and "content" not in kwargs:
        kwargs["json"] = payload
    return httpx.post(base_url + path, headers=sent, timeout=timeout, verify=default_context(), **kwargs)


def events(response: httpx.Response) -> list[Any]:
    """The SSE ``data:`` payloads of a streamed response: parsed chunks, and the string ``"[DONE]"``."""
    out: list[Any] = []
    for block in response.text.split("\n\n"):
        block = block.strip()
        if not block:
            continue
        assert block.startswith("data: "), f"expected an SSE data line, found {block[:80]!r}"
        data = block[len("data: ") :]
        out.append(data if data == "[DONE]" else json.loads(data))
    return out


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """An OpenAI-style JSON error object: exactly message, type, param, code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"error"}
    error: dict[str, Any] = data["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["type"], str)
    if code is not None:
        assert error["code"] == code, error
    return error


class Schemas:
    """The 200 JSON and chunk validators of one spec's chat completions operation."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.op: ChatOperation = chat_operations(spec)[0]
        self.completion = Validator(self.op.json_schema)
        self.chunk = Validator(self.op.stream_schema)

    def completion_violations(self, value: Any) -> list[Violation]:
        return self.completion.violations(value)

    def chunk_violations(self, value: Any) -> list[Violation]:
        return self.chunk.violations(value)
