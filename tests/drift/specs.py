"""Tiny OpenAPI documents for rule tests, built in code so each test shows exactly what changed."""

from __future__ import annotations

import copy
from typing import Any

Spec = dict[str, Any]
PATH = "/v1/chat/completions"


def obj(properties: dict[str, Any], required: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    schema.update(more)
    return schema


def api(
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    *,
    paths: tuple[str, ...] = (PATH,),
    status: str = "200",
    servers: tuple[str, ...] = ("https://api.example.com",),
    security: bool = True,
    stream: dict[str, Any] | None = None,
    op: dict[str, Any] | None = None,
) -> Spec:
    """One POST operation (under each of ``paths``) with a JSON request and a JSON response."""
    content: dict[str, Any] = {"application/json": {"schema": response or obj({"id": {"type": "string"}}, ("id",))}}
    if stream is not None:
        content["text/event-stream"] = {"schema": stream}
    operation: dict[str, Any] = {
        "operationId": "create",
        "responses": {status: {"description": "ok", "content": content}},
    }
    if request is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
    operation.update(op or {})
    spec: Spec = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": u} for u in servers],
        "paths": {p: {"post": copy.deepcopy(operation)} for p in paths},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
    if security:
        spec["security"] = [{"bearer": []}]
    return spec


def request(properties: dict[str, Any], required: tuple[str, ...] = ("model",), **kw: Any) -> Spec:
    return api(obj(properties, required), **kw)


def response(properties: dict[str, Any], required: tuple[str, ...] = (), **kw: Any) -> Spec:
    return api(obj({"model": {"type": "string"}}, ("model",)), obj(properties, required), **kw)
