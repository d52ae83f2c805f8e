"""The OpenAPI 3.0 "nullable reference": ``{allOf: [{$ref: X}], nullable: true}``.

OpenAPI 3.0 ignores keywords beside a ``$ref``, so a reference that may be
``null`` is written as a one-member ``allOf`` with ``nullable`` beside it (what
openapi-python-client turns into ``Model | None``). Every reader that meets the
idiom asks this module about it.
"""

from __future__ import annotations

from typing import Any

JSON = Any


def wrapped_ref(schema: JSON) -> str | None:
    """The ``$ref`` of a one-member ``allOf: [{$ref}]`` (with or without ``nullable``), else ``None``."""
    if not isinstance(schema, dict):
        return None
    members = schema.get("allOf")
    if isinstance(members, list) and len(members) == 1 and isinstance(members[0], dict):
        ref = members[0].get("$ref")
        return ref if isinstance(ref, str) else None
    return None


def is_nullable_ref(schema: JSON) -> bool:
    """``{allOf: [{$ref}], ...}``: the idiom for a (nullable) reference, not a schema missing its ``type``."""
    return wrapped_ref(schema) is not None


def nullable_ref(ref: str, beside: dict[str, Any] | None = None) -> dict[str, Any]:
    """The idiom written out for ``ref`` (with keywords ``beside`` it, such as the site's description)."""
    return {"allOf": [{"$ref": ref}], "nullable": True, **(beside or {})}


def unwrap_single(schema: dict[str, Any]) -> dict[str, Any]:
    """A one-member ``allOf: [X]`` with keywords beside it, read as ``X`` with those keywords laid over
    (the same contract: what the idiom means once its reference is inlined); any other schema as it is."""
    members = schema.get("allOf")
    if isinstance(members, list) and len(members) == 1 and isinstance(members[0], dict):
        return {**members[0], **{k: v for k, v in schema.items() if k != "allOf"}}
    return schema


def or_null(converted: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema for "this, or null" around an already converted schema that has an ``allOf``."""
    return {"anyOf": [converted, {"type": "null"}]}
