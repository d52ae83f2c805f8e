"""Small recordings written by the tests: a completion, a stream, a non-chat exchange, in each format."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

KEY = "sk-live-DO-NOT-LEAK-1234567890"
REQUEST = {"model": "openai/gpt-5-2", "messages": [{"role": "user", "content": "Hi"}]}
COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1733832000,
    "model": "openai/gpt-5-2",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}
CHUNKS: list[dict[str, Any]] = [
    {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "openai/gpt-5-2",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "finish_reason": None}],
    },
    {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "openai/gpt-5-2",
        "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}],
    },
]
SSE = "".join(f"data: {json.dumps(c)}\n\n" for c in CHUNKS) + "data: [DONE]\n\n"


def with_created_as_string() -> dict[str, Any]:
    """A completion with a defect every spec agrees on: ``created`` as a string."""
    return {**COMPLETION, "created": "1733832000"}


def vcr_yaml(body_style: str = "string", *, defect: bool = False) -> str:
    """A vcrpy cassette: a completion (body as ``body_style``), a stream, a GET of another endpoint."""
    completion = with_created_as_string() if defect else COMPLETION
    raw = json.dumps(completion)
    if body_style == "string":
        body = {"string": raw}
        encoding: list[str] = []
    elif body_style == "gzip":
        body = {"string": gzip.compress(raw.encode())}
        encoding = ["gzip"]
    elif body_style == "base64":
        body = {"base64_string": base64.b64encode(raw.encode()).decode()}
        encoding = []
    elif body_style == "parsed":
        body = None
        encoding = []
    else:
        raise ValueError(body_style)
    import yaml

    response: dict[str, Any] = {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "Content-Type": ["application/json"],
            "Set-Cookie": ["session=abc123secret"],
            **({"Content-Encoding": encoding} if encoding else {}),
        },
    }
    if body is None:
        response["parsed_body"] = completion
    else:
        response["body"] = body
    interactions = [
        {
            "request": {
                "method": "POST",
                "uri": "https://api.example.com/openai/v1/chat/completions",
                "headers": {
                    "Authorization": [f"Bearer {KEY}"],
                    "Content-Type": ["application/json"],
                    "Cookie": ["__cf_bm=cookie-secret"],
                },
                "body": json.dumps(REQUEST),
            },
            "response": response,
        },
        {
            "request": {
                "method": "POST",
                "uri": "https://api.example.com/openai/v1/chat/completions",
                "headers": {"api-key": [KEY]},
                "body": json.dumps({**REQUEST, "stream": True}),
            },
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"content-type": ["text/event-stream"]},
                "body": {"string": SSE},
            },
        },
        {
            "request": {"method": "GET", "uri": "https://api.example.com/v1/models", "headers": {}, "body": None},
            "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}},
        },
    ]
    return yaml.safe_dump({"interactions": interactions, "version": 1})


def har(*, defect: bool = False) -> str:
    completion = with_created_as_string() if defect else COMPLETION

    def entry(
        method: str,
        url: str,
        post: dict[str, Any] | None,
        status: int,
        content: dict[str, Any],
        headers: list[dict[str, str]],
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Authorization", "value": f"Bearer {KEY}"}],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": -1,
        }
        if post is not None:
            request["postData"] = post
        return {
            "startedDateTime": "2026-01-01T00:00:00Z",
            "time": 5,
            "request": request,
            "response": {
                "status": status,
                "statusText": "OK",
                "httpVersion": "HTTP/1.1",
                "headers": headers,
                "cookies": [],
                "content": content,
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
            },
            "cache": {},
            "timings": {"send": 0, "wait": 5, "receive": 0},
        }

    url = "https://api.example.com/v1/chat/completions?key=" + KEY
    return json.dumps(
        {
            "log": {
                "version": "1.2",
                "creator": {"name": "test", "version": "1"},
                "entries": [
                    entry(
                        "POST",
                        url,
                        {"mimeType": "application/json", "text": json.dumps(REQUEST)},
                        200,
                        {"size": 1, "mimeType": "application/json", "text": json.dumps(completion)},
                        [
                            {"name": "Content-Type", "value": "application/json"},
                            {"name": "Content-Encoding", "value": "gzip"},
                        ],
                    ),
                    entry(
                        "POST",
                        url,
                        None,
                        200,
                        {
                            "size": 1,
                            "mimeType": "text/event-stream",
                            "text": base64.b64encode(SSE.encode()).decode(),
                            "encoding": "base64",
                        },
                        [{"name": "Content-Type", "value": "text/event-stream"}],
                    ),
                    entry(
                        "GET",
                        "https://example.com/index.html",
                        None,
                        200,
                        {"size": 1, "mimeType": "text/html", "text": "<html></html>"},
                        [],
                    ),
                ],
            }
        }
    )


def pairs_jsonl() -> str:
    lines = [
        {
            "request": {
                "method": "POST",
                "url": "https://api.example.com/v1/chat/completions",
                "headers": {"Authorization": f"Bearer {KEY}"},
                "body": REQUEST,
            },
            "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": COMPLETION},
        },
        {"request": None, "response": COMPLETION},
        {"request": REQUEST, "response": {"status": 200, "events": [*CHUNKS, "[DONE]"]}},
        {
            "request": {"body": json.dumps(REQUEST), "partial": True},
            "response": {"status": 200, "headers": {"content-type": "text/event-stream"}, "body": SSE},
        },
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)
