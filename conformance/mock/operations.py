"""Find the chat completions operations in whatever spec the mock is given.

The published spec inlines every schema; the normalised one names them in
``components/schemas`` and refers to them with ``$ref``. Both are read the same
way: the request schema, the success status and its JSON and event-stream
schemas are taken from each operation, and each schema is kept twice: as
written (``*_raw``, references and all, for validators built with the spec,
which keep references as references when inlining would explode) and with its
references inlined (:func:`conformance.oas.refs.deref`, each target shared, a
recursive schema keeping its back reference as ``$ref``: a recursive schema is
legal OpenAPI) for the answer compiler and the generator, which resolve what
is left against :attr:`ChatOperation.root`. A chat completions operation is a
POST whose JSON request body declares ``messages`` (every path alias counts).
"""

from __future__ import annotations

from typing import Any

import attrs

from conformance.errors import SpecError
from conformance.oas import OperationIndex, Resolver, deref, join_pointer, json_media

JSON = Any


@attrs.frozen
class ChatOperation:
    """One path alias of the chat completions operation, with its schemas (refs inlined)."""

    path: str
    method: str
    operation_id: str | None
    request_schema: JSON
    success_status: int
    json_media: str
    json_schema: JSON | None
    stream_schema: JSON | None
    documented_statuses: tuple[str, ...]
    root: JSON = None
    request_raw: JSON = None
    json_raw: JSON = None
    stream_raw: JSON = None

    @property
    def where(self) -> str:
        return f"{self.method} {self.path}"


def _follow(resolver: Resolver, node: JSON, where: str) -> JSON:
    """An object (path item, request body, response, media type) with its own ``$ref`` chain followed; a
    :class:`SpecError` for one that points nowhere, outside the spec, or back to itself."""
    res = resolver.resolve(node, where)
    if res.problem is not None:
        error = res.problem.error(where)
        if res.problem.kind == "external":
            error.hint = "the mock reads nothing beyond the spec it was given: bundle the spec first"
        raise error
    return res.node


def chat_operations(spec: JSON) -> list[ChatOperation]:
    """Every chat completions operation in ``spec``; a :class:`SpecError` when there is none."""
    paths = spec.get("paths") if isinstance(spec, dict) else None
    if not isinstance(paths, dict):
        raise SpecError("spec: expected a 'paths' object, found none")
    found: list[ChatOperation] = []
    resolver = Resolver(spec)
    for path, item in paths.items():
        _follow(resolver, item, join_pointer("paths", path))  # a broken path item is an error, not a skip
    for operation in OperationIndex(spec, resolver=resolver).operations:
        if operation.method != "post":
            continue
        path, op, where = operation.path, operation.op, operation.pointer
        body = _follow(resolver, op.get("requestBody"), where + "/requestBody")
        content = body.get("content") if isinstance(body, dict) else None
        media = json_media(content)
        if media is None:
            continue
        assert isinstance(content, dict)
        holder = _follow(resolver, content[media], where + "/requestBody/content")
        raw = holder.get("schema") if isinstance(holder, dict) else None
        request = _schema(spec, raw, where + "/requestBody")
        props = request.get("properties") if isinstance(request, dict) else None
        if not isinstance(props, dict) or "messages" not in props:
            continue
        found.append(_operation(spec, resolver, str(path), op, request, raw, where))
    if not found:
        raise SpecError(
            "spec: expected a POST operation whose JSON request body declares 'messages' "
            f"(chat completions), found none among paths {sorted(paths)[:8]}",
            hint="give the mock a chat completions spec with --spec",
        )
    return found


def _schema(spec: JSON, raw: JSON, where: str) -> JSON:
    """``raw`` with its references inlined, each target once and shared; a recursive one keeps ``$ref``."""
    try:
        return deref(spec, raw, where=where, keep_cycles=True)
    except RecursionError:  # references nested deeper than Python's stack
        raise SpecError(
            f"{where}: expected schema references nested at most a few hundred deep, found a chain too deep to follow"
        ) from None


def _operation(
    spec: JSON, resolver: Resolver, path: str, op: dict[str, Any], request: JSON, request_raw: JSON, where: str
) -> ChatOperation:
    responses = _follow(resolver, op.get("responses"), where + "/responses")
    responses = responses if isinstance(responses, dict) else {}
    statuses = tuple(str(code) for code in responses)
    success = sorted(code for code in statuses if code.isdigit() and code.startswith("2"))
    status = 200
    success_media = "application/json"
    json_raw: JSON | None = None
    stream_raw: JSON | None = None
    for code in success:
        at = where + join_pointer("responses", code)
        response = _follow(resolver, responses[code], at)
        content = response.get("content") if isinstance(response, dict) else None
        media = json_media(content)
        if media is None or not isinstance(content, dict):
            continue
        status = int(code)
        success_media = media
        json_raw = (_follow(resolver, content[media], at) or {}).get("schema")
        for other, body in content.items():
            body = _follow(resolver, body, at)
            if other.split(";")[0].strip().lower() == "text/event-stream" and isinstance(body, dict):
                stream_raw = body.get("schema")
        break
    return ChatOperation(
        path=path,
        method="POST",
        operation_id=op.get("operationId"),
        request_schema=request,
        success_status=status,
        json_media=success_media,
        json_schema=_schema(spec, json_raw, where + "/responses"),
        stream_schema=_schema(spec, stream_raw, where + "/responses"),
        documented_statuses=statuses,
        root=spec,
        request_raw=request_raw,
        json_raw=json_raw,
        stream_raw=stream_raw,
    )
