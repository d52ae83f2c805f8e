"""Drift: breaking-aware semantic diffs between two versions of a spec.

``diff_specs(old, new)`` returns classified :class:`~conformance.findings.Finding`
values (rules in :mod:`conformance.drift.rules`, registered on import).
"""

from __future__ import annotations

from conformance.drift import rules as rules
from conformance.drift.canon import SpecIndex
from conformance.drift.engine import alias_family, diff_specs

__all__ = ["SpecIndex", "alias_family", "diff_specs", "rules"]
