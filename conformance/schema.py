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


# a schema whose local references, inlined, would exceed this many nodes (or that refers to itself) is kept
# with its references as references: inlining a graph of refs can grow exponentially (31 components each
# referring twice to the next inline to 2**31 nodes)
MAX_INLINE_NODES = 50_000
# nor one that nests references deeper than this (every walker of an inlined schema recurses)
MAX_INLINE_REF_DEPTH = 24


def _target(spec: JSON, ref: str, where: str) -> JSON:
    if not ref.startswith("#"):
        raise SpecError(f"{where or 'spec'}: external $ref {ref!r} is not supported (expected '#/...')")
    try:
        return resolve_pointer(spec, ref)
    except KeyError as exc:
        raise SpecError(f"{where or 'spec'}: $ref {ref!r} points nowhere ({exc.args[0]})") from None


def _refs_below(node: JSON) -> tuple[int, list[str]]:
    """(containers in ``node`` not counting what references point to, the local refs met, with repeats)."""
    count = 0
    refs: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                refs.append(ref)
                continue
            count += 1
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            count += 1
            stack.extend(v for v in item if isinstance(v, dict | list))
    return count, refs


def inlined_size(spec: JSON, node: JSON, limit: int = MAX_INLINE_NODES) -> int | None:
    """How many containers ``node`` has once its local references are inlined (capped at ``limit + 1``,
    which is also the answer when references nest deeper than :data:`MAX_INLINE_REF_DEPTH`); ``None`` when a
    reference leads back to itself (a recursive schema). Linear in the distinct nodes."""
    sizes: dict[str, int] = {}
    depths: dict[str, int] = {}
    local: dict[str, tuple[int, list[str]]] = {}
    on_stack: set[str] = set()

    def explore(ref: str) -> list[str]:
        if ref not in local:
            try:
                target = resolve_pointer(spec, ref) if ref.startswith("#") else {}
            except KeyError:
                target = {}
            local[ref] = _refs_below(target)
        return local[ref][1]

    top_count, top_refs = _refs_below(node)
    for start in top_refs:
        if start in sizes:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        on_stack.add(start)
        while work:
            ref, position = work[-1]
            kids = explore(ref)
            if position < len(kids):
                work[-1] = (ref, position + 1)
                child = kids[position]
                if child in on_stack:
                    return None
                if child not in sizes:
                    on_stack.add(child)
                    work.append((child, 0))
                continue
            work.pop()
            on_stack.discard(ref)
            sizes[ref] = min(limit + 1, local[ref][0] + sum(sizes[c] for c in kids))
            depths[ref] = 1 + max((depths[c] for c in kids), default=0)
    if max((depths[r] for r in top_refs), default=0) > MAX_INLINE_REF_DEPTH:
        return limit + 1
    return min(limit + 1, top_count + sum(sizes[r] for r in top_refs))


