"""The one ``$ref`` resolver: local references followed, every failure returned as a value.

:meth:`Resolver.resolve` follows a chain of references from a node and never
raises: a reference that points nowhere, one that is external (anything not
``#/...``) and one that leads back to itself come back as a :class:`RefProblem`
(``kind`` ``missing``, ``external`` or ``cycle``) inside the :class:`Resolved`.
Each stage decides what a problem means for it (lint and drift report it, the
mock and the suite refuse the spec with :meth:`RefProblem.error`, the
generator and the docs check accept anything there). :meth:`Resolver.deref`
inlines every reference below a node, :func:`inlined_size` says what that
would cost first.
"""

from __future__ import annotations

from typing import Any

import attrs

from conformance.errors import SpecError
from conformance.oas.pointer import pointer_unescape

JSON = Any
MISSING: Any = object()
SCHEMA_PREFIX = "#/components/schemas/"


@attrs.frozen
class RefProblem:
    """A ``$ref`` that cannot be followed: where it is, what it says and why it fails."""

    ref: str
    pointer: str  # JSON pointer of the node holding the $ref
    kind: str  # "missing" | "cycle" | "external"
    detail: str
    hint: str = ""
    #: where the reference sits, independent of the order of set-like lists (``oneOf``, ``parameters``...):
    #: positions there are replaced by the element's content, so a reordered spec has the same sites
    site: str = ""
    #: for a cycle: the references followed, in order, before one came back (``ref`` is the one that did)
    chain: tuple[str, ...] = ()

    def error(self, where: str = "") -> SpecError:
        """The problem as the :class:`SpecError` a stage that cannot go on raises."""
        hint = self.hint or (
            "bundle the spec first: only references inside the document ('#/...') are followed"
            if self.kind == "external"
            else None
        )
        return SpecError(f"{where or self.pointer or 'spec'}: {self.detail}", hint=hint)


@attrs.frozen
class Resolved:
    """Where a chain of references ends."""

    node: JSON  # the target (or the unresolved ref node when ``problem`` is set)
    pointer: str  # JSON pointer of the target
    problem: RefProblem | None = None
    name: str | None = None  # components/schemas name when reached through such a ref
    #: keywords written beside the ``$ref`` along the chain (the nearest wins), for readers that honour them
    siblings: dict[str, Any] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def with_siblings(self) -> JSON:
        """The target with the keywords written beside its references laid over it."""
        if self.siblings and isinstance(self.node, dict):
            return {**self.node, **self.siblings}
        return self.node


def is_ref(node: JSON) -> bool:
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


def schema_name(ref: str) -> str | None:
    """``Name`` for ``#/components/schemas/Name``, else ``None``."""
    if ref.startswith(SCHEMA_PREFIX) and ref.count("/") == 3:
        return pointer_unescape(ref.rsplit("/", 1)[1])
    return None


