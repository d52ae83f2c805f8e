"""One loaded spec, indexed for diffing: ``$ref`` resolution and canonical fingerprints.

A fingerprint is a hash of a node's *meaning*: ``$ref``s are followed, object
key order and the order of set-like lists (``enum``, ``required``, ``type``,
``oneOf``/``anyOf``/``allOf``, ``security``, ``tags``) are ignored. Each node
gets two: the *contract* fingerprint leaves out documentation (descriptions,
summaries, titles, examples, ``x-`` extensions such as ``x-codeSamples``); the
*full* one includes it. Equal full fingerprints mean "skip this subtree";
equal contract fingerprints mean "only the docs changed". Fingerprints are
memoised by node identity, so a spec is hashed once however often it is
compared and nothing is ever deep-copied.

A ``$ref`` that points nowhere, or a chain of ``$ref``s that loops without
reaching a schema, is remembered as a :class:`RefProblem` and fingerprinted as
an opaque marker: the rest of the document still compares.
"""

from __future__ import annotations

from typing import Any

import attrs

from conformance.oas import merge_all_of, pointer_escape, pointer_unescape
from conformance.oas.refs import MISSING, Resolved, Resolver
from conformance.oas.refs import RefProblem as RefProblem

JSON = Any

DOC_KEYS = frozenset({"description", "summary", "title", "example", "examples", "externalDocs"})
DATA_KEYS = frozenset({"enum", "default", "const", "example", "examples"})
SET_KEYS = frozenset({"enum", "required", "type", "oneOf", "anyOf", "allOf", "tags", "security"})
#: lists whose order carries no meaning for where something sits in them
UNORDERED_LISTS = SET_KEYS | {"parameters", "servers"}
#: keys whose value is a map from *names* to objects (a property named "description" is not a doc key)
NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "paths",
        "responses",
        "content",
        "headers",
        "schemas",
        "securitySchemes",
        "requestBodies",
        "encoding",
        "links",
        "callbacks",
        "variables",
        "definitions",
        "mapping",
        "scopes",
    }
)


#: JSON Schema annotations that change nothing a client sees
ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "xml"})


def is_doc_key(key: str) -> bool:
    return key in DOC_KEYS or key in ANNOTATIONS or key.startswith("x-")


def _data_hash(value: JSON) -> int:
    if isinstance(value, dict):
        return hash(frozenset((k, _data_hash(v)) for k, v in value.items()))
    if isinstance(value, list):
        return hash(tuple(_data_hash(v) for v in value))
    return hash((type(value).__name__, value))


def _set_hash(value: JSON) -> int:
    if isinstance(value, list):
        return hash(tuple(sorted(_data_hash(v) for v in value)))
    return _data_hash(value)


