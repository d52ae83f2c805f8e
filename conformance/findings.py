"""The one findings model shared by lint, overlay, docs, conformance and drift.

A check yields immutable :class:`Finding` values; rendering, baselines and exit
codes read them and never know which check made them. Rules live in a registry
(:data:`RULES`) so that ``conformance rules`` can list every id with its level
and a one-line why. Released ids are never changed or reused.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from conformance.locations import (
    OPERATION_KINDS,
    Location,
    location_from_dict,
    location_from_text,
)
from conformance.oas.describe import short_json


class Level(enum.IntEnum):
    """Severity, ordered so that ``max()`` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level:
        aliases = {
            "breaking": cls.ERROR,
            "error": cls.ERROR,
            "warning": cls.WARNING,
            "warn": cls.WARNING,
            "info": cls.INFO,
        }
        try:
            return aliases[text.lower()]
        except KeyError:
            raise ValueError(f"unknown level {text!r}; expected one of error, warning, info") from None


class Fault(enum.Enum):
    """Whose fault a finding is: the spec, a doc page, the server, a client's request, or a spec change."""

    SPEC = "spec"
    DOC = "doc"
    SERVER = "server"
    CLIENT = "client"
    DRIFT = "drift"


#: the rule registry's name for :class:`Fault` (a rule's ``source`` is the fault of its findings by default)
Source = Fault

#: the cross-cutting facts that are typed fields of :class:`Finding`, never ``extra`` keys
TYPED_KEYS = ("normalised_accepts", "direction", "change", "names", "occurrences")


@attrs.frozen
class Rule:
    """A named check: stable id, default level, where its findings come from, why it matters."""

    id: str
    level: Level
    source: Fault
    summary: str
    fix: str = ""

    def finding(
        self,
        location: str | Location,
        message: str,
        *,
        pointer: str = "",
        expected: str | None = None,
        found: str | None = None,
        hint: str | None = None,
        evidence: str | None = None,
        level: Level | None = None,
        kind: str = "",
        fault: Fault | None = None,
        occurrences: int = 1,
        normalised_accepts: bool | None = None,
        direction: str = "",
        change: str = "",
        names: Sequence[str] = (),
        extra: dict[str, Any] | None = None,
    ) -> Finding:
        """A finding of this rule. ``location`` is a typed :data:`Location`, or its text form (read by
        :func:`location_from_text` with the finding's fault; ``pointer`` goes with the text form). ``extra`` is
        for what one rule adds; the shared facts (:data:`TYPED_KEYS`) are keyword arguments, never ``extra``."""
        details = dict(extra or {})
        misplaced = sorted(set(details) & set(TYPED_KEYS))
        if misplaced:
            raise ValueError(f"extra: {', '.join(misplaced)} are typed fields of Finding; pass them as arguments")
        if not isinstance(location, str) and pointer:
            raise ValueError("pointer goes with a text location; a typed location carries its own")
        whose = fault or self.source
        at = location_from_text(location, pointer, whose.value) if isinstance(location, str) else location
        return Finding(
            rule_id=self.id,
            level=level or self.level,
            fault=whose,
            at=at,
            message=message,
            expected=expected,
            found=found,
            hint=hint if hint is not None else (self.fix or None),
            evidence=evidence,
            kind=kind,
            occurrences=occurrences,
            normalised_accepts=normalised_accepts,
            direction=direction,
            change=change,
            names=tuple(names),
            extra=tuple(sorted(details.items())),
        )


RULES: dict[str, Rule] = {}


def rule(id: str, level: Level, source: Fault, summary: str, fix: str = "") -> Rule:
    """Register a rule; ids are unique across the whole project."""
    if id in RULES:
        existing = RULES[id]
        if (existing.level, existing.source, existing.summary) != (level, source, summary):
            raise RuntimeError(f"rule id {id!r} registered twice with different meanings")
        return existing
    new = Rule(id=id, level=level, source=source, summary=summary, fix=fix)
    RULES[id] = new
    return new


def _short(value: Any, limit: int = 200) -> str:
    return short_json(value, limit, raw_strings=True)


