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
from collections.abc import Iterable
from typing import Any

import attrs

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


class Source(enum.Enum):
    """Whose fault a finding is: the spec, a doc page, the server, a client's request, or a spec change."""

    SPEC = "spec"
    DOC = "doc"
    SERVER = "server"
    CLIENT = "client"
    DRIFT = "drift"


@attrs.frozen
class Rule:
    """A named check: stable id, default level, where its findings come from, why it matters."""

    id: str
    level: Level
    source: Source
    summary: str
    fix: str = ""

    def finding(
        self,
        location: str,
        message: str,
        *,
        pointer: str = "",
        expected: str | None = None,
        found: str | None = None,
        hint: str | None = None,
        evidence: str | None = None,
        level: Level | None = None,
        kind: str = "",
        extra: dict[str, Any] | None = None,
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            level=level or self.level,
            source=self.source,
            location=location,
            pointer=pointer,
            message=message,
            expected=expected,
            found=found,
            hint=hint if hint is not None else (self.fix or None),
            evidence=evidence,
            kind=kind,
            extra=tuple(sorted((extra or {}).items())),
        )


RULES: dict[str, Rule] = {}
_HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


def rule(id: str, level: Level, source: Source, summary: str, fix: str = "") -> Rule:
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
    """One discrepancy: what rule, how bad, whose fault, where, expected vs found, how to reproduce."""

    rule_id: str
    level: Level
    source: Source
    location: str
    message: str
    pointer: str = ""
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    evidence: str | None = None
    # what exactly was violated, e.g. "enum:string" (schema keyword : class of the offending value) or
    # "ST202:400:tool_choice"; part of the fingerprint of an exchange's finding, so different defects never merge
    kind: str = ""
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def where(self) -> str:
        return f"{self.location}#{self.pointer}" if self.pointer else self.location

    @property
    def is_exchange(self) -> bool:
        """Whether the finding is about an HTTP exchange (location ``POST /v1/...``), not a file or page."""
        return self.location.split(" ", 1)[0] in _HTTP_METHODS

    @property
    def fingerprint(self) -> str:
        """Stable identity for baselines and alerts: rule, location and pointer, not the wording.

        An exchange's finding also carries whose fault it is and what exactly was violated
        (:attr:`kind`): a server's defect never shares a fingerprint with a spec's, nor an
        ``enum`` violation by a string with one by ``null`` at the same place.
        """
        pointer = self.pointer
        exchange = self.is_exchange
        if self.source in (Source.SERVER, Source.DOC) or exchange:
            # responses vary from run to run: /choices/2/x and /choices/0/x are the same defect
            # (a status code, as in /responses/202, is not an index)
            pointer = re.sub(r"(?<!/responses)/\d+(?=/|$)", "/*", pointer)
        parts = [self.rule_id, self.location, pointer]
        if exchange or self.kind:
            parts += [self.source.value, self.kind]
        raw = "\x1f".join(parts)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule_id": self.rule_id,
            "level": self.level.label,
            "source": self.source.value,
            "location": self.location,
            "pointer": self.pointer,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
            "hint": self.hint,
            "evidence": self.evidence,
            "kind": self.kind,
            "fingerprint": self.fingerprint,
        }
        if self.extra:
            data["extra"] = {k: v for k, v in self.extra}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule_id=data["rule_id"],
            level=Level.parse(data["level"]),
            source=Source(data["source"]),
            location=data["location"],
            pointer=data.get("pointer", ""),
            message=data["message"],
            expected=data.get("expected"),
            found=data.get("found"),
            hint=data.get("hint"),
            evidence=data.get("evidence"),
            kind=data.get("kind") or "",
            extra=tuple(sorted((data.get("extra") or {}).items())),
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
