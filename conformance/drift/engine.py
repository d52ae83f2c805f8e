"""The semantic diff: two specs in, classified drift findings out.

What is compared is what a client sees: operations (path + method), their
parameters, request bodies, responses, content types, authentication and the
server URLs, with every ``$ref`` followed. Component schemas that no operation
reaches are not compared (they cannot affect a client of these operations).

* Reordering never counts: object keys, and ``enum``/``required``/``type``/
  ``oneOf``/``anyOf``/``allOf`` lists, are compared as sets.
* ``oneOf``/``anyOf`` alternatives are matched by content, not by position:
  first identical contracts, then the same discriminating label (a property
  with a single allowed value such as ``role=user``, or the type), then the most
  similar property sets. A variant whose description or ``deprecated`` flag
  changed is the same variant, not a removed one.
* Documentation (descriptions, titles, examples, ``x-codeSamples``, any ``x-``
  extension) is compared separately and reported at info level, one finding per
  operation and kind.
* The same change under path aliases (``/v1/chat/completions`` and
  ``/chat/completions``) is one finding naming both locations.
* A broken ``$ref`` is a finding naming the reference; the rest still compares.

The work is split: :mod:`~conformance.drift.walk` (document, operations, parameters, bodies, responses),
:mod:`~conformance.drift.compare` (one schema pair: ``$ref``s, recursion, documentation-only changes),
:mod:`~conformance.drift.keywords` (type, enum, properties, bounds, defaults) and
:mod:`~conformance.drift.variants` (``oneOf``/``anyOf`` matching), all recording into a
:class:`~conformance.drift.context.Context`; :class:`Differ` here runs them and turns the changes into findings.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

import attrs

from conformance.drift import rules as R
from conformance.drift.canon import DOC_KEYS, SpecIndex
from conformance.drift.collapse import group_opened, raw_changes
from conformance.drift.compare import compare_schemas
from conformance.drift.context import HTTP_METHODS, JSON, At, Change, Context, _dict, alias_family
from conformance.drift.keywords import schema_shape
from conformance.drift.walk import compare_document, compare_operation, operations, removed_operation
from conformance.findings import Finding, Level, Rule, sort_findings
from conformance.locations import location_from_text
from conformance.oas import join_pointer, pointer_unescape


class Differ(Context):
    """Compare two indexed specs; :meth:`run` returns the findings."""

    def run(self) -> list[Finding]:
        findings: list[Finding] = []
        findings += self._to_findings(compare_document(self), [])
        findings += self._ref_findings()
        old_ops = operations(self.old.spec)
        new_ops = operations(self.new.spec)
        # operation pairs grouped: identical pairs within one alias family are diffed once
        groups: dict[tuple[Any, ...], list[tuple[str, str]]] = defaultdict(list)
        for key in sorted(set(old_ops) | set(new_ops)):
            method, path = key
            o = old_ops.get(key)
            n = new_ops.get(key)
            ofp = self.old.fp(o[0]) if o else None
            nfp = self.new.fp(n[0]) if n else None
            groups[(method, alias_family(path), ofp, nfp, o is None, n is None)].append(key)
        for (_method, _family, _ofp, _nfp, added, removed), keys in sorted(groups.items(), key=lambda kv: kv[1]):
            first = keys[0]
            locations = [f"{m.upper()} {p}" for m, p in keys]
            if added:
                changes = [Change(R.OPERATION_ADDED, "", "operation added", "added", direction=R.BOTH)]
            elif removed:
                changes = removed_operation(first, old_ops, new_ops)
            else:
                changes = compare_operation(self, first, old_ops[first], new_ops[first])
            findings += self._to_findings(changes, locations)
        findings += self._unused_schemas()
        return sort_findings(group_opened(_merge_aliases(findings)))

    def _unused_schemas(self) -> list[Finding]:
        """Component schemas no operation of either version uses: compared, every change at info level."""
        used = self.old.used_schemas() | self.new.used_schemas()
        old = _dict(_dict(self.old.spec.get("components")).get("schemas"))
        new = _dict(_dict(self.new.spec.get("components")).get("schemas"))
        out: list[Finding] = []
        for name in sorted((set(old) | set(new)) - used):
            pointer = join_pointer("components", "schemas", name)
            where = [f"schema {name}"]
            note = "unused component schema"
            if name not in new:
                change = Change(
                    R.UNUSED_SCHEMA_CHANGED,
                    "",
                    f"{note} {name!r} removed",
                    "removed",
                    spec_pointer=pointer,
                    direction=R.SPEC,
                    schema=name,
                )
                out += self._to_findings([change], where)
                continue
            if name not in old:
                shape = schema_shape(self.new, new[name])
                change = Change(
                    R.UNUSED_SCHEMA_CHANGED,
                    "",
                    f"{note} {name!r} added: {shape}",
                    "added",
                    spec_pointer=pointer,
                    direction=R.SPEC,
                    schema=name,
                    found=shape,
                )
                out += self._to_findings([change], where)
                continue
            texts = raw_changes(old[name], new[name], "")
            if not texts:
                continue  # same contract text (documentation aside)
            shown = "; ".join(texts[:3]) + (f"; and {len(texts) - 3} more" if len(texts) > 3 else "")
            digest = hashlib.sha256("\n".join(texts).encode())
            change = Change(
                R.UNUSED_SCHEMA_CHANGED,
                "",
                f"{note} {name!r} changed: {shown}",
                f"changed:{digest.hexdigest()[:12]}",
                spec_pointer=pointer,
                direction=R.SPEC,
                schema=name,
            )
            out += self._to_findings([change], where)
        return out

    def _ref_findings(self) -> list[Finding]:
        """Every broken reference an operation reaches, in the new spec (and fixed ones from the old)."""
        # keyed by site, not pointer: the same problem inside reordered alternatives is no change
        old = {(p.kind, p.ref, p.site): p for p in self.old.reachable_problems()}
        new = {(p.kind, p.ref, p.site): p for p in self.new.reachable_problems()}
        out: list[Finding] = []
        for key, problem in sorted(new.items()):
            if key in old:
                continue  # not a change: the old spec had the same broken reference at the same place
            rule = R.REF_CYCLE if problem.kind == "cycle" else R.REF_BROKEN
            location, pointer = _split_pointer(problem.pointer)
            out += self._ref_finding(
                rule,
                location,
                pointer,
                f"{problem.detail}; that part is compared as an opaque reference",
                f"{problem.kind}:{problem.ref}",
                None,
                problem.hint or None,
                problem.ref,
            )
        for key, problem in sorted(old.items()):
            if key in new:
                continue
            rule = R.REF_CYCLE if problem.kind == "cycle" else R.REF_BROKEN
            location, pointer = _split_pointer(problem.pointer)
            out += self._ref_finding(
                rule,
                location,
                pointer,
                f"fixed: in the old spec {problem.detail}",
                f"fixed-{problem.kind}:{problem.ref}",
                Level.INFO,
                None,
                problem.ref,
            )
        return out

    def _ref_finding(
        self,
        rule: Rule,
        location: str,
        pointer: str,
        message: str,
        key: str,
        level: Level | None,
        hint: str | None,
        ref: str,
    ) -> list[Finding]:
        change = Change(
            rule, pointer, message, key, found=ref, level=level, spec_pointer=pointer, hint=hint, direction=R.SPEC
        )
        return self._to_findings([change], [location] if location != "spec" else [])

    def schema(self, o_raw: JSON, n_raw: JSON, at: At) -> None:
        compare_schemas(self, o_raw, n_raw, at)


def _split_pointer(pointer: str) -> tuple[str, str]:
    """``/paths/~1v1~1x/post/responses/...`` -> (``POST /v1/x``, ``/responses/...``); else (``spec``, pointer)."""
    parts = pointer.split("/")
    if len(parts) >= 4 and parts[1] == "paths" and parts[3] in HTTP_METHODS:
        path = pointer_unescape(parts[2])
        return f"{parts[3].upper()} {path}", "/" + "/".join(parts[4:]) if len(parts) > 4 else ""
    return "spec", pointer


def _merge_aliases(findings: list[Finding]) -> list[Finding]:
    """The same change reported under several operations of one alias family becomes one finding."""
    groups: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    order: list[tuple[Any, ...]] = []
    for f in findings:
        locations = f.get("locations") or [f.location]
        families = {(loc.split(" ", 1)[0], alias_family(loc.split(" ", 1)[-1])) for loc in locations}
        key = (f.rule_id, f.level, f.pointer, f.message, f.change, tuple(sorted(families)))
        if key not in groups:
            order.append(key)
        groups[key].append(f)
    out = []
    for key in order:
        group = groups[key]
        if len(group) == 1:
            out.append(group[0])
            continue
        locations = sorted({loc for f in group for loc in (f.get("locations") or [f.location])})
        extra = dict(group[0].extra)
        extra["locations"] = locations
        location = ", ".join(sorted(locations, key=lambda loc: (len(loc), loc)))
        at = location_from_text(location, group[0].pointer, group[0].fault.value)
        out.append(attrs.evolve(group[0], at=at, extra=tuple(sorted(extra.items()))))
    return out


def diff_specs(
    old: dict[str, Any] | SpecIndex, new: dict[str, Any] | SpecIndex, *, evidence: str | None = None
) -> list[Finding]:
    """Every drift finding from ``old`` to ``new`` (dicts or already indexed specs; nothing is copied)."""
    old_index = old if isinstance(old, SpecIndex) else SpecIndex(old, "old")
    new_index = new if isinstance(new, SpecIndex) else SpecIndex(new, "new")
    return Differ(old_index, new_index, evidence=evidence).run()


__all__ = ["DOC_KEYS", "At", "Change", "Differ", "alias_family", "diff_specs"]