class Resolver:
    """Follows the local references of one document; targets (and where a bare reference's chain ends) are
    looked up once each, so the document must not change while the resolver is in use."""

    def __init__(self, spec: JSON) -> None:
        self.spec = spec
        self._targets: dict[str, tuple[JSON, str | None]] = {}
        self._ends: dict[str, Resolved] = {}

    def target(self, ref: str) -> tuple[JSON, str | None]:
        """``(node, None)`` for a reference that resolves, else ``(MISSING, why)`` (``"external"`` for one
        outside the document)."""
        cached = self._targets.get(ref)
        if cached is not None:
            return cached
        result: tuple[JSON, str | None]
        if not ref.startswith("#"):
            result = (MISSING, "external")
        else:
            node: JSON = self.spec
            text = ref[1:]
            error: str | None = None
            walked = "#"
            for raw in text.split("/")[1:] if text else []:
                token = pointer_unescape(raw)
                if isinstance(node, dict) and token in node:
                    node = node[token]
                elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                    node = node[int(token)]
                else:
                    error = f"no key {token!r} under {walked}"
                    break
                walked += "/" + raw
            result = (MISSING, error) if error else (node, None)
        self._targets[ref] = result
        return result

    def resolve(self, node: JSON, pointer: str = "") -> Resolved:
        """Follow ``$ref`` (chains too) from ``node`` at ``pointer``; never raises."""
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return Resolved(node, pointer)
        bare = len(node) == 1  # a reference alone ends where its target's chain ends, wherever it is written
        if bare:
            known = self._ends.get(node["$ref"])
            if known is not None:
                return known
        found = self._follow_chain(node, pointer)
        if bare and found.problem is None:
            self._ends[node["$ref"]] = found
        return found

    def _follow_chain(self, node: dict[str, Any], pointer: str) -> Resolved:
        name: str | None = None
        seen: list[str] = []
        here = pointer
        siblings: dict[str, Any] = {}
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            if len(node) > 1:
                siblings = {**{k: v for k, v in node.items() if k != "$ref"}, **siblings}
            if ref in seen:
                chain = " -> ".join([*seen, ref])
                problem = RefProblem(ref, pointer, "cycle", f"$ref cycle: {chain}", chain=tuple(seen))
                return Resolved(node, here, problem)
            seen.append(ref)
            target, error = self.target(ref)
            if target is MISSING:
                if error == "external":
                    detail = f"external $ref {ref!r} is not supported (expected '#/...')"
                    return Resolved(node, here, RefProblem(ref, here, "external", detail))
                detail = f"$ref {ref!r} points nowhere ({error})"
                return Resolved(node, here, RefProblem(ref, here, "missing", detail))
            name = schema_name(ref) or name
            node, here = target, ref[1:]
        return Resolved(node, here, None, name, siblings)

    def follow(self, node: JSON, where: str = "") -> JSON:
        """The target of ``node``'s chain of references; a :class:`SpecError` for a broken one."""
        res = self.resolve(node, where)
        if res.problem is not None:
            raise res.problem.error(where)
        return res.node

    def follow_or(self, node: JSON, default: JSON = None) -> JSON:
        """The target of ``node``'s chain of references, ``default`` for a broken one."""
        res = self.resolve(node)
        return default if res.problem is not None else res.node

    def deref(self, node: JSON, *, where: str = "", keep_cycles: bool = False) -> JSON:
        """``node`` with every local ``$ref`` inlined; a broken one is a :class:`SpecError`.

        A reference that leads back to itself is a :class:`SpecError` naming the
        chain, or with ``keep_cycles`` stays a ``$ref`` (a recursive schema is
        legal OpenAPI). Each target is inlined once and shared by every place that
        refers to it, so memory stays linear in the spec; treat the result as
        read-only. Keywords beside a ``$ref`` are dropped (OpenAPI 3.0 ignores them).
        """
        done: dict[str, JSON] = {}
        place = where or "spec"

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
                        raise SpecError(f"{place}: $ref cycle: {chain}")
                    target, error = self.target(ref)
                    if target is MISSING:
                        if error == "external":
                            raise SpecError(f"{place}: external $ref {ref!r} is not supported (expected '#/...')")
                        raise SpecError(f"{place}: $ref {ref!r} points nowhere ({error})")
                    # a back reference kept as ``$ref`` means the same wherever the result is used: share it
                    result = done[ref] = walk(target, (*stack, ref))
                    return result
                return {k: walk(v, stack) for k, v in item.items()}
            if isinstance(item, list):
                return [walk(v, stack) for v in item]
            return item

        return walk(node, ())


_SHARED: dict[int, Resolver] = {}
_SHARED_MAX = 8


def shared_resolver(spec: JSON) -> Resolver:
    """A :class:`Resolver` for ``spec`` that lives on between calls (its lookups cached), for readers that are
    made anew for each value, such as the mock's generator; the last few specs are kept."""
    found = _SHARED.get(id(spec))
    if found is not None and found.spec is spec:
        return found
    if len(_SHARED) >= _SHARED_MAX:
        _SHARED.pop(next(iter(_SHARED)))
    made = _SHARED[id(spec)] = Resolver(spec)
    return made


def deref(spec: JSON, node: JSON, *, where: str = "", keep_cycles: bool = False) -> JSON:
    """:meth:`Resolver.deref` against ``spec``."""
    return Resolver(spec).deref(node, where=where, keep_cycles=keep_cycles)


# a schema whose local references, inlined, would exceed this many nodes (or that refers to itself) is kept
# with its references as references: inlining a graph of refs can grow exponentially (31 components each
# referring twice to the next inline to 2**31 nodes)
MAX_INLINE_NODES = 50_000
# nor one that nests references deeper than this (every walker of an inlined schema recurses)
MAX_INLINE_REF_DEPTH = 24


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
    resolver = Resolver(spec)
    sizes: dict[str, int] = {}
    depths: dict[str, int] = {}
    local: dict[str, tuple[int, list[str]]] = {}
    on_stack: set[str] = set()

    def explore(ref: str) -> list[str]:
        if ref not in local:
            target, _ = resolver.target(ref)
            local[ref] = _refs_below({} if target is MISSING else target)
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
