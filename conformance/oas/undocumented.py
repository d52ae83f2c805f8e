"""Members an instance carries that its schema does not declare (undocumented, not forbidden)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.oas.jsonschema import compile_draft7, to_json_schema
from conformance.oas.merge import merge_all_of
from conformance.oas.pointer import join_pointer

JSON = Any


def undocumented_fields(schema: JSON, instance: JSON, path: str = "") -> Iterator[str]:
    """JSON pointers of object members in ``instance`` that ``schema`` (OAS, refs inlined) does not declare.

    Only where the schema lists ``properties`` and says nothing about
    ``additionalProperties`` (which OpenAPI allows by default): that is where a
    field is undocumented rather than forbidden or free-form. For ``oneOf`` and
    ``anyOf`` the first branch that validates (else the one with most matching
    properties) is followed.
    """
    if not isinstance(schema, dict):
        return
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list) and branches:
        chosen = _best_branch(branches, instance)
        if chosen is not None:
            yield from undocumented_fields(chosen, instance, path)
        return
    if isinstance(instance, dict):
        merged = merge_all_of(schema) if isinstance(schema.get("allOf"), list) else schema
        props: dict[str, Any] = dict(merged.get("properties") or {})
        declares = bool(props) and "additionalProperties" not in schema
        for key, value in instance.items():
            child = join_pointer(key)
            if key in props:
                yield from undocumented_fields(props[key], value, path + child)
            elif declares:
                yield path + child
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(instance):
            yield from undocumented_fields(schema["items"], item, f"{path}/{index}")


def _best_branch(branches: list[Any], instance: JSON) -> Any:
    scored: list[tuple[int, int, Any]] = []
    for order, branch in enumerate(branches):
        if not isinstance(branch, dict):
            continue
        try:
            ok = compile_draft7(to_json_schema(branch)).is_valid(instance)
        except Exception:  # a branch we cannot compile is simply not chosen
            ok = False
        overlap = len(set(branch.get("properties") or {}) & set(instance)) if isinstance(instance, dict) else 0
        scored.append((1 if ok else 0, overlap, -order))
    if not scored:
        return None
    best = max(range(len(scored)), key=lambda i: scored[i])
    return [b for b in branches if isinstance(b, dict)][best]
