"""The baseline: acknowledged upstream defects, each with a reason.

A run fails only on findings whose fingerprint is not in the baseline, and
reports baseline entries that no longer occur so they can be removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from conformance.errors import InputError
from conformance.fileio import atomic_write
from conformance.findings import Finding


@attrs.frozen
class Entry:
    fingerprint: str
    rule_id: str
    location: str
    pointer: str
    reason: str


@attrs.frozen
class Baseline:
    path: Path
    entries: tuple[Entry, ...]

    @classmethod
    def load(cls, path: Path) -> Baseline:
        if not path.exists():
            return cls(path, ())
        try:
            data = json.loads(path.read_text())
            entries = tuple(
                Entry(**{k: e[k] for k in ("fingerprint", "rule_id", "location", "pointer", "reason")})
                for e in data["entries"]
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(
                f'{path}: expected {{"entries": [{{fingerprint, rule_id, location, pointer, reason}}]}}'
                f", found something else ({type(exc).__name__}: {exc})"
            ) from None
        return cls(path, entries)

    @property
    def fingerprints(self) -> set[str]:
        return {e.fingerprint for e in self.entries}

    def split(self, findings: Sequence[Finding]) -> tuple[list[Finding], list[Finding], list[Entry]]:
        """(new findings, acknowledged findings, stale entries)."""
        known = self.fingerprints
        new = [f for f in findings if f.fingerprint not in known]
        acknowledged = [f for f in findings if f.fingerprint in known]
        seen = {f.fingerprint for f in findings}
        stale = [e for e in self.entries if e.fingerprint not in seen]
        return new, acknowledged, stale

    def write(self, findings: Iterable[Finding], reasons: dict[str, str], keep: Iterable[Entry] = ()) -> None:
        entries: dict[str, dict[str, Any]] = {e.fingerprint: attrs.asdict(e) for e in keep}
        for f in findings:
            reason = reasons.get(f.rule_id) or next(
                (e.reason for e in self.entries if e.fingerprint == f.fingerprint), "acknowledged upstream defect"
            )
            entries[f.fingerprint] = {
                "fingerprint": f.fingerprint,
                "rule_id": f.rule_id,
                "location": f.location,
                "pointer": f.pointer,
                "reason": reason,
            }
        ordered = sorted(entries.values(), key=lambda e: (e["rule_id"], e["location"], e["pointer"]))
        atomic_write(self.path, json.dumps({"entries": ordered}, indent=2, sort_keys=True) + "\n")
