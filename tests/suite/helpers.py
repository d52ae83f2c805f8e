"""Small hand-written specs for the suite's checks: a published one with the upstream defects, a corrected one."""

from __future__ import annotations

import copy
from typing import Any

from conformance.suite.checks import CheckContext, SpecView
from conformance.suite.exchange import Exchange

MESSAGE = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {
        "role": {"type": "string"},
        "content": {"type": "string"},
        "tool_calls": {
            "type": "array",
            "nullable": True,
            "items": {
                "type": "object",
                "required": ["id", "type", "function"],
                "properties": {
                    "id": {"type": "string"},
                    "type": {"type": "string", "enum": ["function"]},
                    "function": {
                        "type": "object",
                        "required": ["name", "arguments"],
                        "properties": {"name": {"type": "string"}, "arguments": {"type": "string"}},
                    },
                },
            },
        },
    },
}
COMPLETION = {
    "type": "object",
    "required": ["id", "object", "created", "choices", "model", "usage"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["chat.completion"]},
        "created": {"type": "number"},
        "model": {"type": "string"},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "message", "finish_reason"],
                "properties": {
                    "index": {"type": "number"},
                    "message": MESSAGE,
                    "finish_reason": {"type": "string", "enum": ["stop", "length", "tool_calls"]},
                },
            },
        },
        "usage": {
            "type": "object",
            "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
            "properties": {
                "prompt_tokens": {"type": "number"},
                "completion_tokens": {"type": "number"},
                "total_tokens": {"type": "number"},
            },
        },
    },
}
CHUNK = {
    "type": "object",
    "required": ["id", "object", "choices"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["chat.completion.chunk"]},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "finish_reason"],
                "properties": {
                    "index": {"type": "number"},
                    "delta": {
                        "type": "object",
                        "required": ["role", "content"],
                        "properties": {"role": {"type": "string"}, "content": {"type": "string"}},
                    },
                    "finish_reason": {"type": "string", "enum": ["stop", "length", "tool_calls"]},
                },
            },
        },
        "usage": {
            "type": "object",
            "nullable": True,
            "properties": {
                "prompt_tokens": {"type": "number"},
                "completion_tokens": {"type": "number"},
                "total_tokens": {"type": "number"},
            },
        },
    },
}


def published_spec() -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"title": "mini", "version": "1"},
        "servers": [{"url": "https://api.example.test"}],
        "paths": {
            "/v1/chat/completions": {
                "post": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": copy.deepcopy(COMPLETION)},
                                "text/event-stream": {"schema": copy.deepcopy(CHUNK)},
                            },
                        }
                    }
                }
            }
        },
    }


def normalised_spec() -> dict[str, Any]:
    spec = published_spec()
    op = spec["paths"]["/v1/chat/completions"]["post"]
    op["responses"]["400"] = {
        "description": "error",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {"message": {"type": "string"}},
                        }
                    },
                }
            }
        },
    }
    completion = op["responses"]["200"]["content"]["application/json"]["schema"]
    completion["properties"]["choices"]["items"]["properties"]["message"]["properties"]["content"]["nullable"] = True
    chunk = op["responses"]["200"]["content"]["text/event-stream"]["schema"]
    choice = chunk["properties"]["choices"]["items"]
    choice["properties"]["finish_reason"]["nullable"] = True
    choice["properties"]["finish_reason"]["enum"].append(None)
    del choice["properties"]["delta"]["required"]
    choice["properties"]["delta"]["properties"]["content"]["nullable"] = True
    return spec


def make_ctx() -> CheckContext:
    # the generated client is built from the real spec, not from these small ones
    return CheckContext(
        SpecView(published_spec(), "published"), SpecView(normalised_spec(), "normalised"), client_parse=False
    )


def completion(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
    body.update(over)
    return body


def exchange(
    body: Any,
    *,
    status: int = 200,
    request: Any = None,
    content_type: str = "application/json",
    raw: bytes | None = None,
    error: str | None = None,
) -> Exchange:
    import json

    data = raw if raw is not None else json.dumps(body).encode()
    return Exchange.build(
        operation="POST /v1/chat/completions",
        method="POST",
        url="http://127.0.0.1:9/v1/chat/completions",
        request_headers={"Authorization": "Bearer sk-test-secret", "Content-Type": "application/json"},
        request_body=request if request is not None else {"model": "m", "messages": []},
        status=status if error is None else None,
        response_headers={"Content-Type": content_type},
        response_body=data,
        transport_error=error,
    )


def sse(*chunks: Any, done: bool = True) -> bytes:
    import json

    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks)
    return (text + ("data: [DONE]\n\n" if done else "")).encode()
