"""Find the chat completions operations in whatever spec the mock is given.

The published spec inlines every schema; the normalised one names them in
``components/schemas`` and refers to them with ``$ref``. Both are read the same
way: each operation is dereferenced (:func:`conformance.schema.deref`) and the
request schema, the success status and its JSON and event-stream schemas are
taken from it. A chat completions operation is a POST whose JSON request body
declares ``messages`` (every path alias counts).
"""

from __future__ import annotations

from typing import Any

import attrs

from conformance.errors import SpecError
from conformance.schema import deref, join_pointer

JSON = Any
_JSON_MEDIA = ("application/json", "application/json; charset=utf-8")


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

    @property
    def where(self) -> str:
        return f"{self.method} {self.path}"


def _json_media(content: JSON) -> str | None:
    if not isinstance(content, dict):
        return None
    for media in content:
        if media.split(";")[0].strip().lower() in ("application/json",) or media.endswith("+json"):
            return str(media)
    return None


def chat_operations(spec: JSON) -> list[ChatOperation]:
    """Every chat completions operation in ``spec``; a :class:`SpecError` when there is none."""
    paths = spec.get("paths") if isinstance(spec, dict) else None
    if not isinstance(paths, dict):
        raise SpecError("spec: expected a 'paths' object, found none")
    found: list[ChatOperation] = []
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        item = deref(spec, item, where=join_pointer("paths", path))
        for method, op in item.items():
            if method.lower() != "post" or not isinstance(op, dict):
                continue
            where = join_pointer("paths", path, method)
            body = op.get("requestBody")
            content = body.get("content") if isinstance(body, dict) else None
            media = _json_media(content)
            if media is None:
                continue
            assert isinstance(content, dict)
            request = content[media].get("schema") if isinstance(content[media], dict) else None
            props = request.get("properties") if isinstance(request, dict) else None
            if not isinstance(props, dict) or "messages" not in props:
                continue
            found.append(_operation(str(path), op, request, where))
    if not found:
        raise SpecError("spec: expected a POST operation whose JSON request body declares 'messages' "
                        f"(chat completions), found none among paths {sorted(paths)[:8]}",
                        hint="give the mock a chat completions spec with --spec")
    return found


def _operation(path: str, op: dict[str, Any], request: JSON, where: str) -> ChatOperation:
    responses = op.get("responses")
    responses = responses if isinstance(responses, dict) else {}
    statuses = tuple(str(code) for code in responses)
    success = sorted(code for code in statuses if code.isdigit() and code.startswith("2"))
    status = 200
    json_media = "application/json"
    json_schema: JSON | None = None
    stream_schema: JSON | None = None
    for code in success:
        response = responses[code]
        content = response.get("content") if isinstance(response, dict) else None
        media = _json_media(content)
        if media is None or not isinstance(content, dict):
            continue
        status = int(code)
        json_media = media
        json_schema = (content[media] or {}).get("schema")
        for other, body in content.items():
            if other.split(";")[0].strip().lower() == "text/event-stream" and isinstance(body, dict):
                stream_schema = body.get("schema")
        break
    return ChatOperation(path=path, method="POST", operation_id=op.get("operationId"), request_schema=request,
                         success_status=status, json_media=json_media, json_schema=json_schema,
                         stream_schema=stream_schema, documented_statuses=statuses)


def load_served_spec(choice: str | None, *, mirror: str | None = None) -> tuple[JSON, str, str | None]:
    """The spec the mock serves: ``(spec, label, note)``.

    ``choice`` is ``published``, ``normalised`` or a file path; ``None`` means
    the normalised spec, falling back to the published one (with a ``note``
    saying why) while the normalised spec cannot be built.
    """
    from pathlib import Path

    from conformance.pipeline import load_spec
    from conformance.specload import load_spec_file

    if choice == "published":
        return load_spec("published", mirror), "published", None
    if choice == "normalised":
        return load_spec("normalised", mirror), "normalised", None
    if choice is not None:
        return load_spec_file(Path(choice)), choice, None
    try:
        return load_spec("normalised", mirror), "normalised", None
    except Exception as exc:  # the overlay may be missing or broken: serve what upstream published
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return load_spec("published", mirror), "published", f"normalised spec unavailable ({reason}); " \
                                                             "serving the published spec"
