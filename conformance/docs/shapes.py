"""Recognise well-known API response shapes, so a finding can say what an example really is.

A chat-completions page that shows an image-generation result fails its schema
in several places; "this is an image-generation result" tells the reader why in
one phrase.
"""

from __future__ import annotations

from typing import Any

__all__ = ["known_shape"]


def _items(value: Any, key: str) -> list[dict[str, Any]]:
    items = value.get(key) if isinstance(value, dict) else None
    if not isinstance(items, list) or not items:
        return []
    return [item for item in items if isinstance(item, dict)]


def known_shape(value: Any) -> tuple[str, str] | None:
    """``(object value it stands for, description)`` for a recognised response shape, else None."""
    if not isinstance(value, dict):
        return None
    obj = value.get("object")
    data = _items(value, "data")
    if obj == "chat.completion" or (
        obj is None and _items(value, "choices") and all("message" in c for c in _items(value, "choices"))
    ):
        return "chat.completion", 'a chat completion (object "chat.completion", choices[].message)'
    if obj == "chat.completion.chunk":
        return "chat.completion.chunk", 'a chat completion stream chunk (object "chat.completion.chunk")'
    if obj == "response" or (obj is None and isinstance(value.get("output"), list) and "created_at" in value):
        return "response", 'a Responses API object (object "response", output[])'
    if data and all("embedding" in item for item in data) and obj in ("list", None):
        return "list", 'an embeddings list (object "list", data[].embedding)'
    if data and all(("url" in item or "b64_json" in item) for item in data) and obj in ("image", "list", None):
        field = "url" if all("url" in item for item in data) else "b64_json"
        shown = f'object "{obj}", ' if obj else ""
        return str(obj or "image"), f"an image-generation result ({shown}data[].{field})"
    error = value.get("error")
    if isinstance(error, dict) and "message" in error and len(value) <= 2:
        return "error", "an error response (error.message)"
    return None
