"""OpenAPI 3.0 schemas as JSON Schema draft 7, and compiled validators that never fetch.

OpenAPI 3.0's ``nullable`` is not JSON Schema: ``{"type": "string", "nullable": true}``
means ``type: [string, null]``, and ``nullable`` without ``type`` adds nothing
(the schema already accepts any type). Validators that ignore this raise false
alarms on every ``null``; :func:`to_json_schema` converts it faithfully, so a
``null`` is only an error where the spec really forbids it.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs

from conformance.errors import SpecError
from conformance.oas.nullable import or_null
from conformance.oas.refs import MISSING, Resolver

JSON = Any
_DROP = {
    "example",
    "examples",
    "xml",
    "externalDocs",
    "discriminator",
    "deprecated",
    "readOnly",
    "writeOnly",
    "nullable",
    "title",
}


def _target(resolver: Resolver, ref: str, where: str) -> JSON:
    target, error = resolver.target(ref)
    if target is MISSING:
        if error == "external":
            raise SpecError(f"{where or 'spec'}: external $ref {ref!r} is not supported (expected '#/...')")
        raise SpecError(f"{where or 'spec'}: $ref {ref!r} points nowhere ({error})")
    return target


DRAFT7 = "http://json-schema.org/draft-07/schema#"


def compile_draft7(schema: JSON) -> Any:
    """A jsonschema-rs Draft 7 validator that never fetches: a ``$ref`` to a URL or a file fails to compile
    instead of making a request or reading the file (jsonschema-rs resolves both by default)."""
    return jsonschema_rs.Draft7Validator(schema, offline=True)


def compile_offline(schema: JSON) -> Any:
    """A jsonschema-rs validator for the draft ``$schema`` names (default 2020-12) that never fetches (see
    :func:`compile_draft7`): for schemas that arrive in requests."""
    return jsonschema_rs.validator_for(schema, offline=True)


class _Linker:
    """OpenAPI schemas to JSON Schema with local references kept: each target converted once, under
    ``definitions/ref<N>``. ``lenient``: a reference that is external or points nowhere becomes ``{}``
    (accept anything there) instead of a :class:`SpecError`."""

    def __init__(self, spec: JSON, where: str, *, lenient: bool = False) -> None:
        self.spec = spec
        self.resolver = Resolver(spec)
        self.where = where
        self.lenient = lenient
        self.names: dict[str, str] = {}
        self.pending: list[str] = []
        self.definitions: dict[str, JSON] = {}

    def _link(self, ref: str) -> JSON:
        if ref not in self.names:
            try:
                _target(self.resolver, ref, self.where)
            except SpecError:
                if self.lenient:
                    return {}
                raise
            self.names[ref] = f"ref{len(self.names)}"
            self.pending.append(ref)
        return {"$ref": f"#/definitions/{self.names[ref]}"}

    def convert(self, schema: JSON) -> JSON:
        node = to_json_schema(schema)
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            return self._link(node["$ref"])
        stack = [node]
        while stack:
            item = stack.pop()
            entries = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
            for key, value in list(entries):
                if isinstance(value, dict) and isinstance(value.get("$ref"), str):
                    item[key] = self._link(value["$ref"])
                elif isinstance(value, dict | list):
                    stack.append(value)
        return node

    def finish(self) -> dict[str, JSON]:
        """Convert every target referred to so far (and those they refer to); the ``definitions``."""
        while self.pending:
            ref = self.pending.pop()
            self.definitions[self.names[ref]] = self.convert(_target(self.resolver, ref, self.where))
        return self.definitions


def linked_json_schema(schema: JSON, spec: JSON, *, where: str = "") -> JSON:
    """:func:`to_json_schema` of ``schema`` with its local references kept as references.

    Every target is converted once into ``definitions`` (under a generated
    name) and each ``$ref`` points there, so a recursive schema compiles and a
    graph of references costs what the spec costs, not what it would cost inlined.
    """
    linker = _Linker(spec, where)
    root = linker.convert(schema)
    definitions = linker.finish()
    if not definitions:
        return root
    if isinstance(root, dict) and "definitions" not in root:
        return {**root, "definitions": definitions}
    return {"allOf": [root], "definitions": definitions}


def schema_for_instance(spec: JSON, schema: JSON, instance: JSON) -> JSON:
    """The part of an OpenAPI ``schema`` that validating ``instance`` can reach, with references inlined there.

    Validating one value (an ``example``) against a schema whose references
    lead through thousands of components must not cost the whole graph: only
    the members, items and branches the instance has are followed; every other
    subschema becomes ``{}``. The result validates ``instance`` exactly as the
    full schema does (array items become a per-position ``items`` list and
    members matched by ``additionalProperties`` get their own entries), so the
    work is bounded by the instance times the schema's own size. References
    that are external, point nowhere or loop without descending into the
    instance accept anything there (lint reports them on their own).
    """
    memo: dict[tuple[int, int], JSON] = {}
    resolver = Resolver(spec)

    def prune(node: JSON, value: JSON, stack: frozenset[tuple[str, int]]) -> JSON:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            key = (ref, id(value))
            if key in stack or not ref.startswith("#"):
                return {}
            target, _ = resolver.target(ref)
            if target is MISSING:
                return {}
            return prune(target, value, stack | {key})
        memo_key = (id(node), id(value))
        if memo_key in memo:
            return memo[memo_key]
        out: dict[str, Any] = {}
        props = node.get("properties")
        for key, sub in node.items():
            if key == "properties" and isinstance(sub, dict):
                members = value if isinstance(value, dict) else {}
                out[key] = {name: prune(s, members[name], stack) if name in members else {} for name, s in sub.items()}
            elif key == "additionalProperties" and isinstance(sub, dict):
                out[key] = {}  # the members it matches get their own entries below
            elif key == "items" and isinstance(sub, dict):
                # one schema per position (draft 7's tuple form needs at least one)
                out[key] = [prune(sub, item, stack) for item in value] if isinstance(value, list) and value else {}
            elif key in ("allOf", "anyOf", "oneOf") and isinstance(sub, list):
                out[key] = [prune(branch, value, stack) for branch in sub]
            elif key == "not" and isinstance(sub, dict):
                out[key] = prune(sub, value, stack)
            else:
                out[key] = sub
        extra_schema = node.get("additionalProperties")
        if isinstance(extra_schema, dict) and isinstance(value, dict):
            declared = props if isinstance(props, dict) else {}
            extra = [name for name in value if name not in declared]
            if extra:
                out["properties"] = {
                    **out.get("properties", {}),
                    **{name: prune(extra_schema, value[name], stack) for name in extra},
                }
        memo[memo_key] = out
        return out

    return prune(schema, instance, frozenset())


def to_json_schema(schema: JSON) -> JSON:
    """Convert an OpenAPI 3.0 schema object (refs already inlined) to JSON Schema draft 7."""
    if isinstance(schema, list):
        return [to_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROP or key.startswith("x-"):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = to_json_schema(value)
        elif key in ("oneOf", "anyOf", "allOf", "items") and isinstance(value, list):
            # (items as a list: the per-position form schema_for_instance makes)
            out[key] = [to_json_schema(s) for s in value]
        elif key == "exclusiveMinimum" and isinstance(value, bool):
            if value and "minimum" in schema:
                out["exclusiveMinimum"] = schema["minimum"]
        elif key == "exclusiveMaximum" and isinstance(value, bool):
            if value and "maximum" in schema:
                out["exclusiveMaximum"] = schema["maximum"]
        elif key in ("minimum", "maximum") and schema.get("exclusive" + key[:1].upper() + key[1:] + "imum") is True:
            continue
        else:
            out[key] = copy.deepcopy(value)
    if schema.get("exclusiveMinimum") is True:
        out.pop("minimum", None)
    if schema.get("exclusiveMaximum") is True:
        out.pop("maximum", None)
    if schema.get("nullable") is True and "allOf" in out:
        # `nullable` beside `allOf: [$ref]` means "this schema, or null" (the usual OpenAPI 3.0 idiom)
        return or_null(out)
    if schema.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        for combo in ("oneOf", "anyOf"):
            if combo in out:
                out[combo] = [*out[combo], {"type": "null"}]
    return out
