"""OpenAPI 3.0 schemas as JSON Schema, compiled validators and undocumented-field detection.

OpenAPI 3.0's ``nullable`` is not JSON Schema: ``{"type": "string", "nullable": true}``
means ``type: [string, null]``, and ``nullable`` without ``type`` adds nothing
(the schema already accepts any type). Validators that ignore this raise false
alarms on every ``null``; :func:`to_json_schema` converts it faithfully, so a
``null`` is only an error where the spec really forbids it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import attrs
import jsonschema_rs

from conformance.errors import SpecError

JSON = Any
_DROP = {"example", "examples", "xml", "externalDocs", "discriminator", "deprecated", "readOnly", "writeOnly",
         "nullable", "title"}


def pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer_unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(*tokens: str | int) -> str:
    parts = [str(t) for t in tokens]
    joined = "/".join(parts)
    if "~" in joined or any("/" in p for p in parts):
        return "".join("/" + pointer_escape(p) for p in parts)
    return "/" + joined if parts else ""


def resolve_pointer(doc: JSON, pointer: str) -> JSON:
    """Resolve a JSON pointer (``/a/b`` or ``#/a/b``); raise ``KeyError`` naming the missing part."""
    node = doc
    text = pointer[1:] if pointer.startswith("#") else pointer
    if not text:
        return doc
    for raw in text.split("/")[1:]:
        token = pointer_unescape(raw)
        if isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise KeyError(f"{pointer}: no item {token!r}")
            node = node[int(token)]
        elif isinstance(node, dict):
            if token not in node:
                raise KeyError(f"{pointer}: no key {token!r}")
            node = node[token]
        else:
            raise KeyError(f"{pointer}: {token!r} inside a {type(node).__name__}")
    return node


def deref(spec: JSON, node: JSON, *, where: str = "", _stack: tuple[str, ...] = ()) -> JSON:
    """Return ``node`` with every local ``$ref`` inlined; a cycle or a missing target is a :class:`SpecError`."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#"):
                raise SpecError(f"{where or 'spec'}: external $ref {ref!r} is not supported (expected '#/...')")
            if ref in _stack:
                chain = " -> ".join((*_stack, ref))
                raise SpecError(f"{where or 'spec'}: $ref cycle: {chain}")
            try:
                target = resolve_pointer(spec, ref)
            except KeyError as exc:
                raise SpecError(f"{where or 'spec'}: $ref {ref!r} points nowhere ({exc.args[0]})") from None
            return deref(spec, target, where=where, _stack=(*_stack, ref))
        return {k: deref(spec, v, where=where, _stack=_stack) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(spec, v, where=where, _stack=_stack) for v in node]
    return node


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
        elif key in ("oneOf", "anyOf", "allOf") and isinstance(value, list):
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
        return {"anyOf": [out, {"type": "null"}]}
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


@attrs.frozen
class Violation:
    """One way an instance fails a schema: where in the instance, which schema keyword, what."""

    path: str  # JSON pointer into the instance
    schema_path: str
    message: str
    expected: str
    found: str
    found_class: str = ""  # JSON type of the offending value ("missing" for a missing member)

    @property
    def keyword(self) -> str:
        return self.schema_path.rsplit("/", 1)[-1]


def _describe(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 160 else text[:159] + "…"


class Validator:
    """A compiled validator for one OpenAPI 3.0 schema (jsonschema-rs), with full error paths."""

    def __init__(self, oas_schema: JSON, spec: JSON | None = None, *, where: str = "") -> None:
        resolved = deref(spec, oas_schema, where=where) if spec is not None else oas_schema
        self.oas_schema = resolved
        self.json_schema = to_json_schema(resolved)
        self._compiled = jsonschema_rs.Draft7Validator(self.json_schema)
        self._expected: dict[tuple[Any, ...], tuple[str, str, str]] = {}

    def is_valid(self, instance: JSON) -> bool:
        return bool(self._compiled.is_valid(instance))

    def violations(self, instance: JSON) -> list[Violation]:
        if self._compiled.is_valid(instance):
            return []
        out = [self._violation(error) for error in self._compiled.iter_errors(instance)]
        return sorted(out, key=lambda v: (v.path, v.schema_path))

    def leaves(self, instance: JSON) -> list[Violation]:
        """Like :meth:`violations`, with each failed ``anyOf``/``oneOf`` replaced by what its closest branch says.

        The closest branch is the one whose errors lie deepest in the instance (it matched the
        value's shape furthest), then the one with fewest errors. A combinator is kept as it is when
        even its closest branch fails at the combinator's own place (nothing more precise to say).
        So ``{"usage": {"total_tokens": "x"}}`` against a nullable ``Usage`` reports a type error at
        ``/usage/total_tokens``, not "not valid under any of the schemas" at ``/usage``.
        """
        if self._compiled.is_valid(instance):
            return []
        out: list[Violation] = []
        for error in self._compiled.iter_errors(instance):
            self._flatten(error, out, 0)
        unique = {(v.path, v.schema_path, v.message): v for v in out}
        return sorted(unique.values(), key=lambda v: (v.path, v.schema_path))

    def _flatten(self, error: Any, out: list[Violation], depth: int) -> None:
        branches = getattr(error.kind, "context", None)
        if depth < 16 and isinstance(branches, list) and branches:
            here = len(error.instance_path)

            def score(branch: list[Any]) -> tuple[int, int]:
                if not branch:
                    return (10**6, 0)
                return (min(len(e.instance_path) for e in branch), -len(branch))

            best = max(branches, key=score)
            if best and score(best)[0] > here:
                for sub in best:
                    self._flatten(sub, out, depth + 1)
                return
        out.append(self._violation(error))

    def _violation(self, error: Any) -> Violation:
        ipath = join_pointer(*error.instance_path)
        schema_path = tuple(error.schema_path)
        cached = self._expected.get(schema_path)
        if cached is None:
            keyword = str(schema_path[-1]) if schema_path else ""
            fragment = _schema_fragment(self.json_schema, list(schema_path))
            cached = self._expected[schema_path] = (join_pointer(*schema_path), keyword,
                                                    _expected_text(keyword, fragment))
        spath, keyword, expected = cached
        missing = getattr(error.kind, "property", None) if keyword == "required" else None
        if isinstance(missing, str):
            # a missing member is reported where it should be, not at its parent
            return Violation(ipath + join_pointer(missing), spath, str(error.message),
                             f"required member {missing!r}", "missing", "missing")
        return Violation(ipath, spath, str(error.message), expected, _describe(error.instance),
                         value_class(error.instance))


def value_class(value: Any) -> str:
    """The JSON type of a value, as named in a finding's kind: null, boolean, integer, number, string, array, object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _schema_fragment(schema: JSON, path: list[Any]) -> JSON:
    node = schema
    for token in path:
        try:
            node = node[token] if not isinstance(node, list) else node[int(token)]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return node


def _expected_text(keyword: str, fragment: JSON) -> str:
    if keyword in ("type", "enum", "const", "required", "minimum", "maximum", "minItems", "maxItems",
                   "pattern", "format", "additionalProperties", "minLength", "maxLength"):
        return f"{keyword}: {_describe(fragment)}"
    if keyword in ("oneOf", "anyOf"):
        return f"{keyword} of {len(fragment) if isinstance(fragment, list) else '?'} schemas"
    return keyword


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
        props: dict[str, Any] = dict(schema.get("properties") or {})
        for sub in schema.get("allOf", []) or []:
            if isinstance(sub, dict):
                props.update(sub.get("properties") or {})
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
            ok = jsonschema_rs.Draft7Validator(to_json_schema(branch)).is_valid(instance)
        except Exception:  # a branch we cannot compile is simply not chosen
            ok = False
        overlap = len(set(branch.get("properties") or {}) & set(instance)) if isinstance(instance, dict) else 0
        scored.append((1 if ok else 0, overlap, -order))
    if not scored:
        return None
    best = max(range(len(scored)), key=lambda i: scored[i])
    return [b for b in branches if isinstance(b, dict)][best]
