"""Walk an OpenAPI 3.0 document: operations, and every schema object with its JSON pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from conformance.schema import join_pointer

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@attrs.frozen
class Operation:
    path: str
    method: str
    pointer: str
    op: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


@attrs.frozen
class SchemaNode:
    pointer: str
    schema: dict[str, Any]
    name: str | None  # property name when reached through ``properties``
    root: str  # pointer of the schema root (request body, response content, component)
    depth: int


def operations(spec: dict[str, Any]) -> Iterator[Operation]:
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield Operation(path, method, join_pointer("paths", path, method), op)


def schema_roots(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, schema) for every top-level schema: components (schemas, and those of named responses,
    request bodies and parameters), then each operation's request bodies, responses and parameters."""
    components = spec.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        if isinstance(schema, dict):
            yield join_pointer("components", "schemas", name), schema
    # named responses, request bodies and parameters hold schemas too
    for section in ("responses", "requestBodies"):
        for name, holder in (components.get(section) or {}).items():
            if isinstance(holder, dict):
                for ctype, media in (holder.get("content") or {}).items():
                    if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                        yield join_pointer("components", section, name, "content", ctype, "schema"), media["schema"]
    for name, param in (components.get("parameters") or {}).items():
        if isinstance(param, dict) and isinstance(param.get("schema"), dict):
            yield join_pointer("components", "parameters", name, "schema"), param["schema"]
    for op in operations(spec):
        body = op.op.get("requestBody")
        if isinstance(body, dict):
            for ctype, media in (body.get("content") or {}).items():
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    yield op.pointer + join_pointer("requestBody", "content", ctype, "schema"), media["schema"]
        for status, response in (op.op.get("responses") or {}).items():
            if not isinstance(response, dict):
                continue
            for ctype, media in (response.get("content") or {}).items():
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    yield (
                        op.pointer + join_pointer("responses", str(status), "content", ctype, "schema"),
                        media["schema"],
                    )
        for index, param in enumerate(op.op.get("parameters") or []):
            if isinstance(param, dict) and isinstance(param.get("schema"), dict):
                yield op.pointer + join_pointer("parameters", index, "schema"), param["schema"]


def walk_schema(
    schema: dict[str, Any], pointer: str, root: str, name: str | None = None, depth: int = 0
) -> Iterator[SchemaNode]:
    yield SchemaNode(pointer, schema, name, root, depth)
    for key, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            yield from walk_schema(sub, pointer + join_pointer("properties", key), root, key, depth + 1)
    for key in ("items", "additionalProperties", "not"):
        sub = schema.get(key)
        if isinstance(sub, dict):
            yield from walk_schema(sub, pointer + join_pointer(key), root, name, depth + 1)
    for key in ("oneOf", "anyOf", "allOf"):
        for index, sub in enumerate(schema.get(key) or []):
            if isinstance(sub, dict):
                yield from walk_schema(sub, pointer + join_pointer(key, index), root, name, depth + 1)


def all_schemas(spec: dict[str, Any]) -> Iterator[SchemaNode]:
    for pointer, schema in schema_roots(spec):
        yield from walk_schema(schema, pointer, pointer)
