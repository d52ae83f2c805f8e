"""The values the load layer hands to the stages: a published/normalised spec pair and the doc pages to check.

A neutral module: the load layer (:mod:`conformance.load`) builds these values, the CLI passes them on, and
the stages (lint, mock, suite, docs, drift, traffic, proxy) read them without knowing where they came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

Spec = dict[str, Any]


def dumps_spec(spec: Spec) -> str:
    """Deterministic JSON for a spec (same input, same bytes), as the normalised spec is written."""
    return json.dumps(spec, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


@attrs.frozen
class SpecPair:
    """The pinned published spec (upstream's promise, byte for byte) and the normalised one (the overlay applied)."""

    published: Spec
    normalised: Spec

    def variant(self, name: str) -> Spec:
        """``published`` or ``normalised``."""
        return self.published if name == "published" else self.normalised


@attrs.frozen
class Commit:
    """A commit that changed a file: its sha, ISO date and subject line (from git, the GitHub API or a mirror's
    ``INDEX.json``)."""

    commit: str
    date: str
    subject: str


@attrs.frozen
class DocPage:
    path: str
    origin: str  # "pinned aimlapi/api-docs@d37e2e6f9ad4" or "--doc-page"

    @property
    def name(self) -> str:
        return Path(self.path).name


@attrs.frozen
class DocPages:
    """The doc pages a run checks, and why a page that would have been checked is not."""

    pages: tuple[DocPage, ...] = ()
    why_not: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for the terminal and the summary: the pages checked, or why none was."""
        if self.pages:
            text = "doc pages checked: " + ", ".join(f"{p.name} ({p.origin})" for p in self.pages)
        else:
            text = "no doc page checked"
        if self.why_not:
            text += "; " + "; ".join(self.why_not)
        return text

    def names(self) -> set[str]:
        return {p.name for p in self.pages}

    def to_json(self) -> list[dict[str, str]]:
        return [{"path": p.path, "origin": p.origin} for p in self.pages]
