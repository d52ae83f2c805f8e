"""Which doc pages `conformance run` checks, and the findings of their example responses.

By default the run checks the doc pages pinned in ``spec/lock.json`` (``doc_pages``: repository, path,
commit, sha256), fetched like the spec (mirror or raw URL, verified, cached). ``--doc-page PATH``
(repeatable) adds local pages. Every run says which pages were checked, or why none was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from conformance.errors import ToolError, UsageError
from conformance.findings import Finding


@attrs.frozen
class DocPage:
    path: str
    origin: str  # "pinned aimlapi/api-docs@d37e2e6f9ad4" or "--doc-page"

    @property
    def name(self) -> str:
        return Path(self.path).name


@attrs.frozen
class DocPages:
    pages: tuple[DocPage, ...] = ()
    why_not: tuple[str, ...] = ()  # why a page that would have been checked is not

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


def resolve(local: Sequence[str], *, pinned: bool, mirror: str | None) -> DocPages:
    """The pinned pages (unless ``pinned`` is False) and the local ones; a missing local page is a usage error."""
    pages: list[DocPage] = []
    why_not: list[str] = []
    if pinned:
        from conformance import paths
        from conformance.fetch import Fetcher, Lock, pinned_bytes

        lock = Lock.load(paths.lock_path())
        if not lock.doc_pages:
            why_not.append(f"no doc page is pinned in {paths.lock_path()} (doc_pages)")
        try:
            fetcher = Fetcher.from_env(mirror=mirror)
            for pin in lock.doc_pages:
                cached, _ = pinned_bytes(fetcher, pin)
                pages.append(DocPage(str(cached), f"pinned {pin.repo}@{pin.commit[:12]}"))
        except ToolError as exc:
            why_not.append(f"the pinned doc page could not be fetched: {exc.message}")
    else:
        why_not.append("pinned doc pages turned off (--no-pinned-doc-pages)")
    for page in local:
        path = Path(page)
        if not path.is_file():
            raise UsageError(
                f"--doc-page {page}: expected a doc page file, found "
                + ("a directory" if path.is_dir() else "no such file")
            )
        pages.append(DocPage(str(path.resolve()), "--doc-page"))
    return DocPages(tuple(pages), tuple(why_not))


def findings(pages: DocPages, published: dict[str, Any], normalised: dict[str, Any]) -> list[Finding]:
    from conformance.suite.docexample import documented_example_findings

    out: list[Finding] = []
    for page in pages.pages:
        out.extend(documented_example_findings(page.path, published, normalised))
    return out


def load_findings(pages: DocPages, published_path: Path, normalised_path: Path) -> list[Finding]:
    """The pages' findings, checked against the run's specs (kept out of raw/, which holds recordings)."""
    if not pages.pages:
        return []
    published = json.loads(published_path.read_text())
    normalised = json.loads(normalised_path.read_text())
    return findings(pages, published, normalised)