class SpecIndex:
    """A parsed spec with memoised ``$ref`` resolution and fingerprints (see the module docstring)."""

    def __init__(self, spec: dict[str, Any], label: str = "spec") -> None:
        self.spec = spec
        self.label = label
        self.resolver = Resolver(spec)
        self._memo: dict[int, tuple[int, int]] = {}
        self._keep: list[JSON] = []  # objects made here (merged allOf) stay alive so their ids stay unique
        self._active: set[int] = set()
        self._cuts = 0
        self._merged: dict[int, dict[str, Any]] = {}
        self._views: dict[int, dict[str, Any]] = {}
        self._reachable: list[RefProblem] | None = None
        self._used: set[str] = set()
        self.problems: dict[str, RefProblem] = {}

    # -- references ------------------------------------------------------------------------
    def _target(self, ref: str) -> tuple[JSON, str | None]:
        return self.resolver.target(ref)

    def resolve(self, node: JSON, pointer: str, *, record: bool = True) -> Resolved:
        """Follow ``$ref`` (chains too) from ``node``; never raises. Problems are recorded when ``record``."""
        res = self.resolver.resolve(node, pointer)
        problem = res.problem
        if problem is None:
            return res
        if problem.kind == "external":
            detail = f"$ref {problem.ref!r} is external; only '#/...' references are supported"
            problem = attrs.evolve(problem, detail=detail)
        elif problem.kind == "missing":
            problem = attrs.evolve(problem, hint=self._relative_hint(problem.ref, problem.pointer))
        return attrs.evolve(res, problem=self._problem(problem) if record else problem)

    def _problem(self, problem: RefProblem) -> RefProblem:
        return self.problems.setdefault(f"{problem.kind}\x1f{problem.ref}\x1f{problem.pointer}", problem)

    def _relative_hint(self, ref: str, pointer: str) -> str:
        """A ref written relative to its enclosing schema (JSON Schema style) gets a precise hint."""
        marker = "/schema/"
        cut = pointer.rfind(marker)
        while cut != -1:
            base = pointer[: cut + len(marker) - 1]
            target, error = self._target("#" + base + ref[1:])
            if target is not MISSING and error is None:
                return (
                    f"it resolves if read relative to the enclosing schema at {base} (a JSON Schema "
                    "document-relative reference); OpenAPI resolves '#' against the whole document"
                )
            cut = pointer.rfind(marker, 0, cut)
        return ""

    def reachable_problems(self) -> list[RefProblem]:
        """Every broken ``$ref`` an operation can reach (each node walked once; never raises).

        Each problem carries its :attr:`RefProblem.site`: the pointer with the index of every element
        of an unordered list (``oneOf``/``anyOf``/``allOf``/``parameters``...) replaced by that
        element's identity, so that reordering alternatives does not move a problem.
        """
        if self._reachable is not None:
            return self._reachable
        found: dict[tuple[str, str, str], RefProblem] = {}
        seen: set[int] = set()
        stack: list[tuple[JSON, str, str]] = [(self.spec.get("paths"), "/paths", "/paths")]
        while stack:
            node, pointer, site = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    if ref.startswith("#/components/schemas/") and ref.count("/") == 3:
                        self._used.add(pointer_unescape(ref.rsplit("/", 1)[1]))
                    res = self.resolve(node, pointer)
                    if res.problem is not None:
                        problem = attrs.evolve(res.problem, site=site)
                        found.setdefault((problem.kind, problem.ref, site), problem)
                    elif id(res.node) not in seen:
                        if res.name is not None:
                            self._used.add(res.name)
                        seen.add(id(res.node))
                        stack.append((res.node, res.pointer, res.pointer))
                    continue
                for key, value in node.items():
                    if isinstance(value, (dict, list)) and not is_doc_key(key) and key not in DATA_KEYS:
                        token = "/" + pointer_escape(key)
                        stack.append((value, pointer + token, site + token))
            elif isinstance(node, list):
                unordered = pointer.rsplit("/", 1)[-1] in UNORDERED_LISTS
                for index, value in enumerate(node):
                    if isinstance(value, (dict, list)):
                        token = self._element_token(value) if unordered else str(index)
                        stack.append((value, f"{pointer}/{index}", f"{site}/{token}"))
        self._reachable = sorted(found.values(), key=lambda p: (p.pointer, p.ref))
        return self._reachable

    def used_schemas(self) -> set[str]:
        """Names of the ``components/schemas`` an operation reaches (through any chain of references)."""
        self.reachable_problems()
        return self._used

    def _element_token(self, value: JSON) -> str:
        """An unordered list element named by what it is: ``in:name`` for a parameter, else its contract hash."""
        node = self.resolve(value, "", record=False).node
        if isinstance(node, dict) and isinstance(node.get("name"), str) and isinstance(node.get("in"), str):
            return f"{node['in']}:{node['name']}"
        return f"~{self.fp(value)[0] & 0xFFFFFFFFFFFF:x}"

    # -- allOf -----------------------------------------------------------------------------
    def merged(self, node: dict[str, Any], pointer: str) -> dict[str, Any]:
        """``node`` with ``allOf`` parts folded in (:func:`conformance.oas.merge_all_of`); cached by identity."""
        cached = self._merged.get(id(node))
        if cached is not None:
            return cached
        if not isinstance(node.get("allOf"), list):
            return node

        def follow(part: JSON) -> JSON:
            res = self.resolve(part, pointer + "/allOf", record=False)
            return None if res.problem is not None else res.node

        out = merge_all_of(node, follow)
        self._merged[id(node)] = out
        self._keep.append(out)
        return out

    def view(self, node: dict[str, Any], pointer: str) -> dict[str, Any]:
        """The schema as compared: ``allOf`` folded, nested ``anyOf``/``oneOf`` flattened, and the
        ``anyOf: [X, {type: null}]`` spelling of nullability turned into ``X`` + ``nullable: true``."""
        key = id(node)
        cached = self._views.get(key)
        if cached is not None:
            return cached
        out = self.merged(node, pointer)
        for kw in ("oneOf", "anyOf"):
            variants = out.get(kw)
            if not isinstance(variants, list):
                continue
            flat, nullable = self._flatten(variants, kw, pointer, 0)
            if not nullable and len(flat) == len(variants) and all(a is b for a, b in zip(flat, variants, strict=True)):
                break
            rest = {k: v for k, v in out.items() if k != kw}
            if len(flat) == 1:
                inner = self.resolve(flat[0], pointer, record=False).node
                if isinstance(inner, dict) and not isinstance(inner.get("$ref"), str):
                    inner = self.view(inner, pointer)
                    rest = {
                        **{k: v for k, v in rest.items() if is_doc_key(k) or k not in inner},
                        **{k: v for k, v in inner.items() if not (is_doc_key(k) and k in rest)},
                    }
                else:
                    rest[kw] = flat
            else:
                rest[kw] = flat
            if nullable:
                rest["nullable"] = True
            out = rest
            break
        if out is not node:
            self._keep.append(out)
        self._views[key] = out
        return out

    def _flatten(self, variants: list[Any], kw: str, pointer: str, depth: int) -> tuple[list[Any], bool]:
        flat: list[Any] = []
        nullable = False
        for raw in variants:
            sub = self.resolve(raw, pointer, record=False).node
            if isinstance(sub, dict):
                contract = {k for k in sub if not is_doc_key(k)}
                if contract == {"type"} and sub.get("type") == "null":
                    nullable = True
                    continue
                if contract == {kw} and isinstance(sub.get(kw), list) and depth < 8:
                    inner, inner_null = self._flatten(sub[kw], kw, pointer, depth + 1)
                    flat += inner
                    nullable = nullable or inner_null
                    continue
            flat.append(raw)
        return flat, nullable

    # -- fingerprints ----------------------------------------------------------------------
    def fp(self, node: JSON) -> tuple[int, int]:
        """(contract, full) fingerprints of ``node`` (refs followed)."""
        return self._fp(node, False)

    def _fp(self, node: JSON, names: bool) -> tuple[int, int]:
        if isinstance(node, dict):
            key = id(node) * 2 + names
            memo = self._memo.get(key)
            if memo is not None:
                return memo
            cuts = self._cuts
            result = self._fp_dict(node, names)
            if self._cuts == cuts:
                self._memo[key] = result
            return result
        if isinstance(node, list):
            items = [self._fp(v, False) for v in node]
            return hash(tuple(c for c, _ in items)), hash(tuple(f for _, f in items))
        h = hash((type(node).__name__, node))
        return h, h

    def _fp_dict(self, node: dict[str, Any], names: bool) -> tuple[int, int]:
        if not names:
            ref = node.get("$ref")
            if isinstance(ref, str):
                res = self.resolve(node, "", record=False)
                if res.problem is not None:
                    h = hash(("unresolved", res.problem.kind, ref))
                    return h, h
                target = res.node
                if isinstance(target, dict):
                    if id(target) in self._active:
                        self._cuts += 1
                        h = hash(("recursion", ref))
                        return h, h
                    self._active.add(id(target))
                    try:
                        return self._fp(target, False)
                    finally:
                        self._active.discard(id(target))
                return self._fp(target, False)
        contract: list[tuple[str, int]] = []
        docs: list[tuple[str, int]] = []
        for key, value in node.items():
            if names:
                c, f = self._fp(value, False)
                contract.append((key, c))
                docs.append((key, f))
            elif is_doc_key(key):
                docs.append((key, _data_hash(value)))
            elif key in DATA_KEYS:
                h = _set_hash(value) if key == "enum" else _data_hash(value)
                contract.append((key, h))
            elif key in NAME_MAPS and isinstance(value, dict):
                c, f = self._fp(value, True)
                contract.append((key, c))
                docs.append((key, f))
            elif key in SET_KEYS and isinstance(value, list):
                items = [self._fp(v, False) for v in value]
                contract.append((key, hash(tuple(sorted(c for c, _ in items)))))
                docs.append((key, hash(tuple(sorted(f for _, f in items)))))
            else:
                c, f = self._fp(value, False)
                contract.append((key, c))
                if c != f:
                    docs.append((key, f))
        c_hash = hash(frozenset(contract))
        return c_hash, hash((c_hash, frozenset(docs)))
