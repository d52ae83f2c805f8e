"""The one operation model: every operation of a document, found by method and path or by request URL.

:class:`OperationIndex` lists the operations (path items that are ``$ref`` are
followed), matches a concrete path against the path templates (exact paths
first, then ``/items/{id}``-style templates), strips a server's base path from a
request URL, and reads the parts of an operation every stage asks for (request
body, response by status with ``2XX``/``default`` ranges, the JSON media type).
:func:`schema_roots` and :func:`all_schemas` walk every schema object with its pointer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import attrs

from conformance.oas.pointer import join_pointer
from conformance.oas.refs import Resolver

JSON = Any
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE_PART = re.compile(r"\\\{[^}/]*\\\}")


@attrs.frozen
class Operation:
    path: str  # the path template as the spec writes it
    method: str  # lower case
    pointer: str  # /paths/<path>/<method>
    op: dict[str, Any]  # the operation object

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str | None:
        value = self.op.get("operationId")
        return value if isinstance(value, str) else None


@attrs.frozen
class SchemaNode:
    pointer: str
    schema: dict[str, Any]
    name: str | None  # property name when reached through ``properties``
    root: str  # pointer of the schema root (request body, response content, component)
    depth: int


def media_base(media: str) -> str:
    """``application/json`` of ``application/json; charset=utf-8``."""
    return media.split(";", 1)[0].strip().lower()


def is_json_media(media: str) -> bool:
    base = media_base(media)
    return base == "application/json" or base.endswith("+json")


def json_media(content: JSON, *, with_schema: bool = False) -> str | None:
    """The JSON media type of a ``content`` map: ``application/json`` first, then a ``+json`` one, in the
    order written; ``with_schema``: only one whose entry declares a ``schema``."""
    if not isinstance(content, dict):
        return None
    ordered = sorted(content, key=lambda m: media_base(str(m)) != "application/json")
    for media in ordered:
        entry = content[media]
        if is_json_media(str(media)) and (not with_schema or (isinstance(entry, dict) and "schema" in entry)):
            return str(media)
    return None


def template_regex(template: str) -> re.Pattern[str]:
    """A regex matching the concrete paths of a path template (each ``{name}`` one non-empty segment)."""
    return re.compile(_TEMPLATE_PART.sub("[^/]+", re.escape(template)) + r"\Z")


def path_ends_with(url_path: str, template: str) -> bool:
    """Whether ``url_path`` ends with a concrete instance of ``template`` (a server prefix before it)."""
    regex = _TEMPLATE_PART.sub("[^/]+", re.escape(template.rstrip("/")))
    return re.search(regex + r"/?\Z", url_path) is not None


class OperationIndex:
    """The operations of one document, indexed by ``(method, path)``, with path and URL matching."""

    def __init__(self, spec: JSON, *, resolver: Resolver | None = None) -> None:
        self.spec = spec if isinstance(spec, dict) else {}
        self.resolver = resolver if resolver is not None else Resolver(self.spec)
        self.operations: list[Operation] = []
        self._by_key: dict[tuple[str, str], Operation] = {}
        self._templates: list[tuple[re.Pattern[str], str]] | None = None
        paths = self.spec.get("paths")
        for path, raw in (paths if isinstance(paths, dict) else {}).items():
            item = self.resolver.follow_or(raw)
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    found = Operation(str(path), method, join_pointer("paths", path, method), op)
                    self.operations.append(found)
                    self._by_key[(method, str(path))] = found
        self.base_paths = sorted(
            {
                urlsplit(s.get("url", "")).path.rstrip("/")
                for s in self.spec.get("servers") or []
                if isinstance(s, dict) and isinstance(s.get("url", ""), str)
            }
            | {""},
            key=len,
            reverse=True,
        )

    # -- lookup ------------------------------------------------------------------------------------
    def paths(self) -> list[str]:
        paths = self.spec.get("paths")
        return [str(p) for p in paths] if isinstance(paths, dict) else []

    def path_item(self, path: str) -> dict[str, Any] | None:
        paths = self.spec.get("paths")
        item = self.resolver.follow_or(paths.get(path) if isinstance(paths, dict) else None)
        return item if isinstance(item, dict) else None

    def get(self, method: str, path: str) -> Operation | None:
        """The operation at exactly this path template."""
        return self._by_key.get((method.lower(), path))

    def methods(self, path: str) -> list[str]:
        return [m for m in HTTP_METHODS if (m, path) in self._by_key]

    def match_path(self, path: str) -> str | None:
        """The path template that ``path`` instantiates: an exact path first, then the templates in order."""
        if self.path_item(path) is not None:
            return path
        if self._templates is None:
            self._templates = [(template_regex(t), t) for t in self.paths() if "{" in t]
        for regex, template in self._templates:
            if regex.match(path):
                return template
        return None

    def find(self, method: str, url: str, target_base: str = "") -> Operation | None:
        """The operation a request to ``url`` went to: ``target_base`` (the path of the target's base URL)
        and then a server's base path are taken off, and the rest matched against the templates."""
        path = urlsplit(url).path
        prefix = target_base.rstrip("/")
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix) :]
        for base in self.base_paths:
            candidate = (path[len(base) :] or "/") if base and path.startswith(base) else path
            found = self.get(method, candidate)
            if found is None:
                template = self.match_path(candidate)
                found = self.get(method, template) if template is not None else None
            if found is not None:
                return found
        return None

    # -- parts of an operation ---------------------------------------------------------------------
    def request_body(self, op: Operation) -> dict[str, Any] | None:
        body = self.resolver.follow_or(op.op.get("requestBody"))
        return body if isinstance(body, dict) else None

    def responses(self, op: Operation) -> dict[str, Any]:
        """Status (as text) -> response object, references followed (one that cannot be is left out)."""
        raw = self.resolver.follow_or(op.op.get("responses"))
        out: dict[str, Any] = {}
        for status, response in (raw if isinstance(raw, dict) else {}).items():
            followed = self.resolver.follow_or(response)
            if isinstance(followed, dict):
                out[str(status)] = followed
        return out

    def response(self, op: Operation, status: int | str) -> dict[str, Any] | None:
        """The response documented for ``status``: the exact code, else its range (``2XX``), else ``default``."""
        return response_for(self.responses(op), status)

    def success_statuses(self, op: Operation) -> list[str]:
        """The documented 2xx codes, ``200`` first."""
        codes = [s for s in self.responses(op) if s.isdigit() and s.startswith("2")]
        return sorted(codes, key=lambda s: (s != "200", s))

    def request_json(self, op: Operation) -> tuple[str, str, JSON, bool] | None:
        """``(media, pointer, schema, required)`` of the JSON request body, if any."""
        body = self.request_body(op)
        if body is None:
            return None
        content = body.get("content")
        media = json_media(content, with_schema=True)
        if media is None:
            return None
        assert isinstance(content, dict)
        entry = self.resolver.follow_or(content[media])
        pointer = op.pointer + join_pointer("requestBody", "content", media, "schema")
        return media, pointer, entry.get("schema"), bool(body.get("required"))

    def success_json(self, op: Operation) -> tuple[str, str, str, JSON] | None:
        """``(status, media, pointer, schema)`` of the first 2xx (``200`` first) JSON response with a schema."""
        for status in self.success_statuses(op):
            response = self.responses(op)[status]
            content = response.get("content")
            media = json_media(content, with_schema=True)
            if media is None:
                continue
            assert isinstance(content, dict)
            entry = self.resolver.follow_or(content[media])
            pointer = op.pointer + join_pointer("responses", status, "content", media, "schema")
            return status, media, pointer, entry.get("schema") if isinstance(entry, dict) else None
        return None


def status_keys(status: int | str) -> tuple[str, ...]:
    """The ``responses`` keys that document ``status``, most precise first: the code, its range, ``default``."""
    code = str(status)
    return (code, f"{code[:1]}XX", f"{code[:1]}xx", "default")


def response_for(responses: dict[str, Any], status: int | str) -> dict[str, Any] | None:
    """The response object that documents ``status`` in a ``responses`` map (see :func:`status_keys`)."""
    for key in status_keys(status):
        found = responses.get(key)
        if isinstance(found, dict):
            return found
    return None


def operations(spec: JSON) -> Iterator[Operation]:
    """Every operation of ``spec`` in document order."""
    yield from OperationIndex(spec).operations


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