def deref(spec: JSON, node: JSON, *, where: str = "", keep_cycles: bool = False) -> JSON:
    """Return ``node`` with every local ``$ref`` inlined; a missing target is a :class:`SpecError`.

    A reference that leads back to itself is a :class:`SpecError` naming the
    chain, or with ``keep_cycles`` stays a ``$ref`` (a recursive schema is
    legal OpenAPI). Each target is inlined once and shared by every place that
    refers to it, so memory stays linear in the spec; treat the result as
    read-only.
    """
    done: dict[str, JSON] = {}

    def walk(item: JSON, stack: tuple[str, ...]) -> JSON:
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                if ref in done:
                    return done[ref]
                if ref in stack:
                    if keep_cycles:
                        return {"$ref": ref}
                    chain = " -> ".join((*stack, ref))
                    raise SpecError(f"{where or 'spec'}: $ref cycle: {chain}")
                # a back reference kept as ``$ref`` means the same wherever the result is used: share it
                result = done[ref] = walk(_target(spec, ref, where), (*stack, ref))
                return result
            return {k: walk(v, stack) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, stack) for v in item]
        return item

    return walk(node, ())


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
        self.where = where
        self.lenient = lenient
        self.names: dict[str, str] = {}
        self.pending: list[str] = []
        self.definitions: dict[str, JSON] = {}

    def _link(self, ref: str) -> JSON:
        if ref not in self.names:
            try:
                _target(self.spec, ref, self.where)
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
            self.definitions[self.names[ref]] = self.convert(_target(self.spec, ref, self.where))
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

    def prune(node: JSON, value: JSON, stack: frozenset[tuple[str, int]]) -> JSON:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            key = (ref, id(value))
            if key in stack or not ref.startswith("#"):
                return {}
            try:
                target = resolve_pointer(spec, ref)
            except KeyError:
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
        self._raw = oas_schema
        self._spec = spec
        self._where = where
        self._oas: JSON = None
        size = inlined_size(spec, oas_schema) if spec is not None else 0
        if spec is None:
            self._oas = oas_schema
            self.json_schema = to_json_schema(oas_schema)
        elif size is None or size > MAX_INLINE_NODES:
            # recursive, or too large to inline: keep the references (see MAX_INLINE_NODES)
            self.json_schema = linked_json_schema(oas_schema, spec, where=where)
        else:
            try:
                self._oas = deref(spec, oas_schema, where=where)
                self.json_schema = to_json_schema(self._oas)
            except RecursionError:  # a chain of references deeper than Python's stack: keep them
                self._oas = None
                self.json_schema = linked_json_schema(oas_schema, spec, where=where)
        self._compiled = compile_draft7(self.json_schema)
        self._expected: dict[tuple[Any, ...], tuple[str, str, str]] = {}

    @property
    def oas_schema(self) -> JSON:
        """The OpenAPI schema with references inlined (a recursive one keeps its back references as ``$ref``)."""
        if self._oas is None:
            try:
                self._oas = deref(self._spec, self._raw, where=self._where, keep_cycles=True)
            except RecursionError:  # a chain of references longer than Python's stack: keep them as they are
                self._oas = self._raw
        return self._oas

    def is_valid(self, instance: JSON) -> bool:
        return bool(self._compiled.is_valid(instance))

    def violations(self, instance: JSON, limit: int | None = None) -> list[Violation]:
        """Every way ``instance`` fails, sorted by place; with ``limit=1`` only the first one met.

        jsonschema-rs builds every error before yielding the first: an array of
        50,000 bad items costs seconds. ``limit=1`` stops at the first error
        (what a server answering a bad request needs); a larger ``limit`` caps
        what is described, not what is built.
        """
        if self._compiled.is_valid(instance):
            return []
        if limit == 1:
            try:
                self._compiled.validate(instance)
            except jsonschema_rs.ValidationError as first:
                return [self._violation(first)]
            return []
        out: list[Violation] = []
        for error in self._compiled.iter_errors(instance):
            if limit is not None and len(out) >= limit:
                break
            out.append(self._violation(error))
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
            cached = self._expected[schema_path] = (
                join_pointer(*schema_path),
                keyword,
                _expected_text(keyword, fragment),
            )
        spath, keyword, expected = cached
        missing = getattr(error.kind, "property", None) if keyword == "required" else None
        if isinstance(missing, str):
            # a missing member is reported where it should be, not at its parent
            return Violation(
                ipath + join_pointer(missing),
                spath,
                str(error.message),
                f"required member {missing!r}",
                "missing",
                "missing",
            )
        return Violation(
            ipath, spath, str(error.message), expected, _describe(error.instance), value_class(error.instance)
        )


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
    if keyword in (
        "type",
        "enum",
        "const",
        "required",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "pattern",
        "format",
        "additionalProperties",
        "minLength",
        "maxLength",
    ):
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
            ok = compile_draft7(to_json_schema(branch)).is_valid(instance)
        except Exception:  # a branch we cannot compile is simply not chosen
            ok = False
        overlap = len(set(branch.get("properties") or {}) & set(instance)) if isinstance(instance, dict) else 0
        scored.append((1 if ok else 0, overlap, -order))
    if not scored:
        return None
    best = max(range(len(scored)), key=lambda i: scored[i])
    return [b for b in branches if isinstance(b, dict)][best]