@attrs.frozen
class Finding:
    """One discrepancy: what rule, how bad, whose fault, where, expected vs found, how to reproduce.

    The facts every stage shares are typed fields: :attr:`fault`, :attr:`at` (a typed :data:`Location`),
    :attr:`occurrences`, :attr:`normalised_accepts` (would the normalised spec accept the value at this place:
    the fault is then the spec's), and a drift's :attr:`direction`, :attr:`change` and :attr:`names`.
    ``extra`` holds only what one rule adds for people (a keyword, a schema path, a client impact line).
    """

    rule_id: str
    level: Level
    fault: Fault
    at: Location
    message: str
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    evidence: str | None = None
    # what exactly was violated, e.g. "enum:string" (schema keyword : class of the offending value) or
    # "ST202:400:tool_choice"; part of the fingerprint of an exchange's finding, so different defects never merge
    kind: str = ""
    #: how often the defect occurred in the run (findings with one fingerprint are merged)
    occurrences: int = 1
    #: for a check against the published spec: whether the normalised spec accepts the value (None: not asked)
    normalised_accepts: bool | None = None
    #: drift: which way the change hurts (request, response, both, spec), its key (which values, which status),
    #: and the property names on the way to it
    direction: str = ""
    change: str = ""
    names: tuple[str, ...] = ()
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def source(self) -> Fault:
        """The rule registry's name for :attr:`fault`."""
        return self.fault

    @property
    def location(self) -> str:
        """The place as short text: file, ``page:line``, ``POST /v1/... [stream]`` or ``suite``."""
        return self.at.label

    @property
    def pointer(self) -> str:
        return self.at.pointer

    @property
    def where(self) -> str:
        return f"{self.location}#{self.pointer}" if self.pointer else self.location

    @property
    def is_exchange(self) -> bool:
        """Whether the finding is about an HTTP operation or exchange, not a file, page or the run."""
        return self.at.kind in OPERATION_KINDS

    @property
    def fingerprint(self) -> str:
        """Stable identity for baselines and alerts: rule, location and pointer, not the wording.

        An exchange's finding also carries whose fault it is and what exactly was violated
        (:attr:`kind`): a server's defect never shares a fingerprint with a spec's, nor an
        ``enum`` violation by a string with one by ``null`` at the same place.
        """
        pointer = self.pointer
        exchange = self.is_exchange
        if self.fault in (Fault.SERVER, Fault.DOC) or exchange:
            # responses vary from run to run: /choices/2/x and /choices/0/x are the same defect
            # (a status code, as in /responses/202, is not an index)
            pointer = re.sub(r"(?<!/responses)/\d+(?=/|$)", "/*", pointer)
        parts = [self.rule_id, self.location, pointer]
        if exchange or self.kind:
            parts += [self.fault.value, self.kind]
        raw = "\x1f".join(parts)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def get(self, key: str, default: Any = None) -> Any:
        """A detail one rule added (``extra``); the shared facts are attributes."""
        return dict(self.extra).get(key, default)

    def with_extra(self, **values: Any) -> Finding:
        """A copy with ``extra`` keys set."""
        return attrs.evolve(self, extra=tuple(sorted({**dict(self.extra), **values}.items())))

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON data: the ``finding`` definition of ``docs/report.schema.json``."""
        return {
            "rule_id": self.rule_id,
            "level": self.level.label,
            "fault": self.fault.value,
            "location": self.location,
            "pointer": self.pointer,
            "at": self.at.to_dict(),
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
            "hint": self.hint,
            "evidence": self.evidence,
            "kind": self.kind,
            "fingerprint": self.fingerprint,
            "occurrences": self.occurrences,
            "normalised_accepts": self.normalised_accepts,
            "direction": self.direction,
            "change": self.change,
            "names": list(self.names),
            "extra": {k: v for k, v in self.extra},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Read :meth:`to_dict`'s form (or the text-location form of older reports)."""
        fault = Fault(data.get("fault") or data["source"])
        if isinstance(data.get("at"), dict):
            at = location_from_dict(data["at"])
        else:
            at = location_from_text(str(data["location"]), data.get("pointer", "") or "", fault.value)
        extra = dict(data.get("extra") or {})
        typed = {key: extra.pop(key) for key in TYPED_KEYS if key in extra}
        typed.update({key: data[key] for key in TYPED_KEYS if key in data})
        accepts = typed.get("normalised_accepts")
        return cls(
            rule_id=data["rule_id"],
            level=Level.parse(data["level"]),
            fault=fault,
            at=at,
            message=data["message"],
            expected=data.get("expected"),
            found=data.get("found"),
            hint=data.get("hint"),
            evidence=data.get("evidence"),
            kind=data.get("kind") or "",
            occurrences=int(typed.get("occurrences") or 1),
            normalised_accepts=None if accepts is None else bool(accepts),
            direction=str(typed.get("direction") or ""),
            change=str(typed.get("change") or ""),
            names=tuple(str(n) for n in typed.get("names") or ()),
            extra=tuple(sorted(extra.items())),
        )


def describe(value: Any) -> str:
    """A short, stable rendering of a value for ``expected``/``found``."""
    return _short(value)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.level, f.rule_id, f.location, f.pointer, f.message))


def worst(findings: Iterable[Finding]) -> Level | None:
    levels = [f.level for f in findings]
    return max(levels) if levels else None


def exit_code_for(findings: Iterable[Finding], fail_on: Level | None) -> int:
    """0 when nothing reaches ``fail_on`` (``None`` = never fail), else 1."""
    if fail_on is None:
        return 0
    return 1 if any(f.level >= fail_on for f in findings) else 0
