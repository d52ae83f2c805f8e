"""The comparison context: where the walk is (:class:`At`), what it found (:class:`Change`), and the recorder."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from conformance.drift import rules as R
from conformance.drift.canon import ANNOTATIONS, RefProblem, SpecIndex
from conformance.findings import Finding, Level, Rule
from conformance.oas import HTTP_METHODS as HTTP_METHODS
from conformance.oas import join_pointer, short_json

JSON = Any
JSON_TYPE = "application/json"
_VERSION_PREFIX = re.compile(r"^/v\d+(?=/)")
_PARAM = re.compile(r"\{[^}/]*\}")


def alias_family(path: str) -> str:
    """Paths that name the same operation: a leading ``/v<N>`` and parameter names do not count."""
    return _PARAM.sub("{}", _VERSION_PREFIX.sub("", path))


def _opt(value: Any) -> str:
    return "absent" if value is None else _show(value)


def _show(value: Any, limit: int = 120) -> str:
    return short_json(value, limit, raw_strings=True)


def _values(values: Iterable[Any]) -> str:
    return ", ".join(_show(v, 60) for v in values)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@attrs.frozen
class At:
    """Where the walk is: direction, logical path, JSON pointers on both sides, property names, schema name."""

    direction: str
    path: str
    old: str
    new: str
    names: tuple[str, ...] = ()
    schema: str | None = None

    def prop(self, name: str) -> At:
        sep = "." if self.path else ""
        return attrs.evolve(
            self,
            path=f"{self.path}{sep}{name}",
            old=self.old + join_pointer("properties", name),
            new=self.new + join_pointer("properties", name),
            names=(*self.names, name),
        )

    def child(self, token: str, old_key: str | int, new_key: str | int | None = None) -> At:
        return attrs.evolve(
            self,
            path=self.path + token,
            old=self.old + join_pointer(old_key),
            new=self.new + join_pointer(old_key if new_key is None else new_key),
        )

    def moved(self, old: str, new: str, schema: str | None) -> At:
        return attrs.evolve(self, old=old, new=new, schema=schema or self.schema)


@attrs.frozen
class Change:
    """One classified change inside an operation (or the document), before it becomes a finding."""

    rule: Rule
    pointer: str
    message: str
    key: str
    expected: str | None = None
    found: str | None = None
    level: Level | None = None
    spec_pointer: str = ""
    names: tuple[str, ...] = ()
    schema: str | None = None
    direction: str = ""
    hint: str | None = None


class Context:
    """What a comparison of two indexed specs records into: the specs, the changes found so far, the documentation
    changes to summarise, the schema pairs being compared (recursion guard).

    :meth:`schema` is the entry for comparing two schemas; the coordinator
    (:class:`~conformance.drift.engine.Differ`) provides it, so that the walk, the keyword comparisons and the
    variant matching can recurse without importing each other.
    """

    def __init__(self, old: SpecIndex, new: SpecIndex, *, evidence: str | None = None) -> None:
        self.old = old
        self.new = new
        self.evidence = evidence
        self._changes: list[Change] = []
        self._docs: dict[str, list[str]] = defaultdict(list)
        self.active: set[tuple[int, int]] = set()

    def emit(
        self,
        rule: Rule,
        at: At,
        message: str,
        key: str,
        *,
        expected: str | None = None,
        found: str | None = None,
        level: Level | None = None,
        hint: str | None = None,
        spec_pointer: str | None = None,
    ) -> None:
        self._changes.append(
            Change(
                rule,
                at.path,
                message,
                key,
                expected,
                found,
                level,
                at.new if spec_pointer is None else spec_pointer,
                at.names,
                at.schema,
                at.direction,
                hint,
            )
        )

    def doc(self, at: At, key: str) -> None:
        if key in ANNOTATIONS:
            return
        kind = R.EXAMPLE_CHANGED.id if key in ("example", "examples") or key.startswith("x-") else R.DOC_CHANGED.id
        where = f"{at.path}.{key}" if at.path else key
        self._docs[kind].append(where)

    def flush(self) -> list[Change]:
        out = self._changes
        for kind, places in sorted(self._docs.items()):
            rule = R.DOC_CHANGED if kind == R.DOC_CHANGED.id else R.EXAMPLE_CHANGED
            unique = sorted(set(places))
            shown = ", ".join(unique[:6]) + (f", … ({len(unique) - 6} more)" if len(unique) > 6 else "")
            what = "descriptions/titles" if rule is R.DOC_CHANGED else "examples/code samples/extensions"
            out.append(Change(rule, "", f"{what} changed at {len(unique)} place(s): {shown}", "\n".join(unique)))
        self._changes = []
        self._docs = defaultdict(list)
        return out

    def _to_findings(self, changes: Sequence[Change], locations: list[str]) -> list[Finding]:
        out = []
        location = ", ".join(sorted(locations, key=lambda loc: (len(loc), loc))) if locations else "spec"
        for c in changes:
            extra: dict[str, Any] = {"locations": sorted(locations)}
            if c.spec_pointer:
                extra["spec_pointer"] = c.spec_pointer
            if c.schema:
                extra["schema"] = c.schema
            out.append(
                c.rule.finding(
                    location,
                    c.message,
                    pointer=c.pointer,
                    expected=c.expected,
                    found=c.found,
                    level=c.level,
                    hint=c.hint,
                    evidence=self.evidence,
                    direction=c.direction or R.DRIFT_RULES[c.rule.id].direction,
                    change=c.key,
                    names=c.names,
                    extra=extra,
                )
            )
        return out

    def ref_problem(self, old: RefProblem | None, new: RefProblem | None, at: At) -> None:
        """A side cannot be followed: that subtree is not compared (``Differ._ref_findings`` names the reference)."""

    def schema(self, o_raw: JSON, n_raw: JSON, at: At) -> None:
        """Compare two schemas at ``at`` (both sides ``$ref``-followed)."""
        raise NotImplementedError
